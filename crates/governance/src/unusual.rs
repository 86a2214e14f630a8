//! Unusual access: the entries of the audit trail an information
//! governance lead looks at first. Person-level data served outside
//! working hours (UK time, weekends and bank holidays too), a token opening more families in
//! a day than casework needs, and a token refused again and again (a role
//! probing beyond its reach, or a person given the wrong one).
//!
//! The thresholds are the partnership's (`[audit]` in `--config`); an
//! alert is a prompt to ask, not a finding: a coordinator preparing a
//! meeting at 7 in the morning is not a breach.

use std::collections::BTreeMap;

use famgraph_model::Date;
use serde::{Deserialize, Serialize};

use crate::AuditEntry;
use crate::audit::{FamilyNumbers, FamilySet, of_token};

/// The endpoints that open one family's (or person's) details, as against
/// lists: what "families opened" counts.
const OPENING: [&str; 3] = ["/api/v1/families/{family_id}", "/api/v1/graph/neighbourhood", "/api/v1/graph/path"];

/// What counts as unusual: the partnership's `[audit]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Watch {
    /// Working hours, UK local time, from the first hour up to the second:
    /// `[7, 19]` is 07:00 to 18:59.
    pub working_hours: [u8; 2],
    /// Saturdays and Sundays are out of hours all day.
    pub weekends: bool,
    /// So are England and Wales's regular bank holidays (one-off ones,
    /// for a coronation or a jubilee, are not known).
    pub bank_holidays: bool,
    /// More families opened one at a time by one token in a day than this.
    pub families_per_day: usize,
    /// This many refusals of one token in a day, or more.
    pub refusals_per_day: usize,
}

impl Default for Watch {
    fn default() -> Self {
        Watch { working_hours: [7, 19], weekends: true, bank_holidays: true, families_per_day: 25, refusals_per_day: 3 }
    }
}

impl Watch {
    /// Why these settings cannot be used, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let [start, end] = self.working_hours;
        if start > end || end > 24 {
            return Err(format!(
                "working_hours = [{start}, {end}]: give the first hour and the hour they end, 0 to 24, the first no later than the second"
            ));
        }
        if self.families_per_day == 0 || self.refusals_per_day == 0 {
            return Err("families_per_day and refusals_per_day must be at least 1".into());
        }
        Ok(())
    }

    fn in_hours(&self, local: Local) -> bool {
        let day_off = (self.weekends && matches!(local.weekday(), 0 | 6))
            || (self.bank_holidays && bank_holiday(local.date).is_some());
        !day_off && (self.working_hours[0]..self.working_hours[1]).contains(&local.hour)
    }
}

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OutOfHours,
    ManyFamilies,
    Refusals,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::OutOfHours => "out_of_hours",
            Kind::ManyFamilies => "many_families",
            Kind::Refusals => "refusals",
        }
    }
}

/// One token's unusual use on one day (UK time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub kind: Kind,
    pub token: String,
    pub role: String,
    /// `YYYY-MM-DD`, UK local date.
    pub day: String,
    /// The entries behind it.
    pub requests: usize,
    /// Distinct families whose data those entries served.
    pub families: usize,
    /// The first and last of those entries, as recorded (UTC).
    pub first: String,
    pub last: String,
    /// The alert in a sentence.
    pub why: String,
}

/// The alerts over `entries` (oldest first, as the trail holds them):
/// newest day first, then by kind and token.
pub fn review<'a>(entries: impl IntoIterator<Item = &'a AuditEntry>, watch: &Watch) -> Vec<Alert> {
    let mut watching = Watching::new(watch);
    for e in entries {
        watching.add(e);
    }
    watching.finish()
}

/// [`review`], an entry at a time; or, as the server records them,
/// [`Watching::add_live`].
#[derive(Debug)]
pub struct Watching {
    watch: Watch,
    numbers: FamilyNumbers,
    /// Per token, per kind and UK day.
    days: std::collections::HashMap<String, BTreeMap<(Kind, Date), Day>>,
    /// The latest UK day [`Watching::add_live`] has let older days go at.
    live_day: Option<Date>,
}

/// One token's entries of one kind on one day.
#[derive(Debug)]
struct Day {
    requests: usize,
    families: FamilySet,
    role: String,
    first: String,
    last: String,
    /// UK local times of the first and last.
    from: Local,
    to: Local,
}

impl Watching {
    pub fn new(watch: &Watch) -> Self {
        Watching {
            watch: watch.clone(),
            numbers: FamilyNumbers::default(),
            days: std::collections::HashMap::new(),
            live_day: None,
        }
    }

    /// Whether a token's day of one kind, so far, is worth a look.
    fn flagged(&self, kind: Kind, day: &Day) -> bool {
        match kind {
            Kind::OutOfHours => day.requests > 0,
            Kind::ManyFamilies => day.families.len() > self.watch.families_per_day,
            Kind::Refusals => day.requests >= self.watch.refusals_per_day,
        }
    }

    /// Which kinds a token's day is flagged for so far.
    fn flags(&self, token: &str, date: Date) -> [bool; 3] {
        [Kind::OutOfHours, Kind::ManyFamilies, Kind::Refusals].map(|kind| {
            self.days.get(token).and_then(|d| d.get(&(kind, date))).is_some_and(|day| self.flagged(kind, day))
        })
    }

    /// Adds an entry as it is recorded, and says what it made unusual
    /// that was not before: the first person-level answer out of hours of
    /// a token's day, the family that takes its day over the limit, the
    /// refusal that reaches it. Days before yesterday are let go, so a
    /// server running for months holds two days.
    pub fn add_live(&mut self, e: &AuditEntry) -> Vec<(Kind, String)> {
        let Some(local) = Local::of(&e.at) else { return Vec::new() };
        let before = self.flags(&e.token, local.date);
        self.add_at(e, local);
        let after = self.flags(&e.token, local.date);
        let watch = &self.watch;
        let crossed = |kind: Kind| !before[kind as usize] && after[kind as usize];
        let mut said = Vec::new();
        if crossed(Kind::OutOfHours) {
            said.push((
                Kind::OutOfHours,
                format!("person-level data served out of hours, at {} UK time", local.clock()),
            ));
        }
        if crossed(Kind::ManyFamilies) {
            said.push((Kind::ManyFamilies, format!("more than {} families opened today", watch.families_per_day)));
        }
        if crossed(Kind::Refusals) {
            said.push((Kind::Refusals, format!("refused {} times today", watch.refusals_per_day)));
        }
        // A new day: the days before yesterday go.
        if self.live_day.is_none_or(|d| local.date > d) {
            self.live_day = Some(local.date);
            let yesterday = local.date.add_days(-1);
            for days in self.days.values_mut() {
                days.retain(|&(_, date), _| date >= yesterday);
            }
            self.days.retain(|_, days| !days.is_empty());
        }
        said
    }

    pub fn add(&mut self, e: &AuditEntry) {
        // An entry whose time does not read was not written by famgraph:
        // the chain check has already refused an altered file.
        if let Some(local) = Local::of(&e.at) {
            self.add_at(e, local);
        }
    }

    fn add_at(&mut self, e: &AuditEntry, local: Local) {
        let served = e.outcome == "served";
        let person_level = !e.family_ids.is_empty() || !e.household_ids.is_empty();
        let kinds = [
            (served && person_level && !self.watch.in_hours(local)).then_some(Kind::OutOfHours),
            (served && OPENING.contains(&e.endpoint.as_str())).then_some(Kind::ManyFamilies),
            (!served).then_some(Kind::Refusals),
        ];
        for kind in kinds.into_iter().flatten() {
            let day =
                of_token(&mut self.days, &e.token, BTreeMap::new).entry((kind, local.date)).or_insert_with(|| Day {
                    requests: 0,
                    families: FamilySet::default(),
                    role: e.role.clone(),
                    first: e.at.clone(),
                    last: String::new(),
                    from: local,
                    to: local,
                });
            day.requests += 1;
            day.last.clone_from(&e.at);
            day.role.clone_from(&e.role);
            day.to = local;
            if served {
                for family in &e.family_ids {
                    day.families.insert(self.numbers.of(family));
                }
            }
        }
    }

    pub fn finish(mut self) -> Vec<Alert> {
        let days = std::mem::take(&mut self.days);
        let watch = &self.watch;
        let mut alerts: Vec<Alert> = days
            .into_iter()
            .flat_map(|(token, days)| days.into_iter().map(move |(key, day)| (token.clone(), key, day)))
            .filter(|(_, (kind, _), day)| self.flagged(*kind, day))
            .map(|(token, (kind, date), day)| {
                let why = match kind {
                    Kind::OutOfHours => format!(
                        "{} {} for person-level data out of hours, {} UK time{}",
                        day.requests,
                        plural(day.requests, "request"),
                        if day.from.clock() == day.to.clock() {
                            format!("at {}", day.from.clock())
                        } else {
                            format!("{} to {}", day.from.clock(), day.to.clock())
                        },
                        match bank_holiday(date) {
                            _ if matches!(date.weekday(), 0 | 6) => " at a weekend".to_owned(),
                            Some(holiday) => format!(" on a bank holiday ({holiday})"),
                            None => String::new(),
                        }
                    ),
                    Kind::ManyFamilies => format!(
                        "opened {} families in a day, more than the {} casework is expected to need",
                        day.families.len(),
                        watch.families_per_day
                    ),
                    Kind::Refusals => {
                        format!("refused {} times in a day: asking for more than the role may see", day.requests)
                    }
                };
                Alert {
                    kind,
                    token,
                    role: day.role,
                    day: date.to_string(),
                    requests: day.requests,
                    families: day.families.len(),
                    first: day.first,
                    last: day.last,
                    why,
                }
            })
            .collect();
        alerts.sort_by(|a, b| b.day.cmp(&a.day).then(a.kind.cmp(&b.kind)).then(a.token.cmp(&b.token)));
        alerts
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { word.to_owned() } else { format!("{word}s") }
}

/// A moment on the clock in the UK: GMT, or BST (one hour ahead) from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
/// of October.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Local {
    date: Date,
    hour: u8,
    minute: u8,
}

impl Local {
    /// From an audit entry's `YYYY-MM-DDTHH:MM:SSZ`.
    fn of(at: &str) -> Option<Local> {
        let (day, time) = at.strip_suffix('Z')?.split_once('T')?;
        let date = Date::parse(day)?;
        let number = |range: std::ops::Range<usize>| time.get(range)?.parse::<u8>().ok();
        let (hour, minute) = (number(0..2)?, number(3..5)?);
        if hour > 23 || minute > 59 {
            return None;
        }
        let (year, ..) = date.ymd();
        // Both changes happen at 01:00 UTC.
        let summer = (last_sunday(year, 3), 1)..(last_sunday(year, 10), 1);
        if !summer.contains(&(date, hour)) {
            return Some(Local { date, hour, minute });
        }
        Some(if hour == 23 {
            Local { date: date.add_days(1), hour: 0, minute }
        } else {
            Local { date, hour: hour + 1, minute }
        })
    }

    fn weekday(self) -> u32 {
        self.date.weekday()
    }

    fn clock(self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

/// England and Wales's regular bank holidays: New Year's Day, Good
/// Friday, Easter Monday, the early May, spring and summer bank holidays,
/// Christmas Day and Boxing Day, a weekend one moved to the next weekday.
/// One-off holidays (2022's jubilee, 2023's coronation) are not here.
fn bank_holiday(date: Date) -> Option<&'static str> {
    let year = date.year();
    let on = |m: u32, d: u32| Date::from_ymd(year, m, d);
    let easter = easter_sunday(year);
    // The first Monday on or after a day, and the last Monday of a month.
    let monday_from = |d: Date| d.add_days((8 - i32::try_from(d.weekday()).unwrap_or(0)) % 7);
    let last_monday = |m: u32| {
        let last = (28..=31).rev().find_map(|d| on(m, d)).unwrap_or(date);
        last.add_days(-((i32::try_from(last.weekday()).unwrap_or(0) + 6) % 7))
    };
    // A holiday at a weekend moves to the Monday, or past another holiday.
    let weekday_from = |d: Date, taken: Option<Date>| {
        let mut d = d;
        while matches!(d.weekday(), 0 | 6) || Some(d) == taken {
            d = d.add_days(1);
        }
        d
    };
    let christmas = on(12, 25).map(|d| weekday_from(d, None));
    let boxing = on(12, 26).map(|d| weekday_from(d, christmas));
    let holidays = [
        (on(1, 1).map(|d| weekday_from(d, None)), "New Year's Day"),
        (Some(easter.add_days(-2)), "Good Friday"),
        (Some(easter.add_days(1)), "Easter Monday"),
        (on(5, 1).map(monday_from), "early May bank holiday"),
        (Some(last_monday(5)), "spring bank holiday"),
        (Some(last_monday(8)), "summer bank holiday"),
        (christmas, "Christmas Day"),
        (boxing, "Boxing Day"),
    ];
    holidays.into_iter().find(|(d, _)| *d == Some(date)).map(|(_, name)| name)
}

/// Easter Sunday in the Gregorian calendar (the anonymous algorithm of
/// Meeus, Jones and Butcher).
#[expect(clippy::many_single_char_names, reason = "the algorithm's published names, to check it against")]
fn easter_sunday(year: i32) -> Date {
    let (a, b, c) = (year % 19, year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_ymd(year, month.unsigned_abs(), day.unsigned_abs()).unwrap_or(Date::from_days(0))
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> Date {
    let last = (28..=31).rev().find_map(|d| Date::from_ymd(year, month, d)).unwrap_or(Date::from_days(0));
    last.add_days(-i32::try_from(last.weekday()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: &str, token: &str, endpoint: &str, outcome: &str, families: &[&str]) -> AuditEntry {
        AuditEntry {
            at: at.into(),
            token: token.into(),
            role: "coordinator".into(),
            endpoint: endpoint.into(),
            outcome: outcome.into(),
            family_ids: families.iter().map(|&f| f.to_owned()).collect(),
            household_ids: vec![],
            family_set: None,
            household_set: None,
            load: String::new(),
            prev: String::new(),
        }
    }

    fn local(at: &str) -> (String, u8) {
        let l = Local::of(at).unwrap();
        (l.date.to_string(), l.hour)
    }

    #[test]
    fn uk_time_follows_british_summer_time() {
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(last_sunday(2026, 3).to_string(), "2026-03-29");
        assert_eq!(last_sunday(2026, 10).to_string(), "2026-10-25");
        assert_eq!(local("2026-03-29T00:59:00Z"), ("2026-03-29".into(), 0));
        assert_eq!(local("2026-03-29T01:00:00Z"), ("2026-03-29".into(), 2));
        assert_eq!(local("2026-07-01T23:30:00Z"), ("2026-07-02".into(), 0));
        assert_eq!(local("2026-10-25T00:59:00Z"), ("2026-10-25".into(), 1));
        assert_eq!(local("2026-10-25T01:00:00Z"), ("2026-10-25".into(), 1));
        assert_eq!(local("2026-12-01T18:30:00Z"), ("2026-12-01".into(), 18));
        assert!(Local::of("2026-12-01 18:30:00").is_none() && Local::of("2026-12-01T25:00:00Z").is_none());
    }

    #[test]
    fn flags_out_of_hours_many_families_and_refusals() {
        let family = "/api/v1/families/{family_id}";
        let watch = Watch { families_per_day: 2, ..Watch::default() };
        let mut entries = vec![
            // Tuesday 1 December 2026, GMT.
            entry("2026-12-01T09:00:00Z", "ann", family, "served", &["F1"]),
            entry("2026-12-01T21:15:00Z", "ann", family, "served", &["F2"]),
            entry("2026-12-01T22:40:00Z", "ann", "/api/v1/families", "served", &["F1", "F2", "F3"]),
            // Aggregates out of hours are not person-level.
            entry("2026-12-01T23:00:00Z", "bid", "/api/v1/evidence", "served", &[]),
            // Saturday 5 December, in working hours.
            entry("2026-12-05T10:00:00Z", "bob", family, "served", &["F9"]),
            // A refusal out of hours is a refusal, not out-of-hours use.
            entry("2026-12-01T23:10:00Z", "bid", family, "denied", &[]),
            entry("2026-12-01T23:11:00Z", "bid", family, "denied", &[]),
        ];
        // Opening the same family again does not count twice.
        for at in ["10:00", "11:00", "12:00"] {
            entries.push(entry(&format!("2026-12-02T{at}:00Z"), "cat", family, "served", &["F4"]));
        }
        let alerts = review(&entries, &watch);
        let got: Vec<(Kind, &str, &str, usize, usize)> =
            alerts.iter().map(|a| (a.kind, a.token.as_str(), a.day.as_str(), a.requests, a.families)).collect();
        assert_eq!(
            got,
            [(Kind::OutOfHours, "bob", "2026-12-05", 1, 1), (Kind::OutOfHours, "ann", "2026-12-01", 2, 3)],
            "{alerts:#?}"
        );
        assert_eq!(alerts[1].why, "2 requests for person-level data out of hours, 21:15 to 22:40 UK time");
        assert!(alerts[0].why.ends_with("at a weekend"));

        // A third refusal, and a third family opened, cross the thresholds.
        entries.push(entry("2026-12-01T23:12:00Z", "bid", family, "denied", &[]));
        entries.push(entry("2026-12-01T11:00:00Z", "ann", family, "served", &["F5"]));
        let alerts = review(&entries, &watch);
        let kinds: Vec<(Kind, &str)> = alerts.iter().map(|a| (a.kind, a.token.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (Kind::OutOfHours, "bob"),
                (Kind::OutOfHours, "ann"),
                (Kind::ManyFamilies, "ann"),
                (Kind::Refusals, "bid")
            ]
        );
        assert_eq!(alerts[2].why, "opened 3 families in a day, more than the 2 casework is expected to need");
        assert_eq!(alerts[3].why, "refused 3 times in a day: asking for more than the role may see");

        // Weekends as working days, and round-the-clock hours: nothing out of hours.
        let always = Watch { working_hours: [0, 24], weekends: false, bank_holidays: false, ..watch };
        assert!(review(&entries, &always).iter().all(|a| a.kind != Kind::OutOfHours));
    }

    #[test]
    fn live_alerts_come_once_as_they_happen_and_old_days_are_let_go() {
        let family = "/api/v1/families/{family_id}";
        let mut live = Watching::new(&Watch { families_per_day: 2, refusals_per_day: 2, ..Watch::default() });
        let mut said = |at: &str, token: &str, outcome: &str, families: &[&str]| {
            live.add_live(&entry(at, token, family, outcome, families)).into_iter().map(|(k, _)| k).collect::<Vec<_>>()
        };
        // Tuesday 1 December 2026: in hours, then a third family, then late.
        assert!(said("2026-12-01T09:00:00Z", "ann", "served", &["F1"]).is_empty());
        assert!(said("2026-12-01T09:05:00Z", "ann", "served", &["F2"]).is_empty());
        assert_eq!(said("2026-12-01T09:10:00Z", "ann", "served", &["F3"]), [Kind::ManyFamilies]);
        assert!(said("2026-12-01T09:15:00Z", "ann", "served", &["F4"]).is_empty(), "said once a day");
        assert_eq!(said("2026-12-01T22:00:00Z", "ann", "served", &["F1"]), [Kind::OutOfHours]);
        assert!(said("2026-12-01T22:30:00Z", "ann", "served", &["F1"]).is_empty());
        assert!(said("2026-12-01T23:00:00Z", "bob", "denied", &[]).is_empty());
        assert_eq!(said("2026-12-01T23:01:00Z", "bob", "denied", &[]), [Kind::Refusals]);
        // A new day starts afresh, and the days before yesterday are gone.
        assert!(said("2026-12-02T09:00:00Z", "ann", "served", &["F1", "F2"]).is_empty());
        assert_eq!(said("2026-12-04T06:00:00Z", "ann", "served", &["F9"]), [Kind::OutOfHours]);
        let kept_from = Date::parse("2026-12-03").unwrap();
        assert!(live.days.values().flat_map(BTreeMap::keys).all(|&(_, d)| d >= kept_from));
    }

    #[test]
    fn bank_holidays_of_england_and_wales() {
        let holidays = |year: i32| -> Vec<String> {
            let first = Date::from_ymd(year, 1, 1).unwrap();
            (0..366)
                .map(|n| first.add_days(n))
                .filter(|d| d.year() == year && bank_holiday(*d).is_some())
                .map(|d| d.to_string())
                .collect()
        };
        // As GOV.UK lists them (2022's and 2023's one-off holidays aside).
        assert_eq!(
            holidays(2026),
            [
                "2026-01-01",
                "2026-04-03",
                "2026-04-06",
                "2026-05-04",
                "2026-05-25",
                "2026-08-31",
                "2026-12-25",
                "2026-12-28"
            ]
        );
        // Christmas on a Saturday: Monday and Tuesday; New Year on a Saturday.
        assert_eq!(
            holidays(2021),
            [
                "2021-01-01",
                "2021-04-02",
                "2021-04-05",
                "2021-05-03",
                "2021-05-31",
                "2021-08-30",
                "2021-12-27",
                "2021-12-28"
            ]
        );
        assert_eq!(holidays(2022)[0], "2022-01-03");
        // Christmas on a Sunday: Boxing Day Monday, Christmas's Tuesday.
        assert_eq!(holidays(2022)[6..], ["2022-12-26", "2022-12-27"]);
        assert_eq!(easter_sunday(2025).to_string(), "2025-04-20");
        assert_eq!(easter_sunday(2027).to_string(), "2027-03-28");

        // Easter Monday 2026 in working hours is out of hours.
        let monday = [entry("2026-04-06T10:00:00Z", "ann", "/api/v1/families/{family_id}", "served", &["F1"])];
        let alerts = review(&monday, &Watch::default());
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].why.ends_with("on a bank holiday (Easter Monday)"), "{}", alerts[0].why);
        assert!(review(&monday, &Watch { bank_holidays: false, ..Watch::default() }).is_empty());
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        assert!(Watch::default().check().is_ok());
        assert!(Watch { working_hours: [19, 7], ..Watch::default() }.check().unwrap_err().contains("[19, 7]"));
        assert!(Watch { working_hours: [0, 25], ..Watch::default() }.check().is_err());
        assert!(Watch { refusals_per_day: 0, ..Watch::default() }.check().is_err());
    }
}
