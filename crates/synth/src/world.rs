//! The true population: families (kin) of one to three generations, the
//! households they live in, and the ties between them. Nothing here is
//! what an agency sees; `records` turns it into agencies' views.
//!
//! Family kinds are dealt out by count, not by chance per family, so a
//! bundle of 600 families always holds its planted standouts and decoys.

use famgraph_model::{Date, NhsNumber, RelationshipKind, Sex};
use rand::Rng;
use rand::seq::SliceRandom;

use crate::draw::{self, Random};
use crate::names::{GivenNames, Surnames};
use crate::places::Places;

/// Why a family was generated: the shortlist should find the standouts
/// and pass over the decoys, which each show only part of the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FamilyKind {
    /// Three generations, offending down the generations, many agencies
    /// at once, the same need met twice, several keyworkers, many needs.
    Standout,
    /// Decoy: a parent's and a child's offending, but few agencies and needs.
    Intergenerational,
    /// Decoy: three or four agencies at once, no offending.
    MultiAgency,
    /// Decoy: one adult with a record of offending.
    SingleOffender,
    /// One of several unrelated adults at a hostel address.
    Hostel,
    /// One or two short involvements with one or two agencies.
    Ordinary,
}

impl FamilyKind {
    pub(crate) fn code(self) -> &'static str {
        match self {
            FamilyKind::Standout => "standout",
            FamilyKind::Intergenerational => "intergenerational",
            FamilyKind::MultiAgency => "multi_agency",
            FamilyKind::SingleOffender => "single_offender",
            FamilyKind::Hostel => "hostel",
            FamilyKind::Ordinary => "ordinary",
        }
    }
}

/// One standout family in this many (about 10 in 600).
pub(crate) const FAMILIES_PER_STANDOUT: usize = 60;
/// Decoys per hundred families.
const INTERGENERATIONAL_PER_100: usize = 5;
const MULTI_AGENCY_PER_100: usize = 5;
const SINGLE_OFFENDER_PER_100: usize = 3;
/// One hostel per this many families, at least two in a bundle of 150 or more.
const FAMILIES_PER_HOSTEL: usize = 200;
/// Residents of one hostel.
const HOSTEL_RESIDENTS: (i32, i32) = (6, 15);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    Grandparent,
    Parent,
    StepParent,
    Child,
    /// A family of one: a hostel resident or a single adult.
    Single,
}

pub(crate) struct Person {
    pub family: u32,
    /// 1 for the eldest generation in the family.
    pub generation: u8,
    pub member: Member,
    pub sex: Sex,
    pub given: &'static str,
    /// Legal surname now.
    pub surname: u32,
    /// A surname used before (a maiden name, a former married name).
    pub former_surname: Option<u32>,
    /// A step-parent's surname some agencies (schools) know the child by.
    pub known_as: Option<u32>,
    pub dob: Date,
    pub nhs: NhsNumber,
    pub household: u32,
}

pub(crate) struct Household {
    pub address: u32,
    /// The address before a move, and the day of the move.
    pub moved: Option<(u32, Date)>,
    /// A hostel room, for agencies that record it.
    pub room: u8,
}

impl Household {
    /// Where the household lived on `date`.
    pub(crate) fn address_on(&self, date: Date) -> u32 {
        match self.moved {
            Some((old, moved_on)) if date < moved_on => old,
            _ => self.address,
        }
    }
}

/// A true relationship between two people, as an agency would record it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tie {
    pub from: u32,
    pub kind: RelationshipKind,
    pub to: u32,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

pub(crate) struct Family {
    pub kind: FamilyKind,
    /// Members are `first..first + len` in `World::persons`.
    pub first: u32,
    pub len: u32,
    pub ties: Vec<Tie>,
    pub twins: Option<(u32, u32)>,
    /// A father and his son of the same given name at one address.
    pub junior: Option<(u32, u32)>,
    /// The hostel's address, for hostel residents.
    pub hostel: Option<u32>,
}

impl Family {
    pub(crate) fn members(&self) -> std::ops::Range<u32> {
        self.first..self.first + self.len
    }
}

pub(crate) struct World {
    /// The configured extract date.
    pub extracted_on: Date,
    /// The earliest agency extract date: nothing happens after it.
    pub now: Date,
    pub persons: Vec<Person>,
    pub families: Vec<Family>,
    pub households: Vec<Household>,
    pub places: Places,
    pub surnames: Surnames,
}

impl World {
    pub(crate) fn age_on(&self, person: u32, date: Date) -> i32 {
        self.persons[person as usize].dob.age_on(date)
    }
}

/// Builds the population of `n_families` families.
pub(crate) fn build(n_families: usize, extracted_on: Date, now: Date, rng: &mut Random) -> World {
    let mut world = World {
        extracted_on,
        now,
        persons: Vec::with_capacity(n_families * 4),
        families: Vec::with_capacity(n_families),
        households: Vec::with_capacity(n_families * 2),
        places: Places::new(rng, n_families),
        surnames: Surnames::new(),
    };
    let given_names = GivenNames::new();
    let (kinds, hostel_of) = deal_kinds(n_families, rng);
    let hostels: Vec<u32> = (0..hostel_of.iter().flatten().map(|h| h + 1).max().unwrap_or(0))
        .map(|n| world.places.hostel(rng, n as usize))
        .collect();
    let mut nhs_used = std::collections::HashSet::with_capacity(n_families * 4);
    for (family, kind) in kinds.into_iter().enumerate() {
        let hostel = hostel_of[family].map(|h| hostels[h as usize]);
        let mut maker = Maker {
            world: &mut world,
            rng,
            names: &given_names,
            nhs_used: &mut nhs_used,
            family: family as u32,
            first: 0,
            ties: Vec::new(),
        };
        maker.make(kind, hostel);
    }
    world
}

/// Kinds by count, shuffled; and for hostel residents, which hostel.
fn deal_kinds(n: usize, rng: &mut Random) -> (Vec<FamilyKind>, Vec<Option<u32>>) {
    let n_standout = (n + FAMILIES_PER_STANDOUT / 2) / FAMILIES_PER_STANDOUT;
    let n_hostels = match n {
        150.. => (n / FAMILIES_PER_HOSTEL).max(2),
        50.. => 1,
        _ => 0,
    };
    let mut hostel_slots: Vec<u32> = Vec::new();
    for hostel in 0..n_hostels {
        let residents = draw::between(rng, HOSTEL_RESIDENTS.0, HOSTEL_RESIDENTS.1);
        hostel_slots.extend(std::iter::repeat_n(hostel as u32, residents as usize));
    }
    let mut kinds = Vec::with_capacity(n);
    let push = |kind: FamilyKind, count: usize, kinds: &mut Vec<FamilyKind>| {
        let count = count.min(n - kinds.len());
        kinds.extend(std::iter::repeat_n(kind, count));
    };
    push(FamilyKind::Standout, n_standout, &mut kinds);
    push(FamilyKind::Intergenerational, n * INTERGENERATIONAL_PER_100 / 100, &mut kinds);
    push(FamilyKind::MultiAgency, n * MULTI_AGENCY_PER_100 / 100, &mut kinds);
    push(FamilyKind::SingleOffender, n * SINGLE_OFFENDER_PER_100 / 100, &mut kinds);
    hostel_slots.truncate(n - kinds.len());
    push(FamilyKind::Hostel, hostel_slots.len(), &mut kinds);
    push(FamilyKind::Ordinary, n, &mut kinds);
    kinds.shuffle(rng);
    let mut slots = hostel_slots.into_iter();
    let hostel_of = kinds.iter().map(|k| if *k == FamilyKind::Hostel { slots.next() } else { None }).collect();
    (kinds, hostel_of)
}

/// What a family is made of, decided before anyone is made.
#[derive(Default)]
#[allow(clippy::struct_excessive_bools)] // independent features of a family, not a state
struct Shape {
    grandparents: u8,
    /// The grandparents are the father's parents (else the mother's).
    paternal: bool,
    grandparents_with_family: bool,
    /// A grandparent cares for a grandchild as a parent would.
    kinship_care: bool,
    /// Two adults bring the children up (else a lone parent).
    couple: bool,
    lone_father: bool,
    step_parent: bool,
    married: bool,
    /// Children's ages on the extract date, the first meeting the kind's need.
    child_ages: Vec<i32>,
    twins: bool,
    junior: bool,
    adult_child_away: bool,
    father_left: bool,
    moved: bool,
}

struct Maker<'a> {
    world: &'a mut World,
    rng: &'a mut Random,
    names: &'a GivenNames,
    nhs_used: &'a mut std::collections::HashSet<u64>,
    family: u32,
    first: u32,
    ties: Vec<Tie>,
}

impl Maker<'_> {
    fn make(&mut self, kind: FamilyKind, hostel: Option<u32>) {
        self.first = self.world.persons.len() as u32;
        let (twins, junior) = match kind {
            FamilyKind::Hostel | FamilyKind::SingleOffender => {
                self.single(kind, hostel);
                (None, None)
            }
            _ => {
                let shape = self.shape(kind);
                self.compose(&shape)
            }
        };
        let len = self.world.persons.len() as u32 - self.first;
        self.world.families.push(Family {
            kind,
            first: self.first,
            len,
            ties: std::mem::take(&mut self.ties),
            twins,
            junior,
            hostel,
        });
    }

    fn chance(&mut self, p: f64) -> bool {
        draw::chance(self.rng, p)
    }

    fn between(&mut self, low: i32, high: i32) -> i32 {
        draw::between(self.rng, low, high)
    }

    fn shape(&mut self, kind: FamilyKind) -> Shape {
        let mut shape = Shape::default();
        let (first_child, n_children) = match kind {
            FamilyKind::Standout => ((13, 17), self.between(2, 5)),
            FamilyKind::Intergenerational => ((13, 19), self.between(1, 4)),
            FamilyKind::MultiAgency => ((5, 15), self.between(1, 4)),
            _ => {
                let n = [0, 1, 1, 2, 2, 2, 3, 3, 4, 5][draw::index(self.rng, 10)];
                ((0, 17), n)
            }
        };
        shape.child_ages = self.child_ages(first_child, n_children);
        let has_children = !shape.child_ages.is_empty();
        match kind {
            FamilyKind::Standout => {
                shape.grandparents = if self.chance(0.5) { 2 } else { 1 };
                shape.grandparents_with_family = self.chance(0.35);
                shape.kinship_care = self.chance(0.3);
                shape.couple = self.chance(0.85);
                shape.step_parent = shape.couple && self.chance(0.35);
                shape.twins = self.chance(0.1);
                shape.junior = self.chance(0.25);
                shape.adult_child_away = self.chance(0.3);
                shape.father_left = self.chance(0.25);
                shape.moved = self.chance(0.45);
            }
            FamilyKind::Intergenerational => {
                shape.grandparents = u8::from(self.chance(0.1));
                shape.couple = self.chance(0.6);
                shape.step_parent = shape.couple && self.chance(0.2);
                shape.twins = self.chance(0.03);
                shape.junior = self.chance(0.15);
                shape.father_left = self.chance(0.1);
                shape.moved = self.chance(0.2);
            }
            FamilyKind::MultiAgency => {
                shape.grandparents = u8::from(self.chance(0.1));
                shape.couple = self.chance(0.6);
                shape.step_parent = shape.couple && self.chance(0.15);
                shape.twins = self.chance(0.04);
                shape.moved = self.chance(0.25);
            }
            _ => {
                shape.grandparents = if self.chance(0.08) { self.between(1, 2) as u8 } else { 0 };
                shape.grandparents_with_family = self.chance(0.4);
                shape.couple = !has_children || self.chance(0.7);
                shape.step_parent = shape.couple && has_children && self.chance(0.12);
                shape.twins = self.chance(0.03);
                shape.junior = self.chance(0.03);
                shape.adult_child_away = self.chance(0.08);
                shape.father_left = has_children && self.chance(0.04);
                shape.moved = self.chance(0.15);
            }
        }
        shape.lone_father = !shape.couple && self.chance(0.12);
        shape.married = self.chance(0.55);
        // A standout's grandparents are the father's parents, so offending
        // can run down one line: grandfather, father, son.
        shape.paternal = shape.couple && !shape.step_parent && (kind == FamilyKind::Standout || self.chance(0.5));
        if shape.twins && !shape.child_ages.iter().any(|a| *a <= 15) {
            shape.twins = false;
        }
        // A junior needs a father at home; he is an extra son aged 16 to 24.
        shape.junior &= (shape.couple && !shape.step_parent && !shape.father_left) || shape.lone_father;
        if shape.junior {
            let age = self.between(16, 24);
            shape.child_ages.push(age);
        }
        if shape.adult_child_away {
            let age = self.between(19, 28);
            shape.child_ages.push(age);
        }
        shape.father_left &= shape.couple;
        shape
    }

    fn child_ages(&mut self, first: (i32, i32), n: i32) -> Vec<i32> {
        let mut ages = Vec::with_capacity(n as usize + 2);
        if n == 0 {
            return ages;
        }
        ages.push(self.between(first.0, first.1));
        for _ in 1..n {
            for _ in 0..10 {
                let age = self.between(0, 17);
                if !ages.contains(&age) {
                    ages.push(age);
                    break;
                }
            }
        }
        ages
    }

    /// A date of birth for someone `age` years old on the extract date,
    /// no later than a month before the earliest extract.
    fn dob_aged(&mut self, age: i32) -> Date {
        let latest = self.world.now.add_days(-30);
        let dob = self.world.extracted_on.add_years(-age).add_days(-self.between(0, 364));
        if dob > latest { latest.add_days(-self.between(0, 200)) } else { dob }
    }

    fn nhs_number(&mut self) -> NhsNumber {
        loop {
            // England's NHS numbers run from 400 000 000 and 600 000 000 up.
            let nine = if self.chance(0.5) {
                self.rng.random_range(400_000_000..500_000_000)
            } else {
                self.rng.random_range(600_000_000..800_000_000)
            };
            if let Some(nhs) = NhsNumber::from_nine_digits(nine)
                && self.nhs_used.insert(nhs.value())
            {
                return nhs;
            }
        }
    }

    fn household(&mut self, address: u32) -> u32 {
        self.world.households.push(Household { address, moved: None, room: 0 });
        (self.world.households.len() - 1) as u32
    }

    #[allow(clippy::too_many_arguments)] // a person's true attributes, all needed, none optional
    fn person(
        &mut self,
        generation: u8,
        member: Member,
        sex: Sex,
        given: &'static str,
        surname: u32,
        dob: Date,
        household: u32,
    ) -> u32 {
        let nhs = self.nhs_number();
        self.world.persons.push(Person {
            family: self.family,
            generation,
            member,
            sex,
            given,
            surname,
            former_surname: None,
            known_as: None,
            dob,
            nhs,
            household,
        });
        (self.world.persons.len() - 1) as u32
    }

    fn tie(&mut self, from: u32, kind: RelationshipKind, to: u32, start: Option<Date>, end: Option<Date>) {
        self.ties.push(Tie { from, kind, to, start, end });
    }

    fn adult_sex(&mut self, p_male: f64) -> Sex {
        if self.chance(p_male) { Sex::M } else { Sex::F }
    }

    /// A family of one: a hostel resident or a single adult with a record.
    fn single(&mut self, kind: FamilyKind, hostel: Option<u32>) {
        let (ages, p_male) = if kind == FamilyKind::Hostel { ((18, 60), 0.75) } else { ((18, 50), 0.8) };
        let age = self.between(ages.0, ages.1);
        let dob = self.dob_aged(age);
        let sex = self.adult_sex(p_male);
        let given = self.names.draw(self.rng, sex, dob.year());
        let surname = self.world.surnames.draw(self.rng);
        let household = match hostel {
            Some(address) => {
                let h = self.household(address);
                self.world.households[h as usize].room = self.between(1, 24) as u8;
                h
            }
            None => {
                let address = self.world.places.allocate(self.rng);
                let h = self.household(address);
                if self.chance(0.2) {
                    self.move_household(h);
                }
                h
            }
        };
        self.person(1, Member::Single, sex, given, surname, dob, household);
    }

    /// Gives a household a previous address and the day it moved.
    fn move_household(&mut self, household: u32) {
        let address = self.world.households[household as usize].address;
        let old = self.world.places.near(self.rng, address);
        let moved_on = self.world.now.add_days(-self.between(60, 1100));
        self.world.households[household as usize].moved = Some((old, moved_on));
    }

    fn compose(&mut self, shape: &Shape) -> (Option<Pair>, Option<Pair>) {
        let w_now = self.world.now;
        let has_gp = shape.grandparents > 0;
        let (g_parent, g_child) = if has_gp { (2, 3) } else { (1, 2) };
        let oldest_child = shape.child_ages.iter().copied().max().unwrap_or(0);
        let youngest_child = shape.child_ages.iter().copied().min().unwrap_or(0);

        // Surnames: the father's line, the mother's birth name, and for a
        // step family the absent father's and the step-parent's.
        let father_name = self.world.surnames.draw(self.rng);
        let mother_birth = self.world.surnames.draw_other(self.rng, father_name);
        let absent_father = self.world.surnames.draw_other(self.rng, mother_birth);
        let step_name = self.world.surnames.draw_other(self.rng, mother_birth);

        let address = self.world.places.allocate(self.rng);
        let main = self.household(address);
        if shape.moved {
            self.move_household(main);
        }

        // Ages: parents old enough for their eldest, grandparents for them.
        let mother_age = (oldest_child + self.between(18, 33)).clamp(19, 58).max(youngest_child + 16);
        let mother_dob = self.dob_aged(mother_age);
        let father_age = (mother_age + self.between(-3, 7)).max(oldest_child + 17).max(18);
        let father_dob = self.dob_aged(father_age);

        let mut mother = None;
        let mut father = None;
        let mut step = None;
        let bio_father_present = (shape.couple && !shape.step_parent) || shape.lone_father;
        let children_surname = if bio_father_present {
            if shape.married || shape.lone_father || self.chance(0.7) {
                father_name
            } else if self.chance(0.6) {
                mother_birth
            } else {
                let compound =
                    format!("{}-{}", self.world.surnames.get(mother_birth), self.world.surnames.get(father_name));
                self.world.surnames.intern(compound)
            }
        } else if self.chance(0.6) {
            absent_father
        } else {
            mother_birth
        };

        if !shape.lone_father {
            let given = self.names.draw(self.rng, Sex::F, mother_dob.year());
            let id = self.person(g_parent, Member::Parent, Sex::F, given, mother_birth, mother_dob, main);
            let p = &mut self.world.persons[id as usize];
            if shape.couple && shape.married {
                if shape.step_parent {
                    p.surname = step_name;
                    // She had taken the children's father's name before.
                    p.former_surname =
                        Some(if children_surname == absent_father { absent_father } else { mother_birth });
                } else {
                    p.surname = father_name;
                    p.former_surname = Some(mother_birth);
                }
            } else if !shape.couple && children_surname == absent_father && draw::chance(self.rng, 0.4) {
                // A lone mother still using her former married name.
                p.surname = absent_father;
                p.former_surname = Some(mother_birth);
            }
            mother = Some(id);
        }
        if bio_father_present {
            let given = self.names.draw(self.rng, Sex::M, father_dob.year());
            father = Some(self.person(g_parent, Member::Parent, Sex::M, given, father_name, father_dob, main));
        } else if shape.step_parent {
            let age = (mother_age + self.between(-6, 8)).max(20);
            let dob = self.dob_aged(age);
            let given = self.names.draw(self.rng, Sex::M, dob.year());
            step = Some(self.person(g_parent, Member::StepParent, Sex::M, given, step_name, dob, main));
        }
        let partner = father.filter(|_| shape.couple).or(step);
        let eldest_birth = self.world.extracted_on.add_years(-oldest_child);

        // The partner who left after the relationship ended lives near.
        let mut left_on = None;
        if shape.father_left
            && let Some(man) = partner
        {
            let left = w_now.add_days(-self.between(30, 700));
            let previous = self.world.households[main as usize].address_on(left);
            let new_address = self.world.places.near(self.rng, previous);
            let own = self.household(new_address);
            self.world.households[own as usize].moved = Some((previous, left));
            self.world.persons[man as usize].household = own;
            left_on = Some(left);
        }
        if let (Some(m), Some(p)) = (mother, partner) {
            let start = if step.is_some() {
                Some(date_between(self.rng, eldest_birth.add_days(200), w_now.add_days(-365)))
            } else if self.chance(0.5) {
                Some(eldest_birth.add_days(-self.between(200, 2500)))
            } else {
                None
            };
            let (from, to) = if self.chance(0.5) { (m, p) } else { (p, m) };
            // An ending recorded before the recorded start would be no record at all.
            let end = left_on.filter(|left| start.is_none_or(|s| *left > s));
            self.tie(from, RelationshipKind::PartnerOf, to, start, end);
        }

        // Children.
        let mut children: Vec<u32> = Vec::new();
        let mut taken: Vec<&'static str> = Vec::new();
        let mut junior = None;
        let junior_age = if shape.junior {
            let n = shape.child_ages.len();
            Some(shape.child_ages[if shape.adult_child_away { n - 2 } else { n - 1 }])
        } else {
            None
        };
        for (i, &age) in shape.child_ages.iter().enumerate() {
            let is_away = shape.adult_child_away && i == shape.child_ages.len() - 1;
            let is_junior = shape.junior && Some(age) == junior_age && junior.is_none() && !is_away;
            let dob = self.dob_aged(age);
            let sex = if is_junior || self.chance(0.5) { Sex::M } else { Sex::F };
            let given = match (is_junior, father) {
                (true, Some(f)) => self.world.persons[f as usize].given,
                _ => self.names.draw_unlike(self.rng, sex, dob.year(), &taken),
            };
            taken.push(given);
            let household = if is_away {
                let own_address = self.world.places.near(self.rng, address);
                let own = self.household(own_address);
                // Left home at 18 or later: agencies that last saw them
                // before still hold the family's address.
                let earliest = dob.add_years(18).max(w_now.add_days(-1500));
                if earliest < w_now.add_days(-60) {
                    let left = date_between(self.rng, earliest, w_now.add_days(-60));
                    let previous = self.world.households[main as usize].address_on(left);
                    self.world.households[own as usize].moved = Some((previous, left));
                }
                own
            } else {
                main
            };
            let id = self.person(g_child, Member::Child, sex, given, children_surname, dob, household);
            if step.is_some() && !is_away && self.chance(0.7) {
                self.world.persons[id as usize].known_as = Some(step_name);
            }
            if is_junior {
                junior = father.map(|f| (f, id));
            }
            children.push(id);
        }
        let mut twins = None;
        if shape.twins
            && let Some(&elder) = children.iter().find(|&&c| {
                let p = &self.world.persons[c as usize];
                p.dob.age_on(self.world.extracted_on) <= 15 && p.household == main
            })
        {
            let (dob, surname, known_as) = {
                let p = &self.world.persons[elder as usize];
                (p.dob, p.surname, p.known_as)
            };
            let sex = if self.chance(0.5) { Sex::M } else { Sex::F };
            let given = self.names.draw_unlike(self.rng, sex, dob.year(), &taken);
            let id = self.person(g_child, Member::Child, sex, given, surname, dob, main);
            self.world.persons[id as usize].known_as = known_as;
            children.push(id);
            twins = Some((elder, id));
        }
        for &child in &children {
            for parent in [mother, father].into_iter().flatten() {
                self.tie(parent, RelationshipKind::ParentOf, child, None, None);
            }
            if let Some(s) = step
                && self.world.persons[child as usize].household == main
            {
                let start = self.ties.iter().find(|t| t.kind == RelationshipKind::PartnerOf).and_then(|t| t.start);
                self.tie(s, RelationshipKind::CarerOf, child, start, None);
            }
        }
        for (i, &a) in children.iter().enumerate() {
            for &b in &children[i + 1..] {
                self.tie(a, RelationshipKind::SiblingOf, b, None, None);
            }
        }

        // Grandparents: the parents of the father or of the mother.
        if has_gp {
            let paternal = father.filter(|_| shape.paternal || mother.is_none());
            let (their_child, line_surname) = match (paternal, mother) {
                (Some(f), _) => (f, father_name),
                (None, Some(m)) => (m, mother_birth),
                (None, None) => unreachable!("a family has a mother or a father"),
            };
            let child_age = self.world.age_on(their_child, self.world.extracted_on);
            let gp_household = if shape.grandparents_with_family {
                main
            } else {
                let near = self.world.places.near(self.rng, address);
                self.household(near)
            };
            let mut gps = Vec::new();
            for n in 0..shape.grandparents {
                let sex = if n == 0 { self.adult_sex(0.5) } else { opposite(self.world.persons[gps[0] as usize].sex) };
                let age =
                    (child_age + self.between(19, 32) + if sex == Sex::M { self.between(0, 4) } else { 0 }).min(88);
                let dob = self.dob_aged(age);
                let given = self.names.draw(self.rng, sex, dob.year());
                let id = self.person(1, Member::Grandparent, sex, given, line_surname, dob, gp_household);
                if sex == Sex::F && shape.grandparents == 2 {
                    self.world.persons[id as usize].former_surname = Some(self.world.surnames.draw(self.rng));
                }
                self.tie(id, RelationshipKind::ParentOf, their_child, None, None);
                gps.push(id);
            }
            if let [a, b] = gps[..] {
                self.tie(a, RelationshipKind::PartnerOf, b, None, None);
            }
            if shape.kinship_care
                && let Some(&child) = children.iter().find(|&&c| self.world.age_on(c, w_now) < 18)
            {
                let start = Some(date_between(self.rng, w_now.add_days(-1500), w_now.add_days(-100)));
                self.tie(gps[0], RelationshipKind::CarerOf, child, start, None);
            }
        }
        (twins, junior)
    }
}

/// Two people of one family: twins, or a father and his son.
type Pair = (u32, u32);

fn opposite(sex: Sex) -> Sex {
    if sex == Sex::M { Sex::F } else { Sex::M }
}

fn date_between(rng: &mut Random, first: Date, last: Date) -> Date {
    draw::date_between(rng, first.min(last), last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::{Stage, stage_rng};

    #[test]
    fn kinds_are_dealt_by_count() {
        let mut rng = stage_rng(1, Stage::World);
        let (kinds, hostel_of) = deal_kinds(600, &mut rng);
        let count = |k| kinds.iter().filter(|x| **x == k).count();
        assert_eq!(kinds.len(), 600);
        assert_eq!(count(FamilyKind::Standout), 10);
        assert_eq!(count(FamilyKind::Intergenerational), 30);
        assert_eq!(count(FamilyKind::MultiAgency), 30);
        assert_eq!(count(FamilyKind::SingleOffender), 18);
        assert!((18..=45).contains(&count(FamilyKind::Hostel)));
        assert_eq!(hostel_of.iter().flatten().count(), count(FamilyKind::Hostel));
    }

    #[test]
    fn standout_families_have_three_generations_and_a_teenager() {
        let extracted_on = Date::from_ymd(2024, 3, 31).expect("a real day");
        let mut rng = stage_rng(4, Stage::World);
        let world = build(600, extracted_on, extracted_on.add_days(-6), &mut rng);
        let mut n = 0;
        for family in world.families.iter().filter(|f| f.kind == FamilyKind::Standout) {
            n += 1;
            let members: Vec<&Person> = family.members().map(|p| &world.persons[p as usize]).collect();
            assert!(members.iter().any(|p| p.generation == 1 && p.member == Member::Grandparent));
            assert!(
                members
                    .iter()
                    .any(|p| { p.member == Member::Child && (13..=17).contains(&p.dob.age_on(extracted_on)) })
            );
        }
        assert_eq!(n, 10);
        for person in &world.persons {
            assert!(person.dob <= world.now.add_days(-30));
        }
    }
}
