//! The patterns planted in (or arising from) the true data, written to
//! `patterns.csv` so tests can check that the analyses find them and that
//! the hazards (twins, a father and son of one name, hostels, moves, name
//! changes, people an agency holds twice, names entered the wrong way
//! round, mistyped and placeholder dates of birth) do not fool the
//! linkage. A hazard of one record names it as `agency:record_id`.
//!
//! Patterns are computed from the truth, not from the plan, so a pattern
//! that arose by chance in an ordinary family is listed too.

use famgraph_model::{Date, Need};

use crate::catalogue::{Ag, N_AGENCIES, Svc};
use crate::csvtext;
use crate::plans::{Inv, Plans};
use crate::records::{Extract, Slip};
use crate::world::{FamilyKind, World};

/// Involvements that ended longer ago than this are history, not the
/// current picture (famgraph's `RECENT_DAYS`).
pub(crate) const RECENT_DAYS: i32 = 730;
/// Agencies at once, at or above which a family has overlapping interventions.
pub(crate) const OVERLAP_MIN_AGENCIES: usize = 3;
/// Keyworker agencies at once, at or above which keyworkers are duplicated.
pub(crate) const DUPLICATE_MIN_KEYWORKERS: usize = 2;
/// Needs, at or above which a family with no keyworker has nobody leading.
pub(crate) const NO_KEYWORKER_MIN_NEEDS: usize = 3;

pub(crate) struct Found {
    pub family: u32,
    pub kind: &'static str,
    pub detail: String,
}

pub(crate) fn person_id(person: u32) -> String {
    let mut id = String::with_capacity(8);
    id.push('P');
    csvtext::push_number(&mut id, u64::from(person) + 1, 7);
    id
}

pub(crate) fn family_id(family: u32) -> String {
    let mut id = String::with_capacity(7);
    id.push('F');
    csvtext::push_number(&mut id, u64::from(family) + 1, 6);
    id
}

pub(crate) fn find(world: &World, plans: &Plans, extract: &Extract) -> Vec<Found> {
    let mut found = Vec::new();
    let mut name_changes: Vec<Vec<usize>> = vec![Vec::new(); world.families.len()];
    for (i, (person, _, _)) in extract.name_changes.iter().enumerate() {
        name_changes[world.persons[*person as usize].family as usize].push(i);
    }
    let mut stale: Vec<Vec<(u32, Ag)>> = vec![Vec::new(); world.families.len()];
    for &(person, ag) in &extract.stale {
        stale[world.persons[person as usize].family as usize].push((person, ag));
    }
    let visible = |p: u32| extract.visible[p as usize];
    let mut duplicated: Vec<Vec<usize>> = vec![Vec::new(); world.families.len()];
    for (i, d) in extract.duplicated.iter().enumerate() {
        duplicated[world.persons[d.person as usize].family as usize].push(i);
    }
    // Slips that are a linkage hazard: in a record of someone with others.
    let mut n_records = vec![0_u32; world.persons.len()];
    for (_, _, person) in &extract.records {
        n_records[*person as usize] += 1;
    }
    let mut slips: Vec<Vec<usize>> = vec![Vec::new(); world.families.len()];
    for (i, s) in extract.slips.iter().enumerate() {
        let hazard = matches!(
            s.slip,
            Slip::NamesSwapped { .. } | Slip::PlaceholderDob(_) | Slip::DobDigit(_) | Slip::DobTransposed(_)
        );
        if hazard && n_records[s.person as usize] >= 2 {
            slips[world.persons[s.person as usize].family as usize].push(i);
        }
    }

    for (f, family) in world.families.iter().enumerate() {
        let family_idx = f as u32;
        let invs = plans.of_family(f);
        let mut push = |kind: &'static str, detail: String| found.push(Found { family: family_idx, kind, detail });

        // Offending down the generations: a parent's (or carer's), then their child's.
        for tie in family.ties.iter().filter(|t| t.kind.is_parental()) {
            if let (Some(elder), Some(younger)) = (first_offence(invs, tie.from), first_offence(invs, tie.to))
                && younger > elder
            {
                push(
                    "intergenerational_offending",
                    format!(
                        "{} (generation {}) first offending {}, then {} (generation {}) {}",
                        person_id(tie.from),
                        world.persons[tie.from as usize].generation,
                        csvtext::date_text(elder),
                        person_id(tie.to),
                        world.persons[tie.to as usize].generation,
                        csvtext::date_text(younger),
                    ),
                );
            }
        }

        // Three generations: a grandparent's offending, then their child's,
        // then their grandchild's.
        let parental: Vec<_> = family.ties.iter().filter(|t| t.kind.is_parental()).collect();
        'three: for upper in &parental {
            for lower in parental.iter().filter(|t| t.from == upper.to) {
                if let (Some(a), Some(b), Some(c)) =
                    (first_offence(invs, upper.from), first_offence(invs, upper.to), first_offence(invs, lower.to))
                    && a < b
                    && b < c
                {
                    push(
                        "three_generation_offending",
                        format!(
                            "{} {}, then {} {}, then {} {}",
                            person_id(upper.from),
                            csvtext::date_text(a),
                            person_id(upper.to),
                            csvtext::date_text(b),
                            person_id(lower.to),
                            csvtext::date_text(c)
                        ),
                    );
                    break 'three;
                }
            }
        }

        // A step-family: a step-parent caring for a partner's child.
        if let Some(tie) = family.ties.iter().find(|t| {
            t.kind == famgraph_model::RelationshipKind::CarerOf
                && world.persons[t.from as usize].member == crate::world::Member::StepParent
                && visible(t.from)
                && visible(t.to)
        }) {
            push("step_family", format!("{} is step-parent to {}", person_id(tie.from), person_id(tie.to)));
        }

        // Adult children at a home of their own: 18 or over, and no parent
        // of theirs lives with them.
        let mut away: Vec<u32> = Vec::new();
        for tie in family.ties.iter().filter(|t| t.kind == famgraph_model::RelationshipKind::ParentOf) {
            let child = &world.persons[tie.to as usize];
            if !(visible(tie.from) && visible(tie.to))
                || child.dob.age_on(world.extracted_on) < 18
                || away.contains(&tie.to)
            {
                continue;
            }
            let parents_elsewhere = family
                .ties
                .iter()
                .filter(|t| t.kind == famgraph_model::RelationshipKind::ParentOf && t.to == tie.to)
                .all(|t| world.persons[t.from as usize].household != child.household);
            if parents_elsewhere {
                away.push(tie.to);
                push(
                    "adult_child_own_household",
                    format!("{} (child of {}) lives at a home of their own", person_id(tie.to), person_id(tie.from)),
                );
            }
        }

        // Overlaps and keyworkers in the current picture: involvements
        // running in the last two years.
        let recent_from = world.extracted_on.add_days(-RECENT_DAYS);
        let recent: Vec<Inv> = invs.iter().filter(|i| i.end.is_none_or(|end| end >= recent_from)).copied().collect();
        if let Some(peak) = peak(&recent, |inv| Some(inv.agency()))
            && peak.count >= OVERLAP_MIN_AGENCIES
        {
            let active: Vec<&Inv> = recent.iter().filter(|i| i.covers(peak.date)).collect();
            let mut shared = Vec::new();
            for need in Need::ALL {
                let mut agencies: Vec<&str> =
                    active.iter().filter(|i| i.svc.spec().need == *need).map(|i| i.agency().code()).collect();
                agencies.sort_unstable();
                agencies.dedup();
                if agencies.len() >= 2 {
                    shared.push(format!("{need} ({})", agencies.join(", ")));
                }
            }
            let mut detail =
                format!("{} agencies at once on {}: {}", peak.count, csvtext::date_text(peak.date), peak.names());
            if !shared.is_empty() {
                detail.push_str("; the same need from several: ");
                detail.push_str(&shared.join("; "));
            }
            push("overlapping_interventions", detail);
        }

        if let Some(peak) = peak(&recent, |inv| inv.svc.spec().keyworker.then(|| inv.agency()))
            && peak.count >= DUPLICATE_MIN_KEYWORKERS
        {
            push(
                "duplicated_keyworkers",
                format!("{} keyworkers at once on {}: {}", peak.count, csvtext::date_text(peak.date), peak.names()),
            );
        }

        // Several needs and nobody leading: three or more needs in the
        // current picture (a victim of crime has no crime need of their
        // own) and no keyworker on the extract date.
        let needs: std::collections::BTreeSet<Need> = recent
            .iter()
            .filter(|i| !(i.svc.spec().need == Need::Crime && i.role == famgraph_model::Role::Victim))
            .map(|i| i.svc.spec().need)
            .collect();
        if needs.len() >= NO_KEYWORKER_MIN_NEEDS
            && !recent.iter().any(|i| i.svc.spec().keyworker && i.covers(world.extracted_on))
        {
            let codes: Vec<&str> = needs.iter().map(|n| n.code()).collect();
            push(
                "no_keyworker",
                format!(
                    "{} needs ({}) and no keyworker on {}",
                    needs.len(),
                    codes.join(", "),
                    csvtext::date_text(world.extracted_on)
                ),
            );
        }

        if let Some(hostel) = family.hostel {
            let mut postcode = String::new();
            world.places.postcode(hostel, &mut postcode);
            push(
                "hostel",
                format!("lives at a hostel, UPRN {} ({postcode}), with unrelated adults", world.places.uprn(hostel)),
            );
        }

        if let Some((a, b)) = family.twins
            && visible(a)
            && visible(b)
        {
            let dob = world.persons[a as usize].dob;
            push("twins", format!("{} and {} born {}", person_id(a), person_id(b), csvtext::date_text(dob)));
        }

        if let Some((father, son)) = family.junior
            && visible(father)
            && visible(son)
        {
            let p = &world.persons[father as usize];
            push(
                "same_name_father_son",
                format!(
                    "{} and {} are both {} {} at one address",
                    person_id(father),
                    person_id(son),
                    p.given,
                    world.surnames.get(p.surname)
                ),
            );
        }

        let mut named: Vec<u32> = Vec::new();
        for &i in &name_changes[f] {
            let (person, ag, ref recorded) = extract.name_changes[i];
            if named.contains(&person) {
                continue;
            }
            named.push(person);
            let p = &world.persons[person as usize];
            push(
                "name_change",
                format!(
                    "{} ({}) recorded as {} by {}",
                    person_id(person),
                    world.surnames.get(p.surname),
                    recorded,
                    ag.code()
                ),
            );
        }

        let mut households: Vec<u32> = Vec::new();
        for &(person, _) in &stale[f] {
            let h = world.persons[person as usize].household;
            if households.contains(&h) {
                continue;
            }
            households.push(h);
            let household = &world.households[h as usize];
            let Some((old, moved_on)) = household.moved else { continue };
            let n_stale = stale[f].iter().filter(|(p, _)| world.persons[*p as usize].household == h).count();
            let members: Vec<String> = family
                .members()
                .filter(|&m| world.persons[m as usize].household == h && visible(m))
                .map(person_id)
                .collect();
            push(
                "moved_house",
                format!(
                    "{} moved from UPRN {} to UPRN {} on {}; {} records still hold the old address",
                    members.join(", "),
                    world.places.uprn(old),
                    world.places.uprn(household.address),
                    csvtext::date_text(moved_on),
                    n_stale
                ),
            );
        }
        for &i in &duplicated[f] {
            let d = &extract.duplicated[i];
            let ag = d.agency.code();
            let mut records = vec![format!("{ag}:{}", d.ids[0])];
            for (id, how) in d.ids[1..].iter().zip(&d.how) {
                records.push(format!("{ag}:{id} {}", how.describe()));
            }
            push(
                "within_agency_duplicate",
                format!("{} holds {} records in {ag}: {}", person_id(d.person), d.ids.len(), records.join("; ")),
            );
        }

        for &i in &slips[f] {
            let s = &extract.slips[i];
            let p = &world.persons[s.person as usize];
            let record = format!("{}:{}", s.agency.code(), s.record_id);
            let who = person_id(s.person);
            match &s.slip {
                Slip::NamesSwapped { given, family } => push(
                    "names_swapped",
                    format!(
                        "{who} ({} {}) recorded as given name {given}, family name {family} by {record}",
                        p.given,
                        world.surnames.get(p.surname)
                    ),
                ),
                Slip::PlaceholderDob(date) => push(
                    "placeholder_dob",
                    format!(
                        "{who} born {} recorded as born {}, the agency's placeholder, by {record}",
                        csvtext::date_text(p.dob),
                        csvtext::date_text(*date)
                    ),
                ),
                Slip::DobDigit(date) | Slip::DobTransposed(date) => {
                    let how =
                        if matches!(s.slip, Slip::DobDigit(_)) { "a digit mistyped" } else { "two digits transposed" };
                    push(
                        "dob_mistyped",
                        format!(
                            "{who} born {} recorded as born {} ({how}) by {record}",
                            csvtext::date_text(p.dob),
                            csvtext::date_text(*date)
                        ),
                    );
                }
                Slip::Street { .. } | Slip::Postcode { .. } => {}
            }
        }

        cohorts(world, family, invs, &visible, &mut push);
        debug_assert!(family.kind != FamilyKind::Hostel || family.hostel.is_some());
    }
    found
}

/// Days back that short sentences and recalls are counted over.
const REVOLVING_DOOR_DAYS: i32 = 1095;
/// Days back a MAPPA, IOM or MARAC involvement still counts as managing.
const MANAGED_DAYS: i32 = 365;

/// The cohorts famgraph's queries name, found from the truth: each
/// person in one, with the family's id.
fn cohorts(
    world: &World,
    family: &crate::world::Family,
    invs: &[Inv],
    visible: &impl Fn(u32) -> bool,
    push: &mut impl FnMut(&'static str, String),
) {
    let now = world.now;
    let justice = |i: &Inv| matches!(i.agency(), Ag::Police | Ag::Probation | Ag::YouthJustice);
    for person in family.members() {
        let mine: Vec<&Inv> = invs.iter().filter(|i| i.person == person).collect();
        let recent: Vec<&Inv> =
            mine.iter().copied().filter(|i| i.end.is_none_or(|e| e >= now.add_days(-RECENT_DAYS))).collect();
        let adult = world.age_on(person, now) >= 18;
        let offending_recently = recent.iter().any(|i| i.offending());
        let has = |need: Need| recent.iter().any(|i| i.svc.spec().need == need);
        let custodial = mine
            .iter()
            .filter(|i| matches!(i.svc, Svc::ProbCustody | Svc::ProbRecall))
            .filter(|i| i.start >= now.add_days(-REVOLVING_DOOR_DAYS))
            .count();
        if custodial >= 2 && has(Need::Housing) && has(Need::Financial) {
            push("revolving_door", format!("{}: {custodial} custodial sentences and recalls", person_id(person)));
        }
        let p = &world.persons[person as usize];
        if adult && p.sex == famgraph_model::Sex::F && offending_recently {
            let children: Vec<u32> = family
                .ties
                .iter()
                .filter(|t| t.kind.is_parental() && t.from == person && world.age_on(t.to, now) < 18 && visible(t.to))
                .map(|t| t.to)
                .collect();
            if !children.is_empty() {
                push(
                    "woman_offender_with_children",
                    format!("{} offending, mother or carer of {} children", person_id(person), children.len()),
                );
            }
        }
        let gap = |need: Need, serving: Ag| {
            adult
                && offending_recently
                && recent.iter().any(|i| justice(i) && i.svc.spec().need == need)
                && !recent.iter().any(|i| i.agency() == serving)
        };
        if gap(Need::Housing, Ag::Housing) {
            push("accommodation_gap", format!("{}: housing need known to justice agencies only", person_id(person)));
        }
        if gap(Need::Financial, Ag::Jobcentre) {
            push("employment_gap", format!("{}: work need known to justice agencies only", person_id(person)));
        }
        let managed: Vec<&str> = mine
            .iter()
            .filter(|i| matches!(i.svc, Svc::ProbMappa | Svc::PoliceIom | Svc::PoliceMarac))
            .filter(|i| i.end.is_none_or(|e| e >= now.add_days(-MANAGED_DAYS)))
            .map(|i| i.svc.spec().code)
            .collect();
        if !managed.is_empty() {
            push("mappa_marac_iom", format!("{}: {}", person_id(person), managed.join(", ")));
        }
    }
}

fn first_offence(invs: &[Inv], person: u32) -> Option<Date> {
    invs.iter().filter(|i| i.person == person && i.offending()).map(|i| i.start).min()
}

/// The day the most distinct agencies (as `key` picks them) were involved at once.
struct Peak {
    date: Date,
    count: usize,
    agencies: [bool; N_AGENCIES],
}

impl Peak {
    fn names(&self) -> String {
        Ag::ALL.iter().filter(|a| self.agencies[a.idx()]).map(|a| a.code()).collect::<Vec<_>>().join(", ")
    }
}

fn peak(invs: &[Inv], key: impl Fn(&Inv) -> Option<Ag>) -> Option<Peak> {
    let mut best: Option<Peak> = None;
    for candidate in invs.iter().filter(|i| key(i).is_some()) {
        let date = candidate.start;
        let mut agencies = [false; N_AGENCIES];
        for inv in invs.iter().filter(|i| i.covers(date)) {
            if let Some(ag) = key(inv) {
                agencies[ag.idx()] = true;
            }
        }
        let count = agencies.iter().filter(|a| **a).count();
        // Ties go to the latest day: the current picture matters most.
        if best.as_ref().is_none_or(|b| count > b.count || (count == b.count && date > b.date)) {
            best = Some(Peak { date, count, agencies });
        }
    }
    best
}
