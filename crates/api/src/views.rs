//! The JSON shapes of the API and their conversion from the analysis.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use famgraph_analysis::FamilyAnalysis;
use famgraph_graph::{FamilyGraph, FamilyIdx};
use famgraph_model::Need;
use serde::Serialize;

use famgraph_governance::decisions::{Decided, Decision, DecisionFilter, DecisionView};
use famgraph_pipeline::Snapshot;

use crate::ApiError;

/// Shortlist filters: `need`, `agency`, `area` (a postcode district or
/// sector such as `ME4` or `ME4 4`).
pub struct Filter {
    need: Option<Need>,
    agency: Option<String>,
    area: Option<String>,
    ruleset: Option<String>,
    cohort: Option<String>,
    /// Leave out families with a member in this cohort: those already
    /// managed under MAPPA, MARAC or IOM, say.
    exclude_cohort: Option<String>,
    keyworkers: Option<Keyworkers>,
    decision: Option<DecisionFilter>,
    /// The meeting's decisions on the load's families, when the server or
    /// the command keeps them.
    decided: Option<Arc<Decided>>,
    /// The day the filter was made, for `decision=review_due`.
    today: famgraph_model::Date,
}

/// How many agencies have a keyworker with the family now: the
/// partnership meeting's question of who leads and who steps back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyworkers {
    /// Nobody leads.
    None,
    One,
    /// Two or more agencies at once: who steps back?
    Several,
}

impl Keyworkers {
    pub const CODES: [&str; 3] = ["none", "one", "several"];

    pub fn parse(text: &str) -> Option<Keyworkers> {
        match text {
            "none" => Some(Keyworkers::None),
            "one" => Some(Keyworkers::One),
            "several" => Some(Keyworkers::Several),
            _ => None,
        }
    }

    fn of(n: usize) -> Keyworkers {
        match n {
            0 => Keyworkers::None,
            1 => Keyworkers::One,
            _ => Keyworkers::Several,
        }
    }
}

/// A shortlist filter as asked for, each value as typed: by the API's
/// query parameters of the same names, or by `famgraph shortlist`'s flags.
#[derive(Debug, Clone, Default)]
pub struct FilterSpec {
    pub need: Option<String>,
    pub agency: Option<String>,
    pub area: Option<String>,
    pub ruleset: Option<String>,
    pub cohort: Option<String>,
    pub exclude_cohort: Option<String>,
    /// `none`, `one` or `several` now.
    pub keyworkers: Option<String>,
    /// `undecided`, `decided`, `review_due` or a decision's code (see
    /// `Filter::with_decisions`).
    pub decision: Option<String>,
}

impl FilterSpec {
    /// From query parameters: the last of each name counts.
    pub fn from_params(params: &[(String, String)]) -> FilterSpec {
        let get = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        FilterSpec {
            need: get("need"),
            agency: get("agency"),
            area: get("area"),
            ruleset: get("ruleset"),
            cohort: get("cohort"),
            exclude_cohort: get("exclude_cohort"),
            keyworkers: get("keyworkers"),
            decision: get("decision"),
        }
    }
}

impl Filter {
    /// The filter from query parameters: see [`FilterSpec`].
    pub fn from_params(params: &[(String, String)], snapshot: &Snapshot) -> Result<Filter, ApiError> {
        Filter::new(&FilterSpec::from_params(params), snapshot)
    }

    /// The filter asked for, checked against the load: an unknown need,
    /// agency, ruleset, cohort, keyworkers or decision value is a bad
    /// request naming it.
    pub fn new(spec: &FilterSpec, snapshot: &Snapshot) -> Result<Filter, ApiError> {
        let get = |value: &Option<String>| value.as_deref().map(|v| v.trim().to_owned());
        let need = get(&spec.need)
            .map(|n| {
                Need::parse(&n).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "unknown need `{n}`: use one of {}",
                        Need::ALL.iter().map(|n| n.code()).collect::<Vec<_>>().join(", ")
                    ))
                })
            })
            .transpose()?;
        let agency = get(&spec.agency);
        if let Some(agency) = &agency
            && !snapshot.graph.bundle.agencies.iter().any(|a| &a.code == agency)
        {
            return Err(ApiError::BadRequest(format!("unknown agency `{agency}`")));
        }
        let area = get(&spec.area).map(|a| a.to_uppercase());
        let ruleset = get(&spec.ruleset);
        if let Some(name) = &ruleset
            && snapshot.rulesets.get(name).is_none()
        {
            return Err(ApiError::BadRequest(format!(
                "unknown ruleset `{name}`: use one of {}",
                snapshot.rulesets.names().join(", ")
            )));
        }
        let (cohort, exclude_cohort) = (get(&spec.cohort), get(&spec.exclude_cohort));
        for name in cohort.iter().chain(&exclude_cohort) {
            snapshot.cohorts.find(name).map_err(ApiError::BadRequest)?;
        }
        let keyworkers = get(&spec.keyworkers)
            .map(|k| {
                Keyworkers::parse(&k).ok_or_else(|| {
                    ApiError::BadRequest(format!("unknown keyworkers `{k}`: use {}", Keyworkers::CODES.join(", ")))
                })
            })
            .transpose()?;
        let decision = get(&spec.decision).map(|d| DecisionFilter::parse(&d)).transpose()?;
        Ok(Filter {
            need,
            agency,
            area,
            ruleset,
            cohort,
            exclude_cohort,
            keyworkers,
            decision,
            decided: None,
            today: famgraph_governance::auth::today(),
        })
    }

    /// The meeting's decisions, for the `decision` filter and each
    /// family's `decision`; without them every family is undecided.
    pub fn with_decisions(mut self, decided: Arc<Decided>) -> Filter {
        self.decided = Some(decided);
        self
    }

    fn decision_of(&self, family: FamilyIdx) -> Option<Decision> {
        self.decided.as_ref().and_then(|d| d.latest(family)).map(|e| e.decision)
    }

    /// One page of the shortlist under the filter, and how many families
    /// match in all. With a ruleset each family carries its eligibility.
    pub fn page(&self, snapshot: &Snapshot, offset: usize, limit: usize) -> (Vec<FamilySummary>, usize) {
        // The need first, from the dense bits: most families fail it.
        let bits = snapshot.need_bits();
        let need = self.need.map(famgraph_pipeline::need_bit);
        let has_need = |f: &FamilyIdx| need.is_none_or(|bit| bits[*f] & bit != 0);
        let ranking = &snapshot.analysis.ranking;
        let summary = |f: FamilyIdx| FamilySummary {
            eligibility: self.ruleset(snapshot).map(|r| eligibility(snapshot, r, f)),
            decision: self.decision_of(f),
            ..family_summary(snapshot, f)
        };
        if self.by_need_alone() {
            // The commonest asks, the whole shortlist or one need, read
            // only the page's families and count the rest from the bits.
            let total = if need.is_some() { ranking.iter().filter(|f| has_need(f)).count() } else { ranking.len() };
            let families = ranking.iter().copied().filter(has_need).skip(offset).take(limit).map(summary).collect();
            return (families, total);
        }
        let matching: Vec<usize> =
            ranking.iter().copied().filter(|f| has_need(f) && self.matches(snapshot, *f)).collect();
        let families = matching.iter().skip(offset).take(limit).map(|&f| summary(f)).collect();
        (families, matching.len())
    }

    /// Whether the filter asks for nothing but (at most) a need.
    fn by_need_alone(&self) -> bool {
        let Filter {
            need: _,
            agency,
            area,
            ruleset,
            cohort,
            exclude_cohort,
            keyworkers,
            decision,
            decided: _,
            today: _,
        } = self;
        agency.is_none()
            && area.is_none()
            && ruleset.is_none()
            && cohort.is_none()
            && exclude_cohort.is_none()
            && keyworkers.is_none()
            && decision.is_none()
    }

    /// The ruleset asked for, if any.
    pub fn ruleset<'s>(&self, snapshot: &'s Snapshot) -> Option<&'s famgraph_analysis::Ruleset> {
        self.ruleset.as_ref().and_then(|name| snapshot.rulesets.get(name))
    }

    pub fn matches(&self, snapshot: &Snapshot, family: FamilyIdx) -> bool {
        let analysis = &snapshot.analysis.families[family];
        self.ruleset(snapshot).is_none_or(|r| {
            r.assess(analysis, &snapshot.graph, snapshot.analysis.as_of, snapshot.analysis.window_days).eligible
        }) && self.need.is_none_or(|n| analysis.needs.contains_key(&n))
            && self.agency.as_ref().is_none_or(|a| analysis.agencies.contains(a))
            && self.cohort.as_ref().is_none_or(|c| snapshot.cohorts.of_family(family).any(|x| &x.name == c))
            && self.exclude_cohort.as_ref().is_none_or(|c| snapshot.cohorts.of_family(family).all(|x| &x.name != c))
            && self.keyworkers.is_none_or(|k| Keyworkers::of(analysis.keyworkers_now.len()) == k)
            && self.decision.is_none_or(|d| {
                let latest = self.decided.as_ref().and_then(|decided| decided.latest(family));
                d.keeps(latest, analysis.needs_now.keys().map(|n| n.code()), self.today)
            })
            && self.area.as_ref().is_none_or(|area| {
                snapshot.graph.families[family].households.iter().any(|&h| {
                    snapshot.graph.households[h]
                        .postcode
                        .as_ref()
                        .is_some_and(|p| p.as_str() == area || p.sector() == area || p.district() == area)
                })
            })
    }
}

/// The values the shortlist's agency and area filters take: each agency
/// (code and name) and each postcode district the families live in.
pub fn filter_choices(snapshot: &Snapshot) -> serde_json::Value {
    let graph = &snapshot.graph;
    let agencies: Vec<serde_json::Value> =
        graph.bundle.agencies.iter().map(|a| serde_json::json!({"code": a.code, "name": a.name})).collect();
    // A district a postcode's slip made (one or two households at a
    // district no other household is in) is left out of the choices; the
    // `area` filter still takes it.
    let mut households_in: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for h in &graph.households {
        if let Some(postcode) = &h.postcode {
            *households_in.entry(postcode.district()).or_default() += 1;
        }
    }
    let areas: Vec<&str> = households_in
        .into_iter()
        .filter(|&(_, n)| n >= MIN_HOUSEHOLDS_OF_AN_AREA)
        .map(|(district, _)| district)
        .collect();
    serde_json::json!({"agencies": agencies, "areas": areas})
}

/// The fewest households a postcode district holds to be offered as an
/// area to filter by: a partnership's districts hold hundreds; one a
/// mistyped postcode made (`QE8`, `MY1`) holds one or two.
pub const MIN_HOUSEHOLDS_OF_AN_AREA: usize = 3;

#[derive(Serialize)]
pub struct ReasonView {
    pub code: &'static str,
    /// The reason in plain words.
    pub label: &'static str,
    /// `now` (open on the extract date), `window` (earlier in the window,
    /// not now) or `ever` (the whole recorded history).
    pub counts: famgraph_analysis::Counts,
    pub points: f64,
    pub detail: String,
}

/// One line of the shortlist: counts and codes, no names.
#[derive(Serialize)]
pub struct FamilySummary {
    pub family_id: String,
    pub rank: Option<usize>,
    pub score: f64,
    /// Needs seen in the window, open now or not.
    pub needs: Vec<&'static str>,
    /// Needs open on the extract date.
    pub needs_now: Vec<&'static str>,
    pub agencies: Vec<String>,
    /// The number of people in the family.
    pub members: usize,
    pub households: usize,
    /// Postcode districts of the family's households.
    pub areas: Vec<String>,
    pub intergenerational_offending: bool,
    /// Agencies with a keyworker working with the family now.
    pub keyworkers_now: Vec<String>,
    /// The named cohorts with a member in the family: MAPPA, MARAC or IOM
    /// management among them, so a plan does not duplicate one.
    pub cohorts: Vec<String>,
    pub reasons: Vec<ReasonView>,
    /// The partnership meeting's decision now, if any (`serve --decisions`).
    pub decision: Option<Decision>,
    /// Against the ruleset asked for with `?ruleset=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilityView>,
}

crate::fields::selectable!(FamilySummary {
    family_id,
    rank,
    score,
    needs,
    needs_now,
    agencies,
    members,
    households,
    areas,
    intergenerational_offending,
    keyworkers_now,
    cohorts,
    reasons,
    decision,
    eligibility,
});

/// The shortlist as CSV, for a meeting's papers: one row per family, lists
/// joined with `; `. A cell a spreadsheet would run as a formula (starting
/// `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`.
pub fn shortlist_csv(families: &[FamilySummary]) -> String {
    let mut out = String::from(
        "rank,family_id,score,needs,needs_now,agencies,keyworkers_now,members,households,areas,cohorts,reasons,decision\n",
    );
    for f in families {
        let reasons: Vec<String> = f.reasons.iter().map(|r| format!("{} +{}", r.label, r.points)).collect();
        crate::csv_out::push_row(
            &mut out,
            &[
                f.rank.map(|r| r.to_string()).unwrap_or_default(),
                f.family_id.clone(),
                f.score.to_string(),
                f.needs.join("; "),
                f.needs_now.join("; "),
                f.agencies.join("; "),
                f.keyworkers_now.join("; "),
                f.members.to_string(),
                f.households.to_string(),
                f.areas.join("; "),
                f.cohorts.join("; "),
                reasons.join("; "),
                f.decision.map(Decision::code).unwrap_or_default().to_owned(),
            ],
        );
    }
    out
}

/// A family against one programme ruleset, with the evidence for every
/// criterion: which of the family's current needs meet it.
#[derive(Serialize)]
pub struct EligibilityView {
    pub ruleset: String,
    pub title: String,
    pub eligible: bool,
    pub criteria_met: usize,
    pub has_dependent_children: bool,
    pub criteria: Vec<CriterionView>,
    pub local_filters: Vec<CriterionView>,
}

#[derive(Serialize)]
pub struct CriterionView {
    pub id: String,
    pub label: String,
    pub met: bool,
    /// The needs that meet it; their evidence (involvements and agencies)
    /// is in the family's `needs`.
    pub needs: Vec<&'static str>,
    /// What it counts: "open now", or a period ("the last year").
    pub counts: String,
}

pub fn eligibility(snapshot: &Snapshot, ruleset: &famgraph_analysis::Ruleset, family: FamilyIdx) -> EligibilityView {
    let result = ruleset.assess(
        &snapshot.analysis.families[family],
        &snapshot.graph,
        snapshot.analysis.as_of,
        snapshot.analysis.window_days,
    );
    let view = |c: &famgraph_analysis::CriterionResult| CriterionView {
        id: c.id.clone(),
        label: c.label.clone(),
        met: c.met,
        needs: c.needs.iter().map(|n| n.code()).collect(),
        counts: c.counts.clone(),
    };
    EligibilityView {
        ruleset: result.ruleset.clone(),
        title: ruleset.title.clone(),
        eligible: result.eligible,
        criteria_met: result.criteria_met,
        has_dependent_children: result.has_dependent_children,
        criteria: result.criteria.iter().map(view).collect(),
        local_filters: result.local_filters.iter().map(view).collect(),
    }
}

fn push_once<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn reasons(analysis: &FamilyAnalysis) -> Vec<ReasonView> {
    analysis
        .reasons
        .iter()
        .map(|r| ReasonView {
            code: r.code,
            label: r.label,
            counts: r.counts,
            points: r.points,
            detail: r.detail.clone(),
        })
        .collect()
}

pub fn family_summary(snapshot: &Snapshot, family: FamilyIdx) -> FamilySummary {
    let f = &snapshot.graph.families[family];
    let analysis = &snapshot.analysis.families[family];
    let areas: BTreeSet<String> = f
        .households
        .iter()
        .filter_map(|&h| snapshot.graph.households[h].postcode.as_ref().map(|p| p.district().to_owned()))
        .collect();
    FamilySummary {
        family_id: f.id.clone(),
        rank: analysis.rank,
        score: analysis.score,
        needs: analysis.needs.keys().map(|n| n.code()).collect(),
        needs_now: analysis.needs_now.keys().map(|n| n.code()).collect(),
        agencies: analysis.agencies.iter().cloned().collect(),
        members: f.members.len(),
        households: f.households.len(),
        areas: areas.into_iter().collect(),
        intergenerational_offending: !analysis.chains.is_empty(),
        keyworkers_now: analysis.keyworkers_now.iter().cloned().collect(),
        cohorts: snapshot.cohorts.of_family(family).map(|c| c.name.clone()).collect(),
        reasons: reasons(analysis),
        decision: None,
        eligibility: None,
    }
}

#[derive(Serialize)]
pub struct RecordRef {
    pub agency: String,
    pub record_id: String,
}

/// Records (indices into `Bundle::people`) as the API names them.
pub fn record_refs(graph: &famgraph_graph::FamilyGraph, records: &[usize]) -> Vec<RecordRef> {
    records
        .iter()
        .map(|&r| {
            let record = &graph.bundle.people[r];
            RecordRef { agency: record.agency.clone(), record_id: record.record_id.clone() }
        })
        .collect()
}

/// The family ids an answer names, each once, for its audit entry.
pub fn named_families(answer: &[serde_json::Value]) -> Vec<String> {
    let mut families: Vec<String> = answer.iter().filter_map(|i| i["family_id"].as_str().map(str::to_owned)).collect();
    families.sort();
    families.dedup();
    families
}

#[derive(Serialize)]
pub struct MemberView {
    pub person_id: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<String>,
    pub age: Option<i32>,
    pub sex: &'static str,
    pub household_id: Option<String>,
    /// 1 for the eldest generation recorded in the family, 2 for their
    /// children, and so on.
    pub generation: Option<u32>,
    /// What the member is to the family: `grandparent`, `parent`,
    /// `step_parent`, `parents_partner` (the partner of a child's parent
    /// at the child's home, not recorded as either: a step-parent or the
    /// unrecorded other parent), `kinship_carer`, `carer`, `child`, `adult_child`,
    /// `adult_child_own_household`; empty when the records say nothing.
    pub roles: Vec<&'static str>,
    pub offending: bool,
    pub link_confidence: f64,
    pub records: Vec<RecordRef>,
    /// Why these records are one person: each link that joined two of
    /// them, with every field's comparison when asked for
    /// (`?explain=links`).
    pub links: Vec<LinkView>,
}

/// One link between two records of a person, explained.
#[derive(Serialize)]
pub struct LinkView {
    pub records: [RecordRef; 2],
    /// Bits of evidence: the sum of the fields' weights.
    pub match_weight: f64,
    pub match_probability: f64,
    /// `must_link` when a partnership's override made the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_decision: Option<&'static str>,
    /// Every field's comparison, when asked for (`Explain::Fields`): most
    /// of a family's answer, and shown only when a link is opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<FieldView>>,
}

/// How much of each link a view carries: the two records, the evidence's
/// sum and the probability (`Summary`), or also every field's comparison
/// with the two records' values (`Fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Explain {
    Summary,
    Fields,
}

#[derive(Serialize)]
pub struct FieldView {
    pub field: &'static str,
    /// e.g. `exact`, `nickname`, `day_month_swapped`, `disagree`, `null`.
    pub level: &'static str,
    /// Bits for (positive) or against (negative) one person.
    pub weight: f64,
    /// The part of `weight` due to how common the value is.
    pub term_frequency_adjustment: f64,
    /// What each of the two records holds for the field, side by side
    /// (`null` where it holds nothing; an NHS number shows whether it is
    /// held, not the number).
    pub values: [Option<String>; 2],
}

/// What a record holds for one compared field.
fn field_value(record: &famgraph_model::PersonRecord, field: &str) -> Option<String> {
    match field {
        "given_name" => Some(record.given_name.clone()),
        "family_name" => Some(record.family_name.clone()),
        "date_of_birth" => record.date_of_birth.map(|d| d.to_string()),
        "sex" => Some(record.sex.code().to_owned()),
        "address" => record.address.clone(),
        "postcode" => record.postcode.as_ref().map(|p| p.as_str().to_owned()),
        "uprn" => record.uprn.map(|u| u.to_string()),
        "nhs_number" => record.nhs_number.map(|_| "held".to_owned()),
        "agency" => Some(record.agency.clone()),
        _ => None,
    }
}

/// Rounds to three places: enough to read, and stable in JSON.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The links that joined a person's records, explained as far as `explain`.
pub fn person_links(
    graph: &famgraph_graph::FamilyGraph,
    person: &famgraph_graph::Person,
    explain: Explain,
) -> Vec<LinkView> {
    let record = |idx: u32| {
        let r = &graph.bundle.people[idx as usize];
        RecordRef { agency: r.agency.clone(), record_id: r.record_id.clone() }
    };
    person
        .links
        .iter()
        .map(|&l| {
            let link = &graph.linkage.links[l];
            let (a, b) = (&graph.bundle.people[link.a as usize], &graph.bundle.people[link.b as usize]);
            LinkView {
                records: [record(link.a), record(link.b)],
                match_weight: round3(link.weight),
                match_probability: link.probability,
                override_decision: link.decision.map(famgraph_model::LinkDecision::code),
                fields: (explain == Explain::Fields).then(|| {
                    link.fields
                        .iter()
                        .map(|f| FieldView {
                            field: f.field,
                            level: f.level,
                            weight: round3(f.weight),
                            term_frequency_adjustment: round3(f.term_frequency_adjustment),
                            values: [field_value(a, f.field), field_value(b, f.field)],
                        })
                        .collect()
                }),
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct RelationshipView {
    pub from: String,
    pub kind: &'static str,
    pub to: String,
    /// The agencies that recorded it; empty where famgraph inferred it.
    pub recorded_by: Vec<String>,
    /// Why famgraph inferred it from who lives with whom, where no agency
    /// recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inferred: Option<String>,
}

#[derive(Serialize)]
pub struct HouseholdView {
    pub household_id: String,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub uprn: Option<u64>,
    /// Members of this family whose current household it is.
    pub members: Vec<String>,
    pub shared_accommodation: bool,
    /// Whether any member lives here now; a household only former members
    /// lived at is listed for the history.
    pub current: bool,
    /// Who of this family lived here and when, as the records show:
    /// co-residence windows.
    pub residents: Vec<ResidentView>,
}

/// When one person was known at an address: from the first to the last
/// involvement of the records that give it.
#[derive(Serialize)]
pub struct ResidentView {
    pub person_id: String,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub records: usize,
    pub current: bool,
    /// Their records give this postcode and no address: placed here as the
    /// one home in the postcode where someone of their family name lives.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub by_postcode_and_name: bool,
}

#[derive(Serialize)]
pub struct InvolvementView {
    pub agency: String,
    pub involvement_id: String,
    pub person_id: String,
    pub service: String,
    pub service_name: String,
    pub need: &'static str,
    pub start_date: String,
    pub end_date: Option<String>,
    pub role: &'static str,
    pub offending: bool,
    pub keyworker: bool,
}

#[derive(Serialize)]
pub struct ChainLink {
    pub person_id: String,
    pub generation: usize,
    pub first_offence: String,
    pub age_at_first_offence: Option<i32>,
    /// Whether the link from the previous person in the chain was inferred
    /// from co-residence rather than recorded by an agency.
    pub link_inferred: bool,
}

#[derive(Serialize)]
pub struct ChainView {
    pub generations: usize,
    pub followed_parent: bool,
    pub people: Vec<ChainLink>,
}

#[derive(Serialize)]
pub struct OverlapView {
    pub household_id: String,
    pub agencies: [String; 2],
    pub first_overlap: String,
    pub overlap_days: i64,
    pub same_needs: Vec<&'static str>,
    /// Pairs of involvement ids that ran at the same time.
    pub involvements: Vec<[String; 2]>,
    /// Both agencies still involved on the extract date.
    pub ongoing: bool,
}

#[derive(Serialize)]
pub struct NeedView {
    pub need: &'static str,
    pub label: &'static str,
    pub agencies: Vec<String>,
    pub involvements: Vec<String>,
}

#[derive(Serialize)]
pub struct FamilyDetail {
    pub family_id: String,
    pub rank: Option<usize>,
    pub score: f64,
    pub reasons: Vec<ReasonView>,
    pub as_of: String,
    /// The window the needs, agencies and overlaps look back over.
    pub window: famgraph_analysis::Window,
    /// Needs seen in the window, each with its evidence there.
    pub needs: Vec<NeedView>,
    /// Needs open on the extract date, each with its open involvements.
    pub needs_now: Vec<NeedView>,
    pub agencies: Vec<String>,
    pub members: Vec<MemberView>,
    pub relationships: Vec<RelationshipView>,
    pub households: Vec<HouseholdView>,
    pub involvements: Vec<InvolvementView>,
    pub intergenerational_offending: Vec<ChainView>,
    pub overlapping_involvements: Vec<OverlapView>,
    pub max_concurrent_keyworkers: usize,
    /// Agencies with a keyworker working with the family now.
    pub keyworkers_now: Vec<String>,
    /// Every agency working with the family now (an involvement open on
    /// `as_of`), keyworkers first: who leads, who could step back.
    pub working_now: Vec<WorkingNowView>,
    /// Of the agencies with a keyworker now, the one the partnership's rule
    /// (`[meeting] lead_order`) suggests leads; the others step back.
    pub suggested_lead: Option<String>,
    pub steps_back: Vec<String>,
    /// The most agencies involved with the family at one time, recently.
    pub max_concurrent_agencies: usize,
    pub annual_cost_gbp: f64,
    /// Against every programme ruleset.
    pub eligibility: Vec<EligibilityView>,
    /// Members in a named cohort, each with the query's evidence.
    pub cohorts: Vec<CohortMemberView>,
    /// The partnership meeting's decision now, if any (`serve --decisions`).
    pub decision: Option<DecisionView>,
    /// Every decision about the family, oldest first.
    pub decisions: Vec<DecisionView>,
}

crate::fields::selectable!(FamilyDetail {
    family_id,
    rank,
    score,
    reasons,
    as_of,
    window,
    needs,
    needs_now,
    agencies,
    members,
    relationships,
    households,
    involvements,
    intergenerational_offending,
    overlapping_involvements,
    max_concurrent_keyworkers,
    keyworkers_now,
    working_now,
    suggested_lead,
    steps_back,
    max_concurrent_agencies,
    annual_cost_gbp,
    eligibility,
    cohorts,
    decision,
    decisions,
});

impl FamilyDetail {
    /// The family's decisions, as matched to the load.
    pub fn with_decisions(mut self, decided: &Decided, family: FamilyIdx) -> FamilyDetail {
        self.decisions = decided.history(family).map(DecisionView::from).collect();
        self.decision = self.decisions.last().cloned();
        self
    }
}

/// One agency working with the family now.
#[derive(Serialize)]
pub struct WorkingNowView {
    pub agency: String,
    /// Whether one of its open involvements is a keyworker's.
    pub keyworker: bool,
    /// The earliest start of its open involvements.
    pub since: String,
    /// Names of the services, each once.
    pub services: Vec<String>,
    pub needs: Vec<&'static str>,
    /// The members it works with.
    pub person_ids: Vec<String>,
    /// Its open involvements, `agency:involvement_id`.
    pub involvements: Vec<String>,
}

#[derive(Serialize)]
pub struct CohortMemberView {
    pub cohort: String,
    pub title: String,
    pub person_id: String,
    pub evidence: String,
}

/// One family as the API shows it, its links explained as far as `explain`.
pub fn family_detail(snapshot: &Snapshot, family: FamilyIdx, explain: Explain) -> FamilyDetail {
    let graph = &snapshot.graph;
    let bundle = &graph.bundle;
    let f = &graph.families[family];
    let analysis = &snapshot.analysis.families[family];
    let as_of = snapshot.analysis.as_of;
    let involvement_label = |i: usize| {
        let inv = &bundle.involvements[i];
        format!("{}:{}", inv.agency, inv.involvement_id)
    };
    let offending_people: BTreeSet<usize> = f
        .members
        .iter()
        .copied()
        .filter(|&p| {
            graph.involvements_of[p].iter().any(|&i| {
                famgraph_analysis::is_offending(
                    &bundle.involvements[i],
                    &bundle.services[graph.service_of_involvement[i]],
                )
            })
        })
        .collect();
    let roles = famgraph_graph::member_roles(graph, family);
    let members = f
        .members
        .iter()
        .zip(&roles)
        .map(|(&p, roles)| {
            let person = &graph.people[p];
            MemberView {
                person_id: person.id.clone(),
                given_name: person.given_name.clone(),
                family_name: person.family_name.clone(),
                date_of_birth: person.date_of_birth.map(|d| d.to_string()),
                age: person.date_of_birth.map(|d| d.age_on(as_of)),
                sex: person.sex.code(),
                household_id: person.household.map(|h| graph.households[h].id.clone()),
                generation: f.generation_of(p),
                roles: roles.iter().map(|r| r.code()).collect(),
                offending: offending_people.contains(&p),
                link_confidence: person.link_confidence,
                records: person
                    .records
                    .iter()
                    .map(|&r| RecordRef {
                        agency: bundle.people[r].agency.clone(),
                        record_id: bundle.people[r].record_id.clone(),
                    })
                    .collect(),
                links: person_links(graph, person, explain),
            }
        })
        .collect();
    let relationships = graph
        .relationships_of(family)
        .map(|r| RelationshipView {
            from: graph.people[r.from].id.clone(),
            kind: r.kind.code(),
            to: graph.people[r.to].id.clone(),
            recorded_by: r.recorded_by.iter().cloned().collect(),
            inferred: r.inferred.as_ref().map(|basis| inferred_text(graph, basis)),
        })
        .collect();
    let households = f
        .members
        .iter()
        .flat_map(|&p| graph.people[p].records.iter().filter_map(|&r| graph.household_of_record(r)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|h| {
            let household = &graph.households[h];
            let residents: Vec<ResidentView> = household
                .members
                .iter()
                .zip(&household.residence)
                .filter(|(p, _)| graph.people[**p].family == family)
                .map(|(&p, r)| ResidentView {
                    person_id: graph.people[p].id.clone(),
                    first_seen: r.first_seen.map(|d| d.to_string()),
                    last_seen: r.last_seen.map(|d| d.to_string()),
                    records: r.records,
                    current: graph.people[p].household == Some(h),
                    by_postcode_and_name: r.by_postcode_and_name,
                })
                .collect();
            HouseholdView {
                current: residents.iter().any(|r| r.current),
                residents,
                household_id: household.id.clone(),
                address: household.address.clone(),
                postcode: household.postcode.as_ref().map(|p| p.as_str().to_owned()),
                uprn: household.uprn,
                members: f
                    .members
                    .iter()
                    .filter(|&&p| graph.people[p].household == Some(h))
                    .map(|&p| graph.people[p].id.clone())
                    .collect(),
                shared_accommodation: household.shared_accommodation,
            }
        })
        .collect();
    let mut involvement_indices: Vec<(usize, usize)> =
        f.members.iter().flat_map(|&p| graph.involvements_of[p].iter().map(move |&i| (p, i))).collect();
    involvement_indices.sort_by_key(|&(_, i)| (bundle.involvements[i].start_date, i));
    let involvements = involvement_indices
        .iter()
        .map(|&(p, i)| {
            let inv = &bundle.involvements[i];
            let service = &bundle.services[graph.service_of_involvement[i]];
            InvolvementView {
                agency: inv.agency.clone(),
                involvement_id: inv.involvement_id.clone(),
                person_id: graph.people[p].id.clone(),
                service: inv.service.clone(),
                service_name: service.name.clone(),
                need: service.need.code(),
                start_date: inv.start_date.to_string(),
                end_date: inv.end_date.map(|d| d.to_string()),
                role: inv.role.code(),
                offending: famgraph_analysis::is_offending(inv, service),
                keyworker: service.keyworker,
            }
        })
        .collect();
    let mut working: BTreeMap<&str, WorkingNowView> = BTreeMap::new();
    for &(p, i) in &involvement_indices {
        let inv = &bundle.involvements[i];
        if !famgraph_analysis::open_on(inv, as_of) {
            continue;
        }
        let service = &bundle.services[graph.service_of_involvement[i]];
        let entry = working.entry(&inv.agency).or_insert_with(|| WorkingNowView {
            agency: inv.agency.clone(),
            keyworker: false,
            // Involvements come in order of start: the first is the earliest.
            since: inv.start_date.to_string(),
            services: Vec::new(),
            needs: Vec::new(),
            person_ids: Vec::new(),
            involvements: Vec::new(),
        });
        entry.keyworker |= service.keyworker;
        push_once(&mut entry.services, service.name.clone());
        push_once(&mut entry.needs, service.need.code());
        push_once(&mut entry.person_ids, graph.people[p].id.clone());
        entry.involvements.push(involvement_label(i));
    }
    let mut working_now: Vec<WorkingNowView> = working.into_values().collect();
    working_now.sort_by_key(|w| !w.keyworker);
    let chains = analysis
        .chains
        .iter()
        .map(|c| ChainView {
            generations: c.people.len(),
            followed_parent: c.followed_parent,
            people: c
                .people
                .iter()
                .enumerate()
                .map(|(n, &p)| ChainLink {
                    person_id: graph.people[p].id.clone(),
                    generation: n + 1,
                    first_offence: c.first_offence[n].to_string(),
                    age_at_first_offence: c.age_at_first_offence[n],
                    link_inferred: n > 0 && c.inferred[n - 1],
                })
                .collect(),
        })
        .collect();
    let overlaps = analysis
        .overlaps
        .iter()
        .map(|o| OverlapView {
            household_id: graph.households[o.household].id.clone(),
            agencies: [o.agencies.0.clone(), o.agencies.1.clone()],
            first_overlap: o.first_overlap.to_string(),
            overlap_days: o.overlap_days,
            same_needs: o.same_needs.iter().map(|n| n.code()).collect(),
            involvements: o.involvements.iter().map(|&(a, b)| [involvement_label(a), involvement_label(b)]).collect(),
            ongoing: o.ongoing,
        })
        .collect();
    let need_views = |needs: &BTreeMap<famgraph_model::Need, famgraph_analysis::NeedEvidence>| -> Vec<NeedView> {
        needs
            .iter()
            .map(|(need, evidence)| NeedView {
                need: need.code(),
                label: need.label(),
                agencies: evidence.agencies.iter().cloned().collect(),
                involvements: evidence.involvements.iter().map(|&i| involvement_label(i)).collect(),
            })
            .collect()
    };
    FamilyDetail {
        family_id: f.id.clone(),
        rank: analysis.rank,
        score: analysis.score,
        reasons: reasons(analysis),
        as_of: as_of.to_string(),
        window: snapshot.analysis.window(),
        needs: need_views(&analysis.needs),
        needs_now: need_views(&analysis.needs_now),
        agencies: analysis.agencies.iter().cloned().collect(),
        members,
        relationships,
        households,
        involvements,
        intergenerational_offending: chains,
        overlapping_involvements: overlaps,
        max_concurrent_keyworkers: analysis.max_concurrent_keyworkers,
        keyworkers_now: analysis.keyworkers_now.iter().cloned().collect(),
        working_now,
        suggested_lead: analysis.suggested_lead.clone(),
        steps_back: analysis.steps_back.clone(),
        max_concurrent_agencies: analysis.max_concurrent_agencies,
        annual_cost_gbp: (analysis.annual_cost_gbp * 100.0).round() / 100.0,
        eligibility: snapshot.rulesets.iter().map(|r| eligibility(snapshot, r, family)).collect(),
        cohorts: snapshot
            .cohorts
            .of_family(family)
            .flat_map(|c| {
                c.members.iter().filter(|m| graph.people[m.person].family == family).map(|m| CohortMemberView {
                    cohort: c.name.clone(),
                    title: c.title.clone(),
                    person_id: graph.people[m.person].id.clone(),
                    evidence: m.evidence.clone(),
                })
            })
            .collect(),
        decision: None,
        decisions: Vec::new(),
    }
}

/// The partnership view: per agency pair, the households where both were
/// involved at once and where both addressed the same need. Household ids
/// only for roles allowed to see them; counts under the threshold hidden
/// for everyone else.
pub fn overlaps(
    snapshot: &Snapshot,
    with_households: bool,
    disclosure: famgraph_governance::Disclosure,
) -> serde_json::Value {
    let graph = &snapshot.graph;
    let pairs = &snapshot.analysis.agency_pairs;
    let pairs_json: Vec<serde_json::Value> = if with_households {
        // The families behind each cell: those with an overlap of the pair
        // (on the same need, or going on now, for those cells).
        let mut families_of: BTreeMap<(&str, &str, Cell), BTreeSet<&str>> = BTreeMap::new();
        for (f, analysis) in snapshot.analysis.families.iter().enumerate() {
            for o in &analysis.overlaps {
                let id = graph.families[f].id.as_str();
                let (a, b) = (o.agencies.0.as_str(), o.agencies.1.as_str());
                families_of.entry((a, b, Cell::Concurrent)).or_default().insert(id);
                if !o.same_needs.is_empty() {
                    families_of.entry((a, b, Cell::SameNeed)).or_default().insert(id);
                }
                if o.ongoing {
                    families_of.entry((a, b, Cell::Now)).or_default().insert(id);
                }
            }
        }
        let cell = |pair: &(String, String), which: Cell, households: &BTreeSet<usize>| {
            let ids: Vec<&str> = households.iter().map(|&h| graph.households[h].id.as_str()).collect();
            let families = families_of.get(&(pair.0.as_str(), pair.1.as_str(), which));
            serde_json::json!({"households": households.len(), "household_ids": ids, "family_ids": families})
        };
        pairs
            .iter()
            .map(|p| {
                serde_json::json!({
                    "agencies": [p.agencies.0, p.agencies.1],
                    "concurrent": cell(&p.agencies, Cell::Concurrent, &p.concurrent),
                    "same_need": cell(&p.agencies, Cell::SameNeed, &p.same_need),
                    "now": cell(&p.agencies, Cell::Now, &p.now),
                })
            })
            .collect()
    } else {
        // Counts only. Each cell's same-need and now counts are parts of its
        // households at once, and so are the rest of those (unpublished):
        // secondary suppression keeps a hidden one from being worked out by
        // subtraction.
        let mut cells = famgraph_governance::suppression::Cells::default();
        let ids: Vec<[usize; 3]> = pairs
            .iter()
            .map(|p| {
                let total = cells.push(p.concurrent.len() as u64);
                let same = cells.push(p.same_need.len() as u64);
                let other = cells.push((p.concurrent.len() - p.same_need.len()) as u64);
                let now = cells.push(p.now.len() as u64);
                let before = cells.push((p.concurrent.len() - p.now.len()) as u64);
                cells.sums_to(vec![same, other], total);
                cells.sums_to(vec![now, before], total);
                [total, same, now]
            })
            .collect();
        let shown = cells.suppressed(disclosure);
        pairs
            .iter()
            .zip(ids)
            .map(|(p, [total, same, now])| {
                serde_json::json!({
                    "agencies": [p.agencies.0, p.agencies.1],
                    "concurrent": {"households": shown[total]},
                    "same_need": {"households": shown[same]},
                    "now": {"households": shown[now]},
                })
            })
            .collect()
    };
    serde_json::json!({
        "as_of": snapshot.analysis.as_of.to_string(),
        // `concurrent` and `same_need` count the window; `now`, the extract date.
        "window": snapshot.analysis.window(),
        "agencies": graph.bundle.agencies.iter().map(|a| &a.code).collect::<Vec<_>>(),
        "pairs": pairs_json,
    })
}

/// The cells of the partnership view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cell {
    Concurrent,
    SameNeed,
    Now,
}

/// The load report in the interface's JSON shape, with each agency's
/// records as linkage sees them.
pub fn report_json(snapshot: &Snapshot) -> serde_json::Value {
    let mut answer = report_summary(snapshot);
    let (rejects, warnings) = report_lines(snapshot, 0, usize::MAX);
    answer["rejects"] = rejects;
    answer["warnings"] = warnings;
    answer
}

/// The load report but its lines: per file the counts, the rejects and
/// warnings counted by file, column and reason (most rows first), and
/// each agency's records.
pub fn report_summary(snapshot: &Snapshot) -> serde_json::Value {
    let report = &snapshot.report;
    let by_reason = |issues: &[famgraph_model::Issue]| {
        let mut counts: BTreeMap<(&str, Option<&str>, &str), usize> = BTreeMap::new();
        for i in issues {
            *counts.entry((i.file.as_str(), i.column.as_deref(), i.reason.as_str())).or_default() += 1;
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        counts
            .into_iter()
            .map(|((file, column, reason), rows)| {
                serde_json::json!({"file": file, "column": column, "reason": reason, "rows": rows})
            })
            .collect::<Vec<_>>()
    };
    serde_json::json!({
        "files": report.files.iter().map(|f| serde_json::json!({
            "file": f.file, "read": f.read, "accepted": f.accepted, "rejected": f.rejected, "warnings": f.warnings,
        })).collect::<Vec<_>>(),
        "rejects_total": report.rejects.len(),
        "warnings_total": report.warnings.len(),
        "reject_reasons": by_reason(&report.rejects),
        "warning_reasons": by_reason(&report.warnings),
        "agencies": agency_records(&snapshot.graph),
    })
}

/// The rejected and the repaired lines from `offset`, at most `limit` of
/// each, in the order the load met them.
pub fn report_lines(snapshot: &Snapshot, offset: usize, limit: usize) -> (serde_json::Value, serde_json::Value) {
    let issue = |i: &famgraph_model::Issue| serde_json::json!({"file": i.file, "line": i.line, "column": i.column, "reason": i.reason});
    let page =
        |issues: &[famgraph_model::Issue]| issues.iter().skip(offset).take(limit).map(issue).collect::<Vec<_>>().into();
    (page(&snapshot.report.rejects), page(&snapshot.report.warnings))
}

/// One agency's accepted person records as linkage sees them: how many
/// carry each identifying field, how many were linked to another agency's
/// record, and how many people it holds more than one record of. What a
/// partnership asks of an extract that links badly, and what it can send
/// back to the agency to tidy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgencyRecords {
    pub agency: String,
    pub name: String,
    pub records: usize,
    /// Its records linked to another agency's record of the same person.
    pub known_elsewhere: usize,
    pub with_date_of_birth: usize,
    pub with_address: usize,
    pub with_postcode: usize,
    pub with_uprn: usize,
    pub with_nhs_number: usize,
    /// People it holds two or more records of (registered twice, a new
    /// record after a gap).
    pub people_held_twice: usize,
    /// The records beyond each such person's first: what merging its
    /// duplicates would remove.
    pub duplicate_records: usize,
    /// Its records whose date of birth is a placeholder (a date far more
    /// people share than any birthday, such as 1900-01-01), read as missing.
    pub placeholder_date_of_birth: usize,
}

/// Each agency's records, in the bundle's agency order.
pub fn agency_records(graph: &FamilyGraph) -> Vec<AgencyRecords> {
    let bundle = &graph.bundle;
    let mut by_agency: BTreeMap<&str, AgencyRecords> = bundle
        .agencies
        .iter()
        .map(|a| {
            let empty = AgencyRecords {
                agency: a.code.clone(),
                name: a.name.clone(),
                records: 0,
                known_elsewhere: 0,
                with_date_of_birth: 0,
                with_address: 0,
                with_postcode: 0,
                with_uprn: 0,
                with_nhs_number: 0,
                people_held_twice: 0,
                duplicate_records: 0,
                placeholder_date_of_birth: 0,
            };
            (a.code.as_str(), empty)
        })
        .collect();
    let placeholders: std::collections::BTreeSet<famgraph_model::Date> =
        graph.linkage.model.placeholder_dates.iter().map(|(date, _)| *date).collect();
    for r in &bundle.people {
        let Some(a) = by_agency.get_mut(r.agency.as_str()) else { continue };
        a.records += 1;
        a.placeholder_date_of_birth += usize::from(r.date_of_birth.is_some_and(|d| placeholders.contains(&d)));
        a.with_date_of_birth += usize::from(r.date_of_birth.is_some());
        a.with_address += usize::from(r.address.is_some());
        a.with_postcode += usize::from(r.postcode.is_some());
        a.with_uprn += usize::from(r.uprn.is_some());
        a.with_nhs_number += usize::from(r.nhs_number.is_some());
    }
    for person in graph.people.iter().filter(|p| p.records.len() > 1) {
        let mut held: BTreeMap<&str, usize> = BTreeMap::new();
        for &r in &person.records {
            *held.entry(bundle.people[r].agency.as_str()).or_default() += 1;
        }
        for (agency, n) in &held {
            let Some(a) = by_agency.get_mut(agency) else { continue };
            if held.len() > 1 {
                a.known_elsewhere += n;
            }
            if *n > 1 {
                a.people_held_twice += 1;
                a.duplicate_records += n - 1;
            }
        }
    }
    bundle.agencies.iter().filter_map(|agency| by_agency.remove(agency.code.as_str())).collect()
}

/// Everything held about one person, for a subject access request: every
/// agency's record of them in full, their involvements, the relationships
/// agencies recorded, their households and family, and why their records
/// were linked.
pub fn subject_access(snapshot: &Snapshot, person: famgraph_graph::PersonIdx) -> serde_json::Value {
    let graph = &snapshot.graph;
    let bundle = &graph.bundle;
    let p = &graph.people[person];
    let records: Vec<serde_json::Value> = p
        .records
        .iter()
        .map(|&r| {
            let r = &bundle.people[r];
            serde_json::json!({
                "agency": r.agency,
                "record_id": r.record_id,
                "given_name": r.given_name,
                "family_name": r.family_name,
                "date_of_birth": r.date_of_birth.map(|d| d.to_string()),
                "sex": r.sex.code(),
                "address": r.address,
                "postcode": r.postcode.as_ref().map(|p| p.as_str().to_owned()),
                "uprn": r.uprn,
                "nhs_number": r.nhs_number.map(|n| n.to_string()),
            })
        })
        .collect();
    // Every row held, the repeats folded into an episode too.
    let involvements: Vec<serde_json::Value> = graph.involvements_of[person]
        .iter()
        .chain(&graph.repeated_rows_of[person])
        .map(|&i| {
            let inv = &bundle.involvements[i];
            let service = &bundle.services[graph.service_of_involvement[i]];
            serde_json::json!({
                "agency": inv.agency,
                "involvement_id": inv.involvement_id,
                "record_id": inv.record_id,
                "service": inv.service,
                "service_name": service.name,
                "need": service.need.code(),
                "start_date": inv.start_date.to_string(),
                "end_date": inv.end_date.map(|d| d.to_string()),
                "role": inv.role.code(),
            })
        })
        .collect();
    let own: std::collections::HashSet<(&str, &str)> =
        p.records.iter().map(|&r| (bundle.people[r].agency.as_str(), bundle.people[r].record_id.as_str())).collect();
    let relationships: Vec<serde_json::Value> = bundle
        .relationships
        .iter()
        .filter(|r| {
            own.contains(&(r.agency.as_str(), r.from_record.as_str()))
                || own.contains(&(r.agency.as_str(), r.to_record.as_str()))
        })
        .map(|r| {
            serde_json::json!({
                "agency": r.agency,
                "from_record": r.from_record,
                "kind": r.kind.code(),
                "to_record": r.to_record,
                "start_date": r.start_date.map(|d| d.to_string()),
                "end_date": r.end_date.map(|d| d.to_string()),
            })
        })
        .collect();
    let households: std::collections::BTreeSet<&str> =
        graph.households.iter().filter(|h| h.members.contains(&person)).map(|h| h.id.as_str()).collect();
    serde_json::json!({
        "person_id": p.id,
        "family_id": graph.families[p.family].id,
        "as_of": snapshot.analysis.as_of.to_string(),
        "link_confidence": p.link_confidence,
        "records": records,
        "involvements": involvements,
        "relationships": relationships,
        "households": households,
        "links": person_links(graph, p, Explain::Fields),
    })
}

/// A node of the graph as the API shows it: people and households by id
/// (their details are in the family view), services and agencies by code.
fn node_view(graph: &famgraph_graph::FamilyGraph, node: petgraph::stable_graph::NodeIndex) -> serde_json::Value {
    use famgraph_graph::Node;
    match graph.graph[node] {
        Node::Person(p) => serde_json::json!({
            "id": graph.people[p].id,
            "kind": "person",
            "family_id": graph.families[graph.people[p].family].id,
        }),
        Node::Household(h) => {
            let household = &graph.households[h];
            serde_json::json!({
                "id": household.id,
                "kind": "household",
                "area": household.postcode.as_ref().map(|p| p.district().to_owned()),
                "shared_accommodation": household.shared_accommodation,
            })
        }
        Node::Agency(a) => {
            serde_json::json!({"id": format!("agency:{}", graph.bundle.agencies[a].code), "kind": "agency"})
        }
        Node::Service(s) => {
            let service = &graph.bundle.services[s];
            serde_json::json!({
                "id": format!("service:{}:{}", service.agency, service.code),
                "kind": "service",
                "name": service.name,
                "need": service.need.code(),
            })
        }
    }
}

fn node_id(graph: &famgraph_graph::FamilyGraph, node: petgraph::stable_graph::NodeIndex) -> String {
    node_view(graph, node)["id"].as_str().unwrap_or_default().to_owned()
}

fn edge_view(graph: &famgraph_graph::FamilyGraph, edge: petgraph::stable_graph::EdgeIndex) -> serde_json::Value {
    use famgraph_graph::Edge;
    let Some((from, to)) = graph.graph.edge_endpoints(edge) else { return serde_json::Value::Null };
    let (kind, detail) = match graph.graph[edge] {
        Edge::Relationship(r) => ("relationship", serde_json::json!({"kind": graph.relationships[r].kind.code()})),
        Edge::LivesAt { current } => ("lives_at", serde_json::json!({"current": current})),
        Edge::Involvement(i) => {
            let inv = &graph.bundle.involvements[i];
            (
                "involvement",
                serde_json::json!({
                    "start_date": inv.start_date.to_string(),
                    "end_date": inv.end_date.map(|d| d.to_string()),
                    "role": inv.role.code(),
                }),
            )
        }
        Edge::ProvidedBy => ("provided_by", serde_json::Value::Null),
    };
    serde_json::json!({"from": node_id(graph, from), "to": node_id(graph, to), "kind": kind, "detail": detail})
}

/// A part of the graph as JSON, and the families of the people in it (for
/// the audit trail).
pub fn subgraph_json(
    graph: &famgraph_graph::FamilyGraph,
    nodes: &[petgraph::stable_graph::NodeIndex],
    edges: &[petgraph::stable_graph::EdgeIndex],
) -> (serde_json::Value, Vec<String>) {
    let families: BTreeSet<String> = nodes
        .iter()
        .filter_map(|&n| match graph.graph[n] {
            famgraph_graph::Node::Person(p) => Some(graph.families[graph.people[p].family].id.clone()),
            _ => None,
        })
        .collect();
    let json = serde_json::json!({
        "nodes": nodes.iter().map(|&n| node_view(graph, n)).collect::<Vec<_>>(),
        "edges": edges.iter().map(|&e| edge_view(graph, e)).collect::<Vec<_>>(),
    });
    (json, families.into_iter().collect())
}

/// An inferred relationship's basis in words, naming only ids.
fn inferred_text(graph: &FamilyGraph, basis: &famgraph_graph::InferredBasis) -> String {
    match basis {
        famgraph_graph::InferredBasis::PartnerOfParent { via, household } => format!(
            "partner of {}, the child's recorded parent, living with the child at {}",
            graph.people[*via].id, graph.households[*household].id
        ),
        famgraph_graph::InferredBasis::OlderAtSameHome { household, years_older, shares_family_name } => format!(
            "no recorded parent; lives with them at {}, {:.0} years younger{}",
            graph.households[*household].id,
            years_older,
            if *shares_family_name { ", same family name" } else { "" }
        ),
        famgraph_graph::InferredBasis::OtherParentAtSameHome { via, household, years_older } => format!(
            "lives with the child and {}, the child's one recorded parent, at {}; {:.0} years older than the child, \
             same family name",
            graph.people[*via].id, graph.households[*household].id, years_older
        ),
        famgraph_graph::InferredBasis::ParentsNameAtSameHome { via, household } => format!(
            "lives with the child and {}, the child's one recorded parent, at {}; of the parent's generation, with the \
             parent's family name and not the child's: the parent's partner",
            graph.people[*via].id, graph.households[*household].id
        ),
        famgraph_graph::InferredBasis::SchoolContactAtSameHome { school, household, years_older } => format!(
            "known to {}, as the child is, and lives with the child at {}, {years_older:.0} years older: the \
             school's parent or carer contact",
            graph.bundle.agencies[*school].code, graph.households[*household].id
        ),
        famgraph_graph::InferredBasis::PartnerOfParentWithChildsName { via, years_older } => format!(
            "recorded as the partner of {}, the child's one recorded parent; {years_older:.0} years older than the \
             child, of the parent's generation, with the child's family name: the other parent",
            graph.people[*via].id
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortlist_csv_quotes_and_defuses() {
        let family = FamilySummary {
            family_id: "F00001".into(),
            rank: Some(1),
            score: 12.5,
            needs: vec!["crime", "housing"],
            needs_now: vec!["crime"],
            agencies: vec!["police".into()],
            members: 3,
            households: 1,
            areas: vec!["=HYPERLINK(\"x\")".into()],
            intergenerational_offending: false,
            keyworkers_now: vec!["-csc".into()],
            cohorts: vec![],
            reasons: vec![ReasonView {
                code: "needs_now",
                label: "Needs open now",
                counts: famgraph_analysis::Counts::Now,
                points: 3.0,
                detail: String::new(),
            }],
            decision: Some(Decision::TakenOn),
            eligibility: None,
        };
        let csv = shortlist_csv(&[family]);
        let row = csv.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "1,F00001,12.5,crime; housing,crime,police,'-csc,3,1,\"'=HYPERLINK(\"\"x\"\")\",,Needs open now +3,taken_on"
        );
    }
}
