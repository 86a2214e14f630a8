//! The meeting's take-ons and their outcomes, with an earlier extract:
//! some families are taken on on the day the earlier extracts were all in
//! (the baseline), and for some of their needs every involvement closes
//! soon after with nothing new (planted outcomes), when the later extract
//! is far enough on for six months to pass. The truth (`outcomes.csv`)
//! follows the Supporting Families rule from the rows the later extract
//! holds: a need open on the baseline day, every involvement for it since
//! closed, and none new for six months after.
//!
//! Outputs `decisions.jsonl` (the meeting's decisions file, naming every
//! record of the family's members, as famgraph writes it) and the truth.

use std::collections::BTreeSet;

use famgraph_model::{Date, Need, Role};

use crate::csvtext;
use crate::draw::{self, Random};
use crate::patterns::family_id;
use crate::plans::{Inv, Plans};
use crate::world::{FamilyKind, World};

/// Six months: famgraph's `SUSTAINED_DAYS`.
const SUSTAINED_DAYS: i32 = 182;
/// One in this many families with two or more needs open on the baseline
/// day is taken on.
const TAKEN_ON_ONE_IN: usize = 3;
/// Of a family's baseline needs, the share planted to close.
const PLANTED_SHARE: f64 = 0.5;
/// A planted need closes this many days after the baseline, at most.
const LATEST_CLOSE: i32 = 60;

pub(crate) const HEADER: &str = "family_id,need,baseline,outcome,closed_on";

/// The families taken on, by index.
pub(crate) struct TakenOn {
    pub day: Date,
    pub families: Vec<u32>,
}

fn counts_for(inv: &Inv, need: Need) -> bool {
    inv.svc.spec().need == need && !(need == Need::Crime && inv.role == Role::Victim)
}

fn open_on(start: Date, end: Option<Date>, day: Date) -> bool {
    start <= day && end.is_none_or(|e| e >= day)
}

/// Needs of a family with an involvement open on `day`.
fn needs_on(invs: &[Inv], day: Date) -> Vec<Need> {
    Need::ALL
        .iter()
        .copied()
        .filter(|&n| invs.iter().any(|i| counts_for(i, n) && open_on(i.start, i.end, day)))
        .collect()
}

/// Picks the families taken on on `day` and, when the later extract
/// (`later`, the earliest agency's date) leaves six months after a close,
/// plants closes: every involvement of a planted need open on `day` ends
/// within two months, where no later one for it begins.
pub(crate) fn plant(world: &World, plans: &mut Plans, day: Date, later: Date, rng: &mut Random) -> TakenOn {
    let can_plant = day.add_days(LATEST_CLOSE + SUSTAINED_DAYS) <= later;
    let mut families = Vec::new();
    for (f, family) in world.families.iter().enumerate() {
        if family.kind == FamilyKind::Standout {
            continue;
        }
        let needs = needs_on(plans.of_family(f), day);
        if needs.len() < 2 {
            continue;
        }
        if draw::index(rng, TAKEN_ON_ONE_IN) != 0 {
            continue;
        }
        families.push(f as u32);
        if !can_plant {
            continue;
        }
        let (start, end) = plans.ranges[f];
        for need in needs {
            let invs = &plans.invs[start as usize..end as usize];
            let clean = !invs.iter().any(|i| counts_for(i, need) && i.start > day);
            if !clean || !draw::chance(rng, PLANTED_SHARE) {
                continue;
            }
            let close = day.add_days(draw::between(rng, 7, LATEST_CLOSE));
            for inv in &mut plans.invs[start as usize..end as usize] {
                if counts_for(inv, need) && open_on(inv.start, inv.end, day) && inv.end.is_none_or(|e| e > close) {
                    inv.end = Some(close.max(inv.start));
                }
            }
        }
    }
    TakenOn { day, families }
}

/// `decisions.jsonl`: each family taken on on the baseline day, naming
/// every record of its members (`records`: agency code, record id, person).
pub(crate) fn decisions(world: &World, taken: &TakenOn, records: &[(crate::catalogue::Ag, String, u32)]) -> String {
    let mut out = String::new();
    for &f in &taken.families {
        let held: Vec<serde_json::Value> = records
            .iter()
            .filter(|(_, _, person)| world.persons[*person as usize].family == f)
            .map(|(ag, id, _)| serde_json::json!({"agency": ag.code(), "record_id": id}))
            .collect();
        let entry = serde_json::json!({
            "decided_on": taken.day.to_string(),
            "decision": "taken_on",
            "by": "synth",
            "family_id": family_id(f),
            "as_of": taken.day.to_string(),
            "records": held,
            "note": "",
        });
        out.push_str(&entry.to_string());
        out.push('\n');
    }
    out
}

/// `outcomes.csv`: per family taken on, per need open on the baseline day
/// in the later extract's rows (`rows`: plan indices), its outcome
/// (`achieved`, `closed` or `open`) and the day it closed.
pub(crate) fn truth(world: &World, plans: &Plans, taken: &TakenOn, rows: &[usize], as_of: Date) -> String {
    let day = taken.day;
    let written: BTreeSet<usize> = rows.iter().copied().collect();
    let mut text = String::from(HEADER);
    text.push('\n');
    for &f in &taken.families {
        let (start, end) = plans.ranges[f as usize];
        let invs: Vec<&Inv> = (start as usize..end as usize)
            .filter(|i| written.contains(i))
            .map(|i| &plans.invs[i])
            .filter(|i| world.persons[i.person as usize].family == f)
            .collect();
        for need in Need::ALL.iter().copied() {
            let mut of_need: Vec<&Inv> =
                invs.iter().copied().filter(|i| counts_for(i, need) && i.end.is_none_or(|e| e >= day)).collect();
            if !of_need.iter().any(|i| open_on(i.start, i.end, day)) {
                continue;
            }
            of_need.sort_by_key(|i| i.start);
            let mut closed = of_need[0].end;
            for inv in &of_need[1..] {
                match closed {
                    None => {}
                    Some(c) if inv.start > c.add_days(SUSTAINED_DAYS) => break,
                    Some(c) => closed = inv.end.map(|e| e.max(c)),
                }
            }
            let outcome = match closed {
                None => "open",
                Some(c) if c.add_days(SUSTAINED_DAYS) <= as_of => "achieved",
                Some(_) => "closed",
            };
            let closed_on = closed.map(|c| c.to_string()).unwrap_or_default();
            csvtext::row(&mut text, &[&family_id(f), need.code(), &day.to_string(), outcome, &closed_on]);
            text.push('\n');
        }
    }
    text
}
