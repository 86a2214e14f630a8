//! People an agency holds under two (now and then three) records, as real
//! case systems do: registered twice, or a new record opened after a gap
//! in contact, the two never merged.
//!
//! Every stage before this one knows one record per person per agency;
//! the duplicates are planned afterwards from a stream of their own
//! (`Stage::Duplicates`), so the people, their involvements and every
//! other record stay exactly as they were. A duplicate takes some of the
//! person's involvements with the agency: after a gap, those before it
//! stay on the old record and the record every other stage knows becomes
//! the new one; registered twice, episodes fall to either record.

use famgraph_model::Date;

use crate::catalogue::{Ag, N_AGENCIES};
use crate::draw::{self, Random};
use crate::plans::Plans;
use crate::records::{Draft, NONE};

/// Episodes at least this many days apart make a gap after which an
/// agency may open a new record rather than find the old one.
pub(crate) const MIN_GAP_DAYS: i32 = 365;
/// Among people held twice, the share with a gap long enough who get a
/// new record after it (the rest were registered twice).
const AFTER_GAP_SHARE: f64 = 0.8;
/// How much likelier someone whose contact with the agency had a gap is
/// to be held twice than someone seen without one (the agency's rate is
/// kept: the others are a little less likely).
const GAP_WEIGHT: f64 = 6.0;
/// Among people held twice, the share held a third time.
const THIRD_RECORD_SHARE: f64 = 0.1;
/// Registered twice: the chance each episode went to the second record
/// (one of several; a single episode may be on either).
const EPISODE_ON_SECOND: f64 = 0.4;

/// How an agency came to hold a second record of someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    /// A second registration, the first not found.
    Twice,
    /// The record from before a gap of this many days: the agency opened
    /// a new one when the person came back.
    AfterGap { days: i32 },
}

impl How {
    /// How a record after a person's first came about, for the truth.
    pub(crate) fn describe(self) -> String {
        match self {
            How::Twice => "registered a second time".to_owned(),
            How::AfterGap { days } => {
                let years = days / 365;
                if years >= 2 {
                    format!("the record from before a gap of {years} years")
                } else {
                    format!("the record from before a gap of {} months", days / 30)
                }
            }
        }
    }
}

/// A record an agency holds of a person besides the one every other stage
/// knows.
#[derive(Clone, Copy)]
pub(crate) struct Extra {
    /// The index of the agency's record every other stage knows.
    pub original: u32,
    pub draft: Draft,
    pub how: How,
}

pub(crate) struct Duplicates {
    /// Per agency, its extra records in order: extra `k` of an agency
    /// with `n` ordinary records is its record `n + k`.
    pub extras: Vec<Vec<Extra>>,
    /// Per planned involvement, the agency's record it is written against.
    pub record_of_inv: Vec<u32>,
}

impl Duplicates {
    /// Each of the agency's records of `person`, when it holds several.
    pub(crate) fn records_of(&self, ag: Ag, original: u32, n_originals: usize) -> Vec<u32> {
        let mut records = vec![original];
        records.extend(
            self.extras[ag.idx()]
                .iter()
                .enumerate()
                .filter(|(_, e)| e.original == original)
                .map(|(k, _)| (n_originals + k) as u32),
        );
        records
    }
}

/// Decides which people each agency holds twice and splits their
/// involvements; an original record left with only the episodes after a
/// gap starts at the first of them.
pub(crate) fn plan(
    plans: &Plans,
    held: &[[u32; N_AGENCIES]],
    drafts: &mut [Vec<Draft>],
    rate: f64,
    rng: &mut Random,
) -> Duplicates {
    let mut record_of_inv: Vec<u32> =
        plans.invs.iter().map(|inv| held[inv.person as usize][inv.agency().idx()]).collect();
    // Each record's own episodes, in the order they started.
    let mut own: Vec<Vec<Vec<u32>>> = drafts.iter().map(|d| vec![Vec::new(); d.len()]).collect();
    for (i, inv) in plans.invs.iter().enumerate() {
        let record = record_of_inv[i];
        debug_assert_ne!(record, NONE, "an involvement's person is held by its agency");
        own[inv.agency().idx()][record as usize].push(i as u32);
    }
    let start = |i: u32| plans.invs[i as usize].start;
    for records in &mut own {
        for mine in records {
            mine.sort_by_key(|&i| (start(i), i));
        }
    }
    let gaps_in = |mine: &[u32]| -> Vec<usize> {
        (1..mine.len()).filter(|&k| start(mine[k]).days() - start(mine[k - 1]).days() >= MIN_GAP_DAYS).collect()
    };
    let mut extras: Vec<Vec<Extra>> = (0..N_AGENCIES).map(|_| Vec::new()).collect();
    for ag in Ag::ALL {
        let n = drafts[ag.idx()].len();
        let gapped = own[ag.idx()].iter().filter(|mine| !gaps_in(mine).is_empty()).count();
        let mean_weight = 1.0 + (GAP_WEIGHT - 1.0) * gapped as f64 / n.max(1) as f64;
        let p = rate * ag.spec().duplicate_factor / mean_weight;
        for r in 0..n {
            let gaps = gaps_in(&own[ag.idx()][r]);
            if !draw::chance(rng, if gaps.is_empty() { p } else { p * GAP_WEIGHT }) {
                continue;
            }
            let mut mine = std::mem::take(&mut own[ag.idx()][r]);
            let draft = drafts[ag.idx()][r];
            let index = |extras: &Vec<Extra>| (n + extras.len()) as u32;
            if !gaps.is_empty() && draw::chance(rng, AFTER_GAP_SHARE) {
                let k = *draw::pick(rng, &gaps);
                let (last_before, split) = (start(mine[k - 1]), start(mine[k]));
                let old = Draft { last_contact: last_before, ..draft };
                let record = index(&extras[ag.idx()]);
                for &i in &mine[..k] {
                    record_of_inv[i as usize] = record;
                }
                mine.drain(..k);
                drafts[ag.idx()][r].first_contact = split;
                let how = How::AfterGap { days: split.days() - last_before.days() };
                extras[ag.idx()].push(Extra { original: r as u32, draft: old, how });
            } else {
                let record = index(&extras[ag.idx()]);
                let extra = registered_twice(plans, draft, r as u32, record, &mut mine, &mut record_of_inv, rng);
                extras[ag.idx()].push(extra);
            }
            if draw::chance(rng, THIRD_RECORD_SHARE) {
                let record = index(&extras[ag.idx()]);
                let extra = registered_twice(plans, draft, r as u32, record, &mut mine, &mut record_of_inv, rng);
                extras[ag.idx()].push(extra);
            }
        }
    }
    Duplicates { extras, record_of_inv }
}

/// A second registration: each of the episodes still on the original
/// (`mine`, which keeps at least one if it had any) may go to it instead.
fn registered_twice(
    plans: &Plans,
    draft: Draft,
    original: u32,
    record: u32,
    mine: &mut Vec<u32>,
    record_of_inv: &mut [u32],
    rng: &mut Random,
) -> Extra {
    let mut moved: Vec<u32> = Vec::new();
    mine.retain(|&i| {
        let go = draw::chance(rng, EPISODE_ON_SECOND);
        if go {
            moved.push(i);
        }
        !go
    });
    // The original keeps one of several episodes.
    if mine.is_empty() && moved.len() > 1 {
        mine.push(moved.remove(0));
    }
    let starts = moved.iter().map(|&i| plans.invs[i as usize].start);
    let first: Option<Date> = starts.clone().min();
    let last: Option<Date> = starts.max();
    for &i in &moved {
        record_of_inv[i as usize] = record;
    }
    let draft = Draft {
        first_contact: first.unwrap_or(draft.first_contact),
        last_contact: last.unwrap_or(draft.first_contact),
        ..draft
    };
    Extra { original, draft, how: How::Twice }
}
