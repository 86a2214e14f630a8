//! The truth about change between an earlier extract and the later one:
//! which involvements are new, which ended in between, and which of each
//! family's needs are resolved and have stayed resolved for six months
//! (`changes.csv`, written only with an earlier extract).

use famgraph_model::{Date, Need, Role};

use crate::csvtext;
use crate::patterns::{RECENT_DAYS, family_id};
use crate::plans::Plans;
use crate::records::Earlier;
use crate::world::World;

/// Resolved this long before the later extract counts as sustained
/// (famgraph's `SUSTAINED_DAYS`).
const SUSTAINED_DAYS: i32 = 182;

pub(crate) const HEADER: &str = "family_id,change,detail";

/// `changes.csv`: one row per new or ended involvement
/// (`agency:involvement_id`) and per need resolved and sustained.
pub(crate) fn truth(world: &World, plans: &Plans, earlier: &Earlier, as_of: Date) -> String {
    let mut rows: Vec<(u32, &str, String)> = Vec::new();
    for (i, id, then) in &earlier.involvement_rows {
        let inv = &plans.invs[*i];
        let family = world.persons[inv.person as usize].family;
        let label = format!("{}:{id}", inv.agency().code());
        if !then {
            rows.push((family, "new_involvement", label));
        } else if inv.end.is_some_and(|end| end > earlier.dates[inv.agency().idx()]) {
            rows.push((family, "ended_involvement", label));
        }
    }
    let recent_from = as_of.add_days(-RECENT_DAYS);
    for f in 0..world.families.len() {
        for need in Need::ALL {
            let mut of_need = plans
                .of_family(f)
                .iter()
                .filter(|inv| inv.svc.spec().need == *need && inv.end.unwrap_or(as_of) >= recent_from)
                .filter(|inv| !(*need == Need::Crime && inv.role == Role::Victim))
                .peekable();
            if of_need.peek().is_some()
                && of_need.all(|inv| inv.end.is_some_and(|end| end.add_days(SUSTAINED_DAYS) <= as_of))
            {
                rows.push((f as u32, "need_sustained_resolved", need.code().to_owned()));
            }
        }
    }
    rows.sort();
    let mut text = String::with_capacity(rows.len() * 40 + HEADER.len() + 1);
    text.push_str(HEADER);
    text.push('\n');
    for (family, change, detail) in rows {
        csvtext::row(&mut text, &[&family_id(family), change, &detail]);
        text.push('\n');
    }
    text
}

/// The same day `months` calendar months before, or the month's last day
/// when it has no such day.
pub(crate) fn months_before(date: Date, months: u32) -> Date {
    let (year, month, day) = date.ymd();
    let index = year * 12 + month as i32 - 1 - months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
    (0..4).find_map(|back| Date::from_ymd(year, month, day - back)).expect("every month has a 28th")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_before_keeps_the_day_or_takes_the_months_last() {
        let d = |y, m, d| Date::from_ymd(y, m, d).unwrap();
        assert_eq!(months_before(d(2024, 3, 31), 6), d(2023, 9, 30));
        assert_eq!(months_before(d(2024, 3, 31), 1), d(2024, 2, 29));
        assert_eq!(months_before(d(2024, 3, 15), 15), d(2022, 12, 15));
        assert_eq!(months_before(d(2024, 3, 15), 0), d(2024, 3, 15));
    }
}
