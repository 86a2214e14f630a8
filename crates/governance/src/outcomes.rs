//! Outcomes as the Supporting Families framework means them. A family's
//! baseline is taken when the meeting takes it on: the decision's date
//! and the needs open on it, as the records show. Only what happens after
//! that date counts. An outcome is a need of the baseline whose every
//! involvement has closed, with no new involvement for it for six months
//! after; the claim report lists each with the records that show it.
//!
//! Needs that closed before the baseline are not in it, so nothing closed
//! before the meeting took a family on is claimed. The records cannot show
//! the framework's other tests (continuous employment needs payroll or
//! benefit data famgraph is not given): "no new involvement" stands in
//! for them, and the report says so.

use std::collections::BTreeSet;

use famgraph_analysis::{end_or, open_on};
use famgraph_graph::{ADULT_AGE, FamilyIdx};
use famgraph_model::{Date, Need, Role};
use famgraph_pipeline::Snapshot;
use serde::Serialize;

use crate::decisions::{Decided, Decision, Entry};

/// Six months: a closed need with no new involvement this long after is
/// an outcome (the framework's "sustained").
pub const SUSTAINED_DAYS: i32 = 182;

/// The test the report applies, in words.
pub const RULE: &str = "an outcome is a need open when the family was taken on (the baseline) whose every \
    involvement has since closed, with no new involvement for it for six months after; nothing before the \
    baseline counts. The records cannot show continuous employment; no new involvement stands in for it.";

/// Where one baseline need stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Closed, and no new involvement for six months since: claimable.
    Achieved,
    /// Closed, six months not yet passed (`sustained_on` says when).
    Closed,
    /// An involvement for it is still open.
    Open,
}

/// The meeting's take-on the outcomes are measured from.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub decided_on: String,
    pub lead_agency: Option<String>,
    /// Needs open on `decided_on`, as the records show.
    pub needs: Vec<&'static str>,
    /// A member under 18 on `decided_on`.
    pub has_dependent_children: bool,
}

/// One involvement behind an outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRecord {
    pub agency: String,
    pub involvement_id: String,
    pub record_id: String,
    pub person_id: String,
    pub service: String,
    pub start_date: String,
    pub end_date: Option<String>,
    /// Open on the baseline date (the others began after it).
    pub open_at_baseline: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub need: &'static str,
    pub label: &'static str,
    pub status: Status,
    /// The day its last involvement closed, when closed.
    pub closed_on: Option<String>,
    /// Six months after `closed_on`: when the outcome is (or will be) met.
    pub sustained_on: Option<String>,
    /// Every involvement for it from the baseline on.
    pub records: Vec<OutcomeRecord>,
}

/// A family's claim report.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimReport {
    pub family_id: String,
    pub as_of: String,
    pub rule: &'static str,
    pub baseline: Baseline,
    pub outcomes: Vec<Outcome>,
    pub achieved: usize,
    pub every_need_achieved: bool,
    /// A Supporting Families results claim: three or more needs at the
    /// baseline, dependent children, and an outcome on every need (the
    /// lead practitioner, assessment and plan are the partnership's to
    /// show).
    pub supporting_families_claim: bool,
}

/// The take-on a family's outcomes are measured from: its first
/// `taken_on` decision, or the first after the work was last closed.
pub fn baseline_entry(decided: &Decided, family: FamilyIdx) -> Option<&Entry> {
    let mut baseline = None;
    let mut closed = false;
    for entry in decided.history(family) {
        match entry.decision {
            Decision::TakenOn if baseline.is_none() || closed => {
                baseline = Some(entry);
                closed = false;
            }
            Decision::Closed => closed = true,
            _ => {}
        }
    }
    baseline
}

/// The claim report of a family taken on; `None` for one never taken on.
pub fn claim_report(snapshot: &Snapshot, decided: &Decided, family: FamilyIdx) -> Option<ClaimReport> {
    let entry = baseline_entry(decided, family)?;
    let day = Date::parse(&entry.decided_on)?;
    Some(report(snapshot, family, day, entry.lead_agency.clone()))
}

/// The report of a family taken on on `day`.
pub fn report(snapshot: &Snapshot, family: FamilyIdx, day: Date, lead_agency: Option<String>) -> ClaimReport {
    let graph = &snapshot.graph;
    let as_of = snapshot.analysis.as_of;
    let members = &graph.families[family].members;
    // The family's involvements by need (a victim of crime has no crime
    // need of their own), from the baseline on.
    let of_need = |need: Need| -> Vec<(usize, usize)> {
        let mut list: Vec<(usize, usize)> = members
            .iter()
            .flat_map(|&p| graph.involvements_of[p].iter().map(move |&i| (i, p)))
            .filter(|&(i, _)| {
                let inv = &graph.bundle.involvements[i];
                graph.bundle.services[graph.service_of_involvement[i]].need == need
                    && !(need == Need::Crime && inv.role == Role::Victim)
                    && end_or(inv, as_of) >= day
            })
            .collect();
        list.sort_by_key(|&(i, _)| (graph.bundle.involvements[i].start_date, i));
        list
    };
    let needs: Vec<Need> = Need::ALL
        .iter()
        .copied()
        .filter(|&need| of_need(need).iter().any(|&(i, _)| open_on(&graph.bundle.involvements[i], day)))
        .collect();
    let outcomes: Vec<Outcome> = needs
        .iter()
        .map(|&need| {
            let involvements = of_need(need);
            let (status, closed) = status(involvements.iter().map(|&(i, _)| &graph.bundle.involvements[i]), as_of);
            Outcome {
                need: need.code(),
                label: need.label(),
                status,
                closed_on: closed.map(|d| d.to_string()),
                sustained_on: closed.map(|d| d.add_days(SUSTAINED_DAYS).to_string()),
                records: involvements
                    .iter()
                    .map(|&(i, p)| {
                        let inv = &graph.bundle.involvements[i];
                        OutcomeRecord {
                            agency: inv.agency.clone(),
                            involvement_id: inv.involvement_id.clone(),
                            record_id: inv.record_id.clone(),
                            person_id: graph.people[p].id.clone(),
                            service: graph.bundle.services[graph.service_of_involvement[i]].name.clone(),
                            start_date: inv.start_date.to_string(),
                            end_date: inv.end_date.map(|d| d.to_string()),
                            open_at_baseline: open_on(inv, day),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let achieved = outcomes.iter().filter(|o| o.status == Status::Achieved).count();
    let has_dependent_children = members
        .iter()
        .any(|&p| graph.people[p].date_of_birth.is_some_and(|born| born <= day && born.age_on(day) < ADULT_AGE));
    let every_need_achieved = !outcomes.is_empty() && achieved == outcomes.len();
    ClaimReport {
        family_id: graph.families[family].id.clone(),
        as_of: as_of.to_string(),
        rule: RULE,
        baseline: Baseline {
            decided_on: day.to_string(),
            lead_agency,
            needs: needs.iter().map(|n| n.code()).collect(),
            has_dependent_children,
        },
        supporting_families_claim: every_need_achieved && needs.len() >= 3 && has_dependent_children,
        outcomes,
        achieved,
        every_need_achieved,
    }
}

/// Where a need stands, from its involvements since the baseline, by
/// start (the first open on the baseline date): the first time every one
/// has closed with none new for six months after is the outcome; a new
/// one within six months starts the wait again.
fn status<'a>(
    mut involvements: impl Iterator<Item = &'a famgraph_model::Involvement>,
    as_of: Date,
) -> (Status, Option<Date>) {
    let Some(first) = involvements.next() else { return (Status::Open, None) };
    // The end of the run of involvements so far; `None` while one is open.
    let mut end = first.end_date;
    for inv in involvements {
        match end {
            None => {}
            Some(closed) if inv.start_date > closed.add_days(SUSTAINED_DAYS) => break,
            Some(closed) => end = inv.end_date.map(|e| e.max(closed)),
        }
    }
    match end {
        None => (Status::Open, None),
        Some(closed) if closed.add_days(SUSTAINED_DAYS) <= as_of => (Status::Achieved, Some(closed)),
        Some(closed) => (Status::Closed, Some(closed)),
    }
}

/// The families taken on (or taken on and since closed) with a baseline,
/// each with its report: what the evidence counts.
pub fn reports(snapshot: &Snapshot, decided: &Decided) -> Vec<ClaimReport> {
    let families: BTreeSet<FamilyIdx> = decided
        .now()
        .filter(|(_, e)| matches!(e.decision, Decision::TakenOn | Decision::Closed))
        .map(|(f, _)| f)
        .collect();
    families.into_iter().filter_map(|f| claim_report(snapshot, decided, f)).collect()
}

#[cfg(test)]
mod tests {
    use famgraph_model::{Date, Involvement, Role};

    use super::{Status, status};

    fn inv(start: &str, end: Option<&str>) -> Involvement {
        Involvement {
            agency: "eh".into(),
            involvement_id: start.into(),
            record_id: "1".into(),
            service: "support".into(),
            start_date: Date::parse(start).unwrap(),
            end_date: end.map(|e| Date::parse(e).unwrap()),
            role: Role::Subject,
        }
    }

    #[test]
    fn an_outcome_is_six_months_closed_with_nothing_new() {
        let as_of = Date::parse("2024-03-31").unwrap();
        let day = |d: &str| Some(Date::parse(d).unwrap());
        let of = |list: &[Involvement]| status(list.iter(), as_of);
        // Closed in June, nothing since: achieved in December.
        assert_eq!(of(&[inv("2023-01-01", Some("2023-06-30"))]), (Status::Achieved, day("2023-06-30")));
        // Still open.
        assert_eq!(of(&[inv("2023-01-01", Some("2023-06-30")), inv("2023-02-01", None)]), (Status::Open, None));
        // Closed in December: six months not yet passed.
        assert_eq!(of(&[inv("2023-01-01", Some("2023-12-01"))]), (Status::Closed, day("2023-12-01")));
        // Back within six months: the wait starts again from the new close.
        let back = [inv("2023-01-01", Some("2023-05-01")), inv("2023-08-01", Some("2023-11-01"))];
        assert_eq!(of(&back), (Status::Closed, day("2023-11-01")));
        // Back after seven months: the outcome stood when it was met.
        let later = [inv("2022-06-01", Some("2022-08-01")), inv("2023-04-01", None)];
        assert_eq!(of(&later), (Status::Achieved, day("2022-08-01")));
    }
}
