//! Who each agency works with, when and why: the true involvements of
//! every family, planned by the family's kind.
//!
//! Standout families get the full picture the partnership looks for:
//! offending by a grandparent or parent and later by their child, five or
//! more agencies at once around a crisis, the same need met by two
//! agencies, several keyworkers at once, five or more needs. Decoys each
//! get one part of it; ordinary families a short episode or two.

use famgraph_model::{Date, Need, Role};
use rand::seq::SliceRandom;

use crate::catalogue::{Ag, Svc};
use crate::draw::{self, Random};
use crate::world::{Family, FamilyKind, Member, World};

/// How far back involvements reach from the extract date, in years.
pub(crate) const HISTORY_YEARS: i32 = 6;
/// A standout family has at least this many agencies working with it at once.
pub(crate) const STANDOUT_MIN_AGENCIES: usize = 5;
/// And at least this many needs.
pub(crate) const STANDOUT_MIN_NEEDS: usize = 5;

/// One true episode of an agency's involvement with a person.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Inv {
    pub person: u32,
    pub svc: Svc,
    pub start: Date,
    /// `None` while open on the extract date.
    pub end: Option<Date>,
    pub role: Role,
}

impl Inv {
    pub(crate) fn agency(&self) -> Ag {
        self.svc.spec().agency
    }

    /// Whether it records offending by the person, as the contract defines it.
    pub(crate) fn offending(&self) -> bool {
        self.svc.spec().offending || self.role == Role::Perpetrator
    }

    pub(crate) fn covers(&self, date: Date) -> bool {
        self.start <= date && self.end.is_none_or(|end| date <= end)
    }
}

/// Every family's involvements, family by family.
pub(crate) struct Plans {
    pub invs: Vec<Inv>,
    /// `invs[ranges[f].0..ranges[f].1]` are family `f`'s.
    pub ranges: Vec<(u32, u32)>,
}

impl Plans {
    pub(crate) fn of_family(&self, family: usize) -> &[Inv] {
        let (start, end) = self.ranges[family];
        &self.invs[start as usize..end as usize]
    }
}

pub(crate) fn plan(world: &World, rng: &mut Random) -> Plans {
    let mut invs = Vec::with_capacity(world.persons.len() * 2);
    let mut ranges = Vec::with_capacity(world.families.len());
    for family in &world.families {
        let start = invs.len() as u32;
        let mut planner = Planner::new(world, rng, &mut invs);
        let cast = Cast::of(world, family);
        match family.kind {
            FamilyKind::Standout => planner.standout(&cast, family),
            FamilyKind::Intergenerational => planner.intergenerational(&cast),
            FamilyKind::MultiAgency => planner.multi_agency(&cast),
            FamilyKind::SingleOffender => planner.single_offender(&cast),
            FamilyKind::Hostel => planner.hostel(&cast),
            FamilyKind::Ordinary => planner.ordinary(&cast, family),
        }
        if planner.out.len() == start as usize {
            // Everyone in a bundle is known to some agency: a family the
            // plan left out gets one A&E visit.
            let someone = cast.adults().first().copied().unwrap_or(family.first);
            let date = planner.now.add_days(-draw::between(planner.rng, 10, 900));
            planner.add(someone, Svc::HlthAe, date, Some(date), Role::Subject);
        }
        ranges.push((start, invs.len() as u32));
    }
    Plans { invs, ranges }
}

/// Families given each cohort's involvements, one in this many of those
/// who could be (an adult offender; for MARAC, a victim of domestic abuse).
const REVOLVING_DOOR_ONE_IN: usize = 12;
const MAPPA_ONE_IN: usize = 30;
const IOM_ONE_IN: usize = 12;
const MARAC_ONE_IN: usize = 3;
const ACCOMMODATION_GAP_ONE_IN: usize = 14;
const EMPLOYMENT_GAP_ONE_IN: usize = 14;

/// Adds the involvements of the cohorts a partnership asks about, from
/// their own random stream so the rest of the plan stays as it was:
/// revolving-door short sentences with recalls and housing and money
/// needs; MAPPA, IOM and MARAC management; offenders whose housing or
/// work need only probation has recorded.
pub(crate) fn add_cohorts(world: &World, plans: &mut Plans, rng: &mut Random) {
    let mut invs = Vec::with_capacity(plans.invs.len() + plans.invs.len() / 20);
    let mut ranges = Vec::with_capacity(plans.ranges.len());
    for (f, family) in world.families.iter().enumerate() {
        let start = invs.len() as u32;
        let existing = plans.of_family(f);
        invs.extend_from_slice(existing);
        let adult_offenders: Vec<u32> = family
            .members()
            .filter(|&p| world.age_on(p, world.now) >= 18)
            .filter(|&p| existing.iter().any(|i| i.person == p && i.offending()))
            .collect();
        let victims: Vec<u32> = family
            .members()
            .filter(|&p| {
                existing.iter().any(|i| i.person == p && i.svc == Svc::PoliceDomestic && i.role == Role::Victim)
            })
            .collect();
        let mut planner = Planner::new(world, rng, &mut invs);
        // The family's involvements include those just copied in.
        planner.first = start as usize;
        if let Some(&offender) = adult_offenders.first() {
            let pick = |planner: &mut Planner<'_>, one_in: usize| draw::index(planner.rng, one_in) == 0;
            if pick(&mut planner, REVOLVING_DOOR_ONE_IN) {
                planner.revolving_door(offender);
            }
            if pick(&mut planner, MAPPA_ONE_IN) {
                let begun = planner.days_before(planner.now, 60, 900);
                planner.add(offender, Svc::ProbMappa, begun, None, Role::Subject);
            }
            if pick(&mut planner, IOM_ONE_IN) {
                let begun = planner.days_before(planner.now, 30, 700);
                planner.add(offender, Svc::PoliceIom, begun, None, Role::Subject);
            }
            let housing_known = |planner: &Planner<'_>| {
                planner.out[planner.first..].iter().any(|i| i.person == offender && i.agency() == Ag::Housing)
            };
            if pick(&mut planner, ACCOMMODATION_GAP_ONE_IN) && !housing_known(&planner) {
                let date = planner.days_before(planner.now, 20, 300);
                planner.incident(offender, Svc::ProbAccommodation, date, Role::Subject);
            }
            let work_known = |planner: &Planner<'_>| {
                planner.out[planner.first..].iter().any(|i| i.person == offender && i.agency() == Ag::Jobcentre)
            };
            if pick(&mut planner, EMPLOYMENT_GAP_ONE_IN) && !work_known(&planner) {
                let date = planner.days_before(planner.now, 20, 300);
                planner.incident(offender, Svc::ProbEte, date, Role::Subject);
            }
        }
        for victim in victims {
            if draw::index(planner.rng, MARAC_ONE_IN) == 0 {
                let date = planner.days_before(planner.now, 20, 330);
                planner.incident(victim, Svc::PoliceMarac, date, Role::Victim);
            }
        }
        ranges.push((start, invs.len() as u32));
    }
    *plans = Plans { invs, ranges };
}

/// A family's members by their part in it.
struct Cast {
    mother: Option<u32>,
    father: Option<u32>,
    step: Option<u32>,
    grandparents: Vec<u32>,
    children: Vec<u32>,
    single: Option<u32>,
    main_household: u32,
}

impl Cast {
    fn of(world: &World, family: &Family) -> Cast {
        let mut cast = Cast {
            mother: None,
            father: None,
            step: None,
            grandparents: Vec::new(),
            children: Vec::new(),
            single: None,
            main_household: world.persons[family.first as usize].household,
        };
        for id in family.members() {
            let person = &world.persons[id as usize];
            match (person.member, person.sex) {
                (Member::Parent, famgraph_model::Sex::F) => cast.mother = Some(id),
                (Member::Parent, _) => cast.father = Some(id),
                (Member::StepParent, _) => cast.step = Some(id),
                (Member::Grandparent, _) => cast.grandparents.push(id),
                (Member::Child, _) => cast.children.push(id),
                (Member::Single, _) => cast.single = Some(id),
            }
        }
        // The parents' home is the family's main household.
        if let Some(parent) = cast.mother.or(cast.father).or(cast.single) {
            cast.main_household = world.persons[parent as usize].household;
        }
        cast
    }

    fn adults(&self) -> Vec<u32> {
        [self.mother, self.father, self.step, self.single].into_iter().flatten().collect()
    }
}

struct Planner<'a> {
    world: &'a World,
    rng: &'a mut Random,
    out: &'a mut Vec<Inv>,
    /// Where this family's involvements start in `out`.
    first: usize,
    now: Date,
    window_start: Date,
}

impl<'a> Planner<'a> {
    /// A planner adding to `out`, for the family whose involvements start
    /// at its current end.
    fn new(world: &'a World, rng: &'a mut Random, out: &'a mut Vec<Inv>) -> Planner<'a> {
        let first = out.len();
        Planner { world, rng, out, first, now: world.now, window_start: world.now.add_years(-HISTORY_YEARS) }
    }

    fn chance(&mut self, p: f64) -> bool {
        draw::chance(self.rng, p)
    }

    fn between(&mut self, low: i32, high: i32) -> i32 {
        draw::between(self.rng, low, high)
    }

    fn days_before(&mut self, date: Date, low: i32, high: i32) -> Date {
        date.add_days(-self.between(low, high))
    }

    fn age_on(&self, person: u32, date: Date) -> i32 {
        self.world.age_on(person, date)
    }

    /// Records an involvement if the person is of an age the service works
    /// with (moving the start up to that age if need be) and it starts by
    /// `now`; one running past `now` is open. Returns the start.
    fn add(&mut self, person: u32, svc: Svc, start: Date, end: Option<Date>, role: Role) -> Option<Date> {
        let spec = svc.spec();
        let dob = self.world.persons[person as usize].dob;
        let start = start.max(dob.add_years(spec.ages.0));
        if start > dob.add_years(spec.ages.1 + 1).add_days(-1) || start > self.now {
            return None;
        }
        let end = end.map(|e| e.max(start)).filter(|e| *e <= self.now);
        self.out.push(Inv { person, svc, start, end, role });
        Some(start)
    }

    fn spell(&mut self, person: u32, svc: Svc, start: Date, days: i32) -> Option<Date> {
        self.add(person, svc, start, Some(start.add_days(days)), Role::Subject)
    }

    fn incident(&mut self, person: u32, svc: Svc, date: Date, role: Role) -> Option<Date> {
        self.add(person, svc, date, Some(date), role)
    }

    /// An involvement running over `date`: started `lead` days before,
    /// ending `after` days after (open if that is past `now`).
    fn covering(&mut self, person: u32, svc: Svc, date: Date, lead: (i32, i32), after: (i32, i32)) -> bool {
        let start = self.days_before(date, lead.0, lead.1);
        let end = date.add_days(self.between(after.0, after.1));
        self.add(person, svc, start, Some(end), role_for(svc)).is_some_and(|s| s <= date)
    }

    /// This family's involvements so far.
    fn planned(&self) -> &[Inv] {
        &self.out[self.first..]
    }

    /// Agencies involved with members of `household` on `date`.
    fn agencies_on(&self, household: u32, date: Date) -> usize {
        let mut seen = [false; crate::catalogue::N_AGENCIES];
        let at_home = |inv: &&Inv| self.world.persons[inv.person as usize].household == household;
        for inv in self.planned().iter().filter(|i| i.covers(date)).filter(at_home) {
            seen[inv.agency().idx()] = true;
        }
        seen.iter().filter(|s| **s).count()
    }

    fn needs(&self) -> usize {
        let mut needs: Vec<Need> = self.planned().iter().map(|i| i.svc.spec().need).collect();
        needs.sort_unstable();
        needs.dedup();
        needs.len()
    }

    fn school_age_children(&self, cast: &Cast, date: Date) -> Vec<u32> {
        cast.children
            .iter()
            .copied()
            .filter(|&c| {
                (5..=16).contains(&self.age_on(c, date))
                    && self.world.persons[c as usize].household == cast.main_household
            })
            .collect()
    }

    fn standout(&mut self, cast: &Cast, family: &Family) {
        let crisis = self.days_before(self.now, 45, 240);
        let offender = cast.father.or(cast.step).or(cast.mother).expect("a standout family has a parent");
        let victim = cast.mother.filter(|m| *m != offender);
        let lead_adult = cast.mother.unwrap_or(offender);
        let teens: Vec<u32> =
            cast.children.iter().copied().filter(|&c| (12..=17).contains(&self.age_on(c, crisis))).collect();
        // The shape always holds a teenager; the eldest child stands in otherwise.
        let Some(&child) = (if teens.is_empty() { cast.children.first() } else { Some(draw::pick(self.rng, &teens)) })
        else {
            return;
        };

        // The grandparent's offending, early in the record.
        if !cast.grandparents.is_empty() && self.chance(0.65) {
            let elder = cast
                .grandparents
                .iter()
                .copied()
                .find(|&g| self.world.persons[g as usize].sex == famgraph_model::Sex::M)
                .unwrap_or(cast.grandparents[0]);
            let first = self.window_start.add_days(self.between(0, 200));
            self.incident(elder, Svc::PoliceCharge, first, Role::Perpetrator);
            let order_start = first.add_days(self.between(20, 60));
            let length = self.between(300, 540);
            self.spell(elder, Svc::ProbCommunityOrder, order_start, length);
            if self.chance(0.4) {
                self.covering(elder, Svc::HlthAlcohol, crisis, (100, 600), (60, 400));
            }
        }

        // The parent's offending, then an order running through the crisis.
        let first_offence = self.window_start.add_days(self.between(260, 700));
        self.incident(offender, Svc::PoliceCharge, first_offence, Role::Perpetrator);
        let sentence = if self.chance(0.5) { Svc::ProbSuspended } else { Svc::ProbCommunityOrder };
        let sentence_start = first_offence.add_days(self.between(14, 45));
        let length = self.between(365, 540);
        self.spell(offender, sentence, sentence_start, length);
        let current = if self.chance(0.5) { Svc::ProbLicence } else { Svc::ProbCommunityOrder };
        let current_start = self.days_before(crisis, 30, 300);
        let current_end = crisis.add_days(self.between(120, 500));
        if self.add(offender, current, current_start, Some(current_end), Role::Subject).is_some() {
            let offence = self.days_before(current_start, 10, 40);
            self.incident(offender, Svc::PoliceCharge, offence, Role::Perpetrator);
        }
        if let Some(victim) = victim {
            let n_incidents = self.between(2, 4);
            for k in 0..n_incidents {
                let date = if k == n_incidents - 1 {
                    self.days_before(crisis, 0, 45)
                } else {
                    draw::date_between(self.rng, first_offence, crisis)
                };
                self.incident(offender, Svc::PoliceDomestic, date, Role::Perpetrator);
                self.incident(victim, Svc::PoliceDomestic, date, Role::Victim);
            }
            if self.chance(0.5) {
                self.covering(offender, Svc::ProbBbr, crisis, (10, 150), (30, 200));
            }
        }

        // The child's offending, after the parent's.
        let dob = self.world.persons[child as usize].dob;
        let earliest = dob.add_years(10).add_days(self.between(0, 200));
        let first_child_offence =
            earliest.max(first_offence.add_days(self.between(200, 500))).min(crisis.add_days(-90));
        self.incident(child, Svc::PoliceCaution, first_child_offence, Role::Perpetrator);
        let caution_start = first_child_offence.add_days(self.between(3, 20));
        let length = self.between(1, 14);
        self.spell(child, Svc::YjCaution, caution_start, length);
        if self.chance(0.5) {
            let date = self.days_before(first_child_offence, 30, 200);
            self.incident(child, Svc::PoliceAsb, date, Role::Subject);
        }
        let order = if self.chance(0.5) { Svc::YjReferral } else { Svc::YjYro };
        let lead = (crisis.days() - first_child_offence.days() - 30).clamp(20, 200);
        let order_start = self.days_before(crisis, 20, lead);
        let order_end = crisis.add_days(self.between(60, 300));
        if self.add(child, order, order_start, Some(order_end), Role::Subject).is_some() {
            let offence = self.days_before(order_start, 10, 30);
            self.incident(child, Svc::PoliceCharge, offence.max(first_child_offence), Role::Perpetrator);
        }

        // Children's social care: a plan for every child at home.
        let plan = if self.chance(0.6) { Svc::CscCp } else { Svc::CscCin };
        let referral = self.days_before(crisis, 120, 500);
        let referral_length = self.between(20, 45);
        let plan_end = crisis.add_days(self.between(60, 400));
        let at_home: Vec<u32> = cast
            .children
            .iter()
            .copied()
            .filter(|&c| self.age_on(c, crisis) < 18 && self.world.persons[c as usize].household == cast.main_household)
            .collect();
        for &c in &at_home {
            self.spell(c, Svc::CscReferral, referral, referral_length);
            self.add(c, plan, referral.add_days(referral_length + 10), Some(plan_end), Role::Subject);
        }
        // Early help had the family first, and stayed.
        self.covering(lead_adult, Svc::EhKeywork, crisis, (200, 700), (30, 400));

        // The same need met by two agencies at once.
        let school_age = self.school_age_children(cast, crisis);
        let mut pairs = vec![Need::Crime, Need::SubstanceUse];
        if victim.is_some() {
            pairs.push(Need::DomesticAbuse);
        }
        if !school_age.is_empty() {
            pairs.push(Need::Education);
        }
        pairs.shuffle(self.rng);
        let n_pairs = self.between(1, 2) as usize;
        for need in pairs.into_iter().take(n_pairs) {
            match need {
                Need::Crime => {
                    self.covering(child, Svc::VolMentoring, crisis, (20, 200), (30, 200));
                }
                Need::DomesticAbuse => {
                    let v = victim.expect("a domestic abuse pair needs a victim");
                    self.covering(v, Svc::VolIdva, crisis, (10, 120), (20, 120));
                    self.covering(v, Svc::EhDomestic, crisis, (10, 200), (20, 200));
                }
                Need::Education => {
                    let c = school_age[0];
                    self.covering(c, Svc::SchAbsence, crisis, (30, 300), (30, 200));
                    self.covering(c, Svc::EhAttendance, crisis, (10, 150), (20, 150));
                }
                _ => {
                    self.covering(offender, Svc::HlthDrugs, crisis, (60, 500), (60, 400));
                    self.covering(offender, Svc::ProbDrr, crisis, (20, 200), (30, 200));
                }
            }
        }

        // More agencies around the crisis.
        let mut extras = vec![Ag::School, Ag::Housing, Ag::Health, Ag::Jobcentre, Ag::Voluntary];
        extras.shuffle(self.rng);
        let wanted = self.between(1, 4);
        let mut added = 0;
        for agency in extras {
            if added >= wanted {
                break;
            }
            let ok = match agency {
                Ag::School => {
                    let mut any = false;
                    for &c in &school_age {
                        any |= self.covering(c, Svc::SchAbsence, crisis, (30, 400), (30, 200));
                    }
                    if self.age_on(child, first_child_offence) <= 16 && self.chance(0.6) {
                        let date = self.days_before(first_child_offence, 0, 60);
                        let days = self.between(1, 5);
                        self.spell(child, Svc::SchSuspension, date, days);
                    }
                    any
                }
                Ag::Housing => {
                    let svc = if self.chance(0.6) { Svc::HsgArrears } else { Svc::HsgTemporary };
                    self.covering(lead_adult, svc, crisis, (30, 400), (30, 300))
                }
                Ag::Health => {
                    if self.chance(0.5) {
                        self.covering(lead_adult, Svc::HlthCmht, crisis, (60, 700), (60, 400))
                    } else {
                        self.covering(child, Svc::HlthCamhs, crisis, (30, 300), (30, 300))
                    }
                }
                Ag::Jobcentre => self.covering(lead_adult, Svc::JcWorkSearch, crisis, (100, 1500), (300, 900)),
                _ => match victim {
                    Some(v) if self.chance(0.5) => self.covering(v, Svc::VolWomen, crisis, (20, 200), (20, 200)),
                    _ => self.covering(child, Svc::VolMentoring, crisis, (20, 200), (30, 200)),
                },
            };
            added += i32::from(ok);
        }

        // Make sure of the picture a standout must show.
        let fallbacks = [
            (lead_adult, Svc::JcWorkSearch),
            (lead_adult, Svc::HsgArrears),
            (lead_adult, Svc::HlthCmht),
            (offender, Svc::HlthDrugs),
            (lead_adult, Svc::VolCrisis),
        ];
        for (person, svc) in fallbacks {
            if self.agencies_on(cast.main_household, crisis) > STANDOUT_MIN_AGENCIES
                && self.needs() >= STANDOUT_MIN_NEEDS
            {
                break;
            }
            if !self.planned().iter().any(|i| i.agency() == svc.spec().agency && i.covers(crisis)) {
                self.covering(person, svc, crisis, (60, 400), (60, 300));
            }
        }

        // A son of the father's name: an adult with his own record.
        if let Some((_, son)) = family.junior
            && self.age_on(son, crisis) >= 18
        {
            if self.chance(0.5) {
                let date = self.days_before(crisis, 30, 300);
                self.incident(son, Svc::PoliceCharge, date, Role::Perpetrator);
            } else {
                self.covering(son, Svc::JcWorkSearch, crisis, (30, 600), (60, 400));
            }
        }
        if let Some(&away) =
            cast.children.iter().find(|&&c| self.world.persons[c as usize].household != cast.main_household)
            && self.age_on(away, self.now) >= 18
            && self.chance(0.5)
        {
            let start = self.days_before(self.now, 60, 900);
            self.add(away, Svc::JcWorkSearch, start, None, Role::Subject);
        }
    }

    fn intergenerational(&mut self, cast: &Cast) {
        let offender = cast.father.or(cast.step).or(cast.mother).expect("a family with children has a parent");
        let first = self.window_start.add_days(self.between(0, 600));
        self.incident(offender, Svc::PoliceCharge, first, Role::Perpetrator);
        let order_start = first.add_days(self.between(14, 45));
        let length = self.between(180, 365);
        self.spell(offender, Svc::ProbCommunityOrder, order_start, length);

        let candidates: Vec<u32> = cast
            .children
            .iter()
            .copied()
            .filter(|&c| (13..=19).contains(&self.age_on(c, self.world.extracted_on)))
            .collect();
        let Some(&child) = candidates.first() else { return };
        let dob = self.world.persons[child as usize].dob;
        let youngest = dob.add_years(10).add_days(self.between(0, 365));
        let oldest = dob.add_years(18).add_days(-1).min(self.now.add_days(-30));
        let offence = youngest.max(order_start.add_days(length + self.between(100, 600))).min(oldest);
        self.incident(child, Svc::PoliceCaution, offence, Role::Perpetrator);
        let caution_start = offence.add_days(self.between(3, 20));
        let length = self.between(1, 10);
        self.spell(child, Svc::YjCaution, caution_start, length);
        if self.chance(0.3) {
            let date = self.days_before(offence, 10, 90);
            let days = self.between(1, 5);
            self.spell(child, Svc::SchSuspension, date, days);
        }
        if self.chance(0.3) {
            let date = offence.add_days(self.between(100, 400));
            self.incident(child, Svc::PoliceCharge, date, Role::Perpetrator);
        }
    }

    fn multi_agency(&mut self, cast: &Cast) {
        let crisis = self.days_before(self.now, 20, 400);
        let lead = cast.mother.or(cast.father).or(cast.step).expect("a family with children has a parent");
        let child = self
            .school_age_children(cast, crisis)
            .first()
            .copied()
            .or_else(|| cast.children.first().copied())
            .unwrap_or(lead);
        let wanted = self.between(3, 4) as usize;
        let keyworker = if self.chance(0.7) { Ag::EarlyHelp } else { Ag::Csc };
        let mut others = vec![Ag::School, Ag::Health, Ag::Housing, Ag::Jobcentre, Ag::Voluntary];
        if keyworker == Ag::EarlyHelp && self.chance(0.2) {
            others.push(Ag::Csc);
        }
        others.shuffle(self.rng);
        let mut agencies = vec![keyworker];
        agencies.extend(others);
        let mut added = 0;
        for agency in agencies {
            if added >= wanted {
                break;
            }
            let ok = match agency {
                Ag::EarlyHelp => self.covering(lead, Svc::EhKeywork, crisis, (60, 500), (30, 300)),
                Ag::Csc => self.covering(child, Svc::CscCin, crisis, (30, 400), (30, 300)),
                Ag::School => self.covering(child, Svc::SchAbsence, crisis, (30, 300), (30, 200)),
                Ag::Health => {
                    if self.chance(0.5) {
                        self.covering(child, Svc::HlthCamhs, crisis, (30, 300), (30, 300))
                    } else {
                        self.covering(lead, Svc::HlthCmht, crisis, (60, 500), (30, 300))
                    }
                }
                Ag::Housing => self.covering(lead, Svc::HsgArrears, crisis, (30, 300), (30, 200)),
                Ag::Jobcentre => self.covering(lead, Svc::JcWorkSearch, crisis, (60, 900), (60, 600)),
                _ => {
                    let svc = if self.chance(0.5) { Svc::VolCrisis } else { Svc::VolWomen };
                    self.covering(lead, svc, crisis, (10, 200), (10, 200))
                }
            };
            added += usize::from(ok);
        }
    }

    fn single_offender(&mut self, cast: &Cast) {
        let Some(person) = cast.single else { return };
        let first = self.window_start.add_days(self.between(0, 1900));
        self.incident(person, Svc::PoliceCharge, first, Role::Perpetrator);
        let order = if self.chance(0.5) { Svc::ProbCommunityOrder } else { Svc::ProbSuspended };
        let start = first.add_days(self.between(14, 45));
        let end = start.add_days(self.between(180, 540));
        self.add(person, order, start, Some(end), Role::Subject);
        if self.chance(0.4) {
            let svc = if self.chance(0.6) { Svc::HlthDrugs } else { Svc::HlthAlcohol };
            let start = first.add_days(self.between(-200, 300));
            let days = self.between(90, 400);
            self.spell(person, svc, start, days);
        }
        if self.chance(0.3) {
            let date = first.add_days(self.between(300, 900));
            self.incident(person, Svc::PoliceCaution, date, Role::Perpetrator);
        }
    }

    fn hostel(&mut self, cast: &Cast) {
        let Some(person) = cast.single else { return };
        let arrived = self.days_before(self.now, 30, 900);
        if self.chance(0.7) {
            self.add(person, Svc::HsgTemporary, arrived, None, Role::Subject);
        } else {
            let applied = self.days_before(arrived, 10, 60);
            let days = self.between(30, 90);
            self.spell(person, Svc::HsgHomeless, applied, days);
        }
        if self.chance(0.45) {
            let released = self.days_before(arrived, 0, 400);
            let offence = self.days_before(released, 100, 400);
            self.incident(person, Svc::PoliceCharge, offence, Role::Perpetrator);
            let end = released.add_days(self.between(180, 720));
            self.add(person, Svc::ProbLicence, released, Some(end), Role::Subject);
        }
        if self.chance(0.35) {
            let svc = if self.chance(0.6) { Svc::HlthDrugs } else { Svc::HlthAlcohol };
            let start = arrived.add_days(self.between(-100, 200));
            let days = self.between(60, 500);
            self.spell(person, svc, start, days);
        }
        if self.chance(0.5) {
            let start = arrived.add_days(self.between(0, 60));
            self.add(person, Svc::JcWorkSearch, start, None, Role::Subject);
        }
        if self.chance(0.15) {
            let start = self.days_before(arrived, 0, 30);
            let days = self.between(60, 180);
            self.spell(person, Svc::VolResettlement, start, days);
        }
    }

    fn ordinary(&mut self, cast: &Cast, family: &Family) {
        let mut agencies: Vec<Ag> = Vec::new();
        // Twins and a father and son of one name are only a hazard if
        // agencies see both: give them the same episode.
        if let Some((a, b)) = family.twins {
            let start = self.days_before(self.now, 10, 1500);
            let age = self.age_on(a, start);
            let (svc, days) = match age {
                ..=1 => (Svc::HlthVisiting, self.between(90, 365)),
                2..=4 => (Svc::EhEarlyYears, self.between(60, 200)),
                _ => (Svc::SchAbsence, self.between(60, 300)),
            };
            for twin in [a, b] {
                self.spell(twin, svc, start, days);
            }
            agencies.push(svc.spec().agency);
        }
        if let Some((father, son)) = family.junior {
            let date = self.days_before(self.now, 10, 1500);
            if self.age_on(son, date) >= 18 && self.chance(0.5) {
                let days = self.between(90, 500);
                self.spell(father, Svc::JcWorkSearch, date, days);
                let son_start = date.add_days(self.between(0, 200));
                let days = self.between(60, 300);
                self.spell(son, Svc::JcWorkSearch, son_start, days);
                agencies.push(Ag::Jobcentre);
            } else {
                // A burglary at the home: both victims of one crime.
                self.incident(father, Svc::PoliceVictim, date, Role::Victim);
                self.incident(son, Svc::PoliceVictim, date, Role::Victim);
                agencies.push(Ag::Police);
            }
        }
        let episodes = if self.chance(0.35) { 2 } else { 1 };
        for _ in 0..episodes {
            if agencies.len() >= 2 {
                break;
            }
            let start = self.days_before(self.now, 10, 2000);
            let mut menu: Vec<(u32, Svc, i32)> = Vec::new();
            for &c in &cast.children {
                if self.world.persons[c as usize].household != cast.main_household {
                    continue;
                }
                match self.age_on(c, start) {
                    0..=1 => menu.push((c, Svc::HlthVisiting, self.between(90, 365))),
                    2..=3 => {
                        let svc = if self.chance(0.5) { Svc::SchTwoYear } else { Svc::EhEarlyYears };
                        menu.push((c, svc, self.between(90, 300)));
                    }
                    5..=16 => {
                        let (svc, days) = match draw::index(self.rng, 4) {
                            0 | 1 => (Svc::SchAbsence, self.between(60, 300)),
                            2 => (Svc::SchSuspension, self.between(1, 5)),
                            _ => (Svc::EhAttendance, self.between(30, 120)),
                        };
                        menu.push((c, svc, days));
                        if self.age_on(c, start) >= 10 {
                            let (svc, days) = match draw::index(self.rng, 3) {
                                0 => (Svc::PoliceAsb, 0),
                                1 => (Svc::HlthCamhs, self.between(60, 300)),
                                _ => (Svc::CscReferral, self.between(7, 45)),
                            };
                            menu.push((c, svc, days));
                        }
                    }
                    _ => {}
                }
            }
            for adult in cast.adults() {
                let (svc, days) = match draw::index(self.rng, 9) {
                    0 | 1 => (Svc::JcWorkSearch, self.between(90, 600)),
                    2 => (Svc::HlthAe, 0),
                    3 => (Svc::HlthCmht, self.between(90, 365)),
                    4 => (Svc::HsgHomeless, self.between(30, 120)),
                    5 => (Svc::PoliceVictim, 0),
                    6 => (Svc::EhParenting, self.between(60, 120)),
                    7 => (Svc::VolCrisis, self.between(1, 30)),
                    _ => (Svc::EhMoney, self.between(30, 90)),
                };
                menu.push((adult, svc, days));
            }
            if menu.is_empty() {
                continue;
            }
            let (person, svc, days) = *draw::pick(self.rng, &menu);
            let agency = svc.spec().agency;
            if !agencies.contains(&agency) && agencies.len() >= 2 {
                continue;
            }
            let role = role_for(svc);
            // Universal Credit claims often run on: a third are still open.
            let end = if svc == Svc::JcWorkSearch && self.chance(0.3) { None } else { Some(start.add_days(days)) };
            if self.add(person, svc, start, end, role).is_some() && !agencies.contains(&agency) {
                agencies.push(agency);
            }
        }
    }
}

/// The role an agency records for a service's usual subject.
impl Planner<'_> {
    /// Short sentences, each followed by licence, with recalls, and the
    /// housing and money needs that come with them, over three years.
    fn revolving_door(&mut self, person: u32) {
        let mut date = self.days_before(self.now, 1000, 1080);
        let sentences = self.between(3, 4);
        for n in 0..sentences {
            let weeks = self.between(4, 20);
            if self.spell(person, Svc::ProbCustody, date, weeks * 7).is_none() {
                return;
            }
            let released = date.add_days(weeks * 7);
            let licence_days = self.between(84, 180);
            self.spell(person, Svc::ProbLicence, released.add_days(1), licence_days);
            if n % 2 == 0 {
                let recalled = released.add_days(self.between(20, 70));
                self.incident(person, Svc::ProbRecall, recalled, Role::Subject);
            }
            date = released.add_days(self.between(60, 200));
        }
        let homeless = self.days_before(self.now, 30, 400);
        self.incident(person, Svc::HsgHomeless, homeless, Role::Subject);
        let claim = self.days_before(self.now, 60, 500);
        self.add(person, Svc::JcWorkSearch, claim, None, Role::Subject);
    }
}

fn role_for(svc: Svc) -> Role {
    match svc {
        Svc::PoliceVictim | Svc::VolIdva | Svc::EhDomestic | Svc::PoliceMarac => Role::Victim,
        _ => Role::Subject,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::{Stage, stage_rng};
    use crate::world;

    #[test]
    fn plans_respect_ages_and_dates() {
        let extracted_on = Date::from_ymd(2024, 3, 31).expect("a real day");
        let now = extracted_on.add_days(-6);
        let world = world::build(600, extracted_on, now, &mut stage_rng(1, Stage::World));
        let plans = plan(&world, &mut stage_rng(1, Stage::Plans));
        for inv in &plans.invs {
            let spec = inv.svc.spec();
            let age = world.age_on(inv.person, inv.start);
            assert!(age >= spec.ages.0 && age <= spec.ages.1, "{:?} at {age}", inv.svc);
            assert!(inv.start <= now && inv.end.is_none_or(|e| e >= inv.start && e <= now));
        }
        for (f, family) in world.families.iter().enumerate() {
            assert!(!plans.of_family(f).is_empty(), "family {f} ({:?}) has no involvement", family.kind);
        }
    }
}
