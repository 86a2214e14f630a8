//! Each agency's view of the people it works with: a record per person
//! it holds (now and then two or three: `duplicates`), under its own id
//! scheme, with the noise real extracts have (misspellings, nicknames,
//! initials, former and step-parents' surnames, given and family name the
//! wrong way round, missing, placeholder or wrong dates of birth: day and
//! month swapped, a year off, a digit mistyped, two digits transposed;
//! addresses from before a move, abbreviated or with the street misspelt,
//! odd or mistyped postcodes, the odd invalid NHS number), the
//! relationships it recorded between its own records, and its involvement
//! rows.
//!
//! The noise each record had before the newer slips were added comes from
//! the records stream as it always did; the slips added since (names
//! swapped, placeholder and mistyped dates, misspelt streets, mistyped
//! postcodes) come from `Stage::Typos` and the duplicates from
//! `Stage::Duplicates`, so a seed's other records keep their noise.
//!
//! An agency holds a person because it works with them, or because it
//! records them as context: social care and early help record the whole
//! household, schools the parents of their pupils, housing the tenant's
//! household.

use famgraph_model::{Date, NhsNumber, RelationshipKind, Role, Sex};
use rand::Rng;

use crate::Noise;
use crate::catalogue::{Ag, IdMaker, N_AGENCIES};
use crate::csvtext;
use crate::draw::{self, Random};
use crate::duplicates::{self, Duplicates, How};
use crate::names;
use crate::places::Style;
use crate::plans::Plans;
use crate::typos;
use crate::world::{FamilyKind, Household, Member, Person, World};

pub(crate) const PEOPLE_HEADER: &str =
    "agency,record_id,given_name,family_name,date_of_birth,sex,address,postcode,uprn,nhs_number";
pub(crate) const RELATIONSHIPS_HEADER: &str = "agency,from_record,kind,to_record,start_date,end_date";
pub(crate) const INVOLVEMENTS_HEADER: &str = "agency,involvement_id,record_id,service,start_date,end_date,role";

/// No record of this person in this agency.
pub(crate) const NONE: u32 = u32::MAX;

/// Per-record chances of each kind of noise, by noise level.
pub(crate) struct Rates {
    misspell: f64,
    nickname: f64,
    initial: f64,
    dob_missing: f64,
    dob_swap: f64,
    dob_year: f64,
    postcode_odd: f64,
    /// Among NHS numbers outside health, the share mistyped.
    nhs_invalid: f64,
    sex_missing: f64,
    sex_odd: f64,
    alt_surname: f64,
    /// An agency that saw the family after a move still has the old address.
    stale_address: f64,
    address_missing: f64,
    upper_address: f64,
    /// Share of an agency's people it holds a second record of, times
    /// the agency's `duplicate_factor`.
    duplicate: f64,
    /// Given and family name entered the wrong way round.
    names_swapped: f64,
    /// Among agencies whose dates of birth can be wrong: one digit mistyped.
    dob_digit: f64,
    /// Among agencies whose dates of birth can be wrong: two neighbouring
    /// digits transposed. About a quarter of dates have no such pair that
    /// gives a real day (1987-11-23 has two), so a third more is drawn than
    /// lands.
    dob_transposed: f64,
    /// The street's name misspelt in the address line.
    street_misspelt: f64,
    /// One character of the postcode mistyped.
    postcode_mistyped: f64,
    /// Times each agency's share of unknown dates of birth written as its
    /// placeholder.
    placeholder: f64,
}

impl Rates {
    pub(crate) fn of(noise: Noise) -> Rates {
        match noise {
            Noise::Low => Rates {
                misspell: 0.02,
                nickname: 0.04,
                initial: 0.01,
                dob_missing: 0.03,
                dob_swap: 0.01,
                dob_year: 0.01,
                postcode_odd: 0.03,
                nhs_invalid: 0.03,
                sex_missing: 0.03,
                sex_odd: 0.005,
                alt_surname: 0.3,
                stale_address: 0.1,
                address_missing: 0.01,
                upper_address: 0.02,
                duplicate: 0.008,
                names_swapped: 0.003,
                dob_digit: 0.005,
                dob_transposed: 0.0065,
                street_misspelt: 0.01,
                postcode_mistyped: 0.003,
                placeholder: 0.5,
            },
            Noise::Medium => Rates {
                misspell: 0.06,
                nickname: 0.1,
                initial: 0.03,
                dob_missing: 0.1,
                dob_swap: 0.03,
                dob_year: 0.03,
                postcode_odd: 0.06,
                nhs_invalid: 0.06,
                sex_missing: 0.08,
                sex_odd: 0.02,
                alt_surname: 0.5,
                stale_address: 0.2,
                address_missing: 0.03,
                upper_address: 0.05,
                duplicate: 0.02,
                names_swapped: 0.01,
                dob_digit: 0.015,
                dob_transposed: 0.02,
                street_misspelt: 0.03,
                postcode_mistyped: 0.01,
                placeholder: 1.0,
            },
            Noise::High => Rates {
                misspell: 0.12,
                nickname: 0.18,
                initial: 0.06,
                dob_missing: 0.2,
                dob_swap: 0.06,
                dob_year: 0.06,
                postcode_odd: 0.12,
                nhs_invalid: 0.12,
                sex_missing: 0.15,
                sex_odd: 0.04,
                alt_surname: 0.65,
                stale_address: 0.35,
                address_missing: 0.08,
                upper_address: 0.1,
                duplicate: 0.04,
                names_swapped: 0.02,
                dob_digit: 0.03,
                dob_transposed: 0.04,
                street_misspelt: 0.06,
                postcode_mistyped: 0.02,
                placeholder: 2.0,
            },
        }
    }
}

/// One record an agency holds, before it is written.
#[derive(Clone, Copy)]
pub(crate) struct Draft {
    pub person: u32,
    /// The agency's first contact with the person or their household.
    pub first_contact: Date,
    /// The agency's latest contact with the person or their household:
    /// an address change after it never reached the agency.
    pub last_contact: Date,
    /// A school's parent contact rather than a pupil.
    pub contact: bool,
}

/// A person an agency holds under two or more records.
#[derive(Clone, Debug)]
pub(crate) struct Duplicated {
    pub person: u32,
    pub agency: Ag,
    /// The record every other agency's stage knows first, then the others.
    pub ids: Vec<String>,
    /// How each record after the first came about.
    pub how: Vec<How>,
}

/// A slip in one record beyond the usual noise, for the truth and the tests.
#[derive(Clone, Debug)]
pub(crate) struct Slipped {
    pub person: u32,
    pub agency: Ag,
    pub record_id: String,
    pub slip: Slip,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slip {
    /// Given and family name the wrong way round, as written.
    NamesSwapped { given: String, family: String },
    /// The agency's placeholder for an unknown date of birth.
    PlaceholderDob(Date),
    /// One digit of the date of birth mistyped.
    DobDigit(Date),
    /// Two neighbouring digits of the date of birth transposed.
    DobTransposed(Date),
    /// The street's name misspelt, as written.
    Street { street: &'static str, written: String },
    /// One character of the postcode mistyped: the true one and the one written.
    Postcode { true_postcode: String, written: String },
}

/// The agencies' rows and what the truth needs to know about them.
pub(crate) struct Extract {
    pub people: Vec<String>,
    pub relationships: Vec<String>,
    pub involvements: Vec<String>,
    /// Agency, record id and true person of each `people` row, in order.
    pub records: Vec<(Ag, String, u32)>,
    /// People some agency holds a record of.
    pub visible: Vec<bool>,
    /// Records under a surname other than the person's legal one (not a misspelling).
    pub name_changes: Vec<(u32, Ag, String)>,
    /// Records holding an address the person has left.
    pub stale: Vec<(u32, Ag)>,
    /// People an agency holds two or more records of.
    pub duplicated: Vec<Duplicated>,
    /// The slips drawn from `Stage::Typos`, record by record.
    pub slips: Vec<Slipped>,
    pub makers: Vec<IdMaker>,
    /// Record ids handed out per agency; later indices are unused.
    pub n_ids: [usize; N_AGENCIES],
    /// The same agencies' extracts on earlier dates, when asked for.
    pub earlier: Option<Earlier>,
}

/// The agencies' extracts taken some months before: the people they held
/// then, as they recorded them then (the address before a later move),
/// the relationships they knew of and the involvements they had opened,
/// with those ended since still open.
pub(crate) struct Earlier {
    pub dates: [Date; N_AGENCIES],
    pub people: Vec<String>,
    pub relationships: Vec<String>,
    pub involvements: Vec<String>,
    /// Each later involvement row's plan index, written id and whether the
    /// earlier extract has it, in order.
    pub involvement_rows: Vec<(usize, String, bool)>,
}

pub(crate) fn extract(
    world: &World,
    plans: &Plans,
    dates: &[Date; N_AGENCIES],
    noise: Noise,
    headroom: usize,
    earlier_dates: Option<&[Date; N_AGENCIES]>,
    streams: Streams<'_>,
) -> Extract {
    let Streams { records: rng, duplicates: mut duplicate_rng, typos } = streams;
    let rates = Rates::of(noise);
    let (held, mut drafts) = holdings(world, plans);

    let makers: Vec<IdMaker> =
        Ag::ALL.iter().map(|&ag| IdMaker::new(ag, drafts[ag.idx()].len(), headroom, rng)).collect();
    let n_originals: [usize; N_AGENCIES] = std::array::from_fn(|a| drafts[a].len());
    let duplicates = duplicates::plan(plans, &held, &mut drafts, rates.duplicate, &mut duplicate_rng);
    let mut ids: Vec<Vec<String>> = Vec::with_capacity(N_AGENCIES);
    let mut n_ids = [0; N_AGENCIES];
    for ag in Ag::ALL {
        let maker = &makers[ag.idx()];
        let n = n_originals[ag.idx()];
        let mut agency_ids: Vec<String> =
            drafts[ag.idx()].iter().enumerate().map(|(i, d)| maker.make(i, d.contact)).collect();
        // A person's other records are numbered among everyone else's, so
        // their ids say nothing about which is the duplicate.
        let extras = &duplicates.extras[ag.idx()];
        for (extra, number) in extras.iter().zip(maker.unused_numbers(extras.len(), &mut duplicate_rng)) {
            agency_ids.push(maker.id_of(number, extra.draft.contact));
            drafts[ag.idx()].push(extra.draft);
        }
        ids.push(agency_ids);
        n_ids[ag.idx()] = n;
    }
    let duplicated = duplicated(&duplicates, &n_originals, &drafts, &ids);

    let mut renderer = Renderer {
        world,
        rates: &rates,
        rng,
        duplicate_rng,
        typos,
        dates,
        name_changes: Vec::new(),
        stale: Vec::new(),
        slips: Vec::new(),
    };
    let mut people = Vec::new();
    let mut records = Vec::new();
    let mut earlier_people = Vec::new();
    // Per agency, per record: whether the earlier extract holds it.
    let mut held_then: Vec<Vec<bool>> = Vec::new();
    for ag in Ag::ALL {
        let n = n_originals[ag.idx()];
        let mut rows: Vec<(&str, String, u32, Option<String>)> = drafts[ag.idx()]
            .iter()
            .zip(&ids[ag.idx()])
            .enumerate()
            .map(|(i, (draft, id))| {
                // A duplicate's noise is its own, drawn from its own stream.
                let duplicate = i >= n;
                if duplicate {
                    renderer.swap_streams();
                }
                let (line, then) = renderer.person_lines(ag, id, draft, earlier_dates);
                if duplicate {
                    renderer.swap_streams();
                }
                (id.as_str(), line, draft.person, then)
            })
            .collect();
        held_then.push(rows.iter().map(|r| r.3.is_some()).collect());
        // Extracts come sorted by the agency's own id, which (scattered)
        // says nothing about who belongs with whom.
        rows.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (id, line, person, then) in rows {
            records.push((ag, id.to_owned(), person));
            people.push(line);
            earlier_people.extend(then);
        }
    }
    let (relationships, relationship_dates) = renderer.relationship_lines(&held, &ids, &duplicates, &n_originals);
    let record_of_inv = &duplicates.record_of_inv;
    let (involvements, involvement_ids) = involvement_lines(plans, &held, record_of_inv, &ids, renderer.rng);
    let visible = held.iter().map(|h| h.iter().any(|r| *r != NONE)).collect();
    let earlier = earlier_dates.map(|dates| {
        let relationships = relationships
            .iter()
            .zip(&relationship_dates)
            .filter(|(_, r)| {
                let date = dates[r.agency.idx()];
                r.records.iter().all(|&record| held_then[r.agency.idx()][record as usize])
                    && r.start.is_none_or(|start| start <= date)
            })
            .map(|(line, r)| with_end(line, r.end.filter(|end| *end <= dates[r.agency.idx()])))
            .collect();
        let involvement_rows: Vec<(usize, String, bool)> = involvement_ids
            .iter()
            .map(|(i, id)| {
                let inv = &plans.invs[*i];
                let ag = inv.agency().idx();
                let then = inv.start <= dates[ag] && held_then[ag][record_of_inv[*i] as usize];
                (*i, id.clone(), then)
            })
            .collect();
        let involvements = involvements
            .iter()
            .zip(&involvement_rows)
            .filter(|(_, (_, _, then))| *then)
            .map(|(line, (i, _, _))| {
                let inv = &plans.invs[*i];
                let (rest, role) = line.rsplit_once(',').expect("an involvement row has a role field");
                let mut line = with_end(rest, inv.end.filter(|end| *end <= dates[inv.agency().idx()]));
                line.push(',');
                line.push_str(role);
                line
            })
            .collect();
        Earlier { dates: *dates, people: earlier_people, relationships, involvements, involvement_rows }
    });
    Extract {
        people,
        relationships,
        involvements,
        records,
        visible,
        name_changes: renderer.name_changes,
        stale: renderer.stale,
        duplicated,
        slips: renderer.slips,
        makers,
        n_ids,
        earlier,
    }
}

/// The random streams the extract draws from.
pub(crate) struct Streams<'a> {
    /// Every record's noise as it always was, the ids, the relationships
    /// and involvement numbers.
    pub records: &'a mut Random,
    /// Who is held twice, and the duplicates' noise.
    pub duplicates: Random,
    /// The slips on top of each record's noise.
    pub typos: Random,
}

/// Each person an agency holds several records of, with the records' ids.
fn duplicated(
    duplicates: &Duplicates,
    n_originals: &[usize; N_AGENCIES],
    drafts: &[Vec<Draft>],
    ids: &[Vec<String>],
) -> Vec<Duplicated> {
    let mut out = Vec::new();
    for ag in Ag::ALL {
        let n = n_originals[ag.idx()];
        let extras = &duplicates.extras[ag.idx()];
        let mut originals: Vec<u32> = extras.iter().map(|e| e.original).collect();
        originals.dedup();
        for original in originals {
            let records = duplicates.records_of(ag, original, n);
            out.push(Duplicated {
                person: drafts[ag.idx()][original as usize].person,
                agency: ag,
                ids: records.iter().map(|&r| ids[ag.idx()][r as usize].clone()).collect(),
                how: records[1..].iter().map(|&r| extras[r as usize - n].how).collect(),
            });
        }
    }
    out
}

/// A row whose last field is an end date, with that end replaced.
fn with_end(line: &str, end: Option<Date>) -> String {
    let (rest, _) = line.rsplit_once(',').expect("the row ends with its end date");
    let mut line = String::with_capacity(line.len());
    line.push_str(rest);
    line.push(',');
    if let Some(end) = end {
        csvtext::push_date(&mut line, end);
    }
    line
}

/// What the earlier extract needs of a relationship row.
struct RelationshipDates {
    agency: Ag,
    /// The agency's records at both ends.
    records: [u32; 2],
    start: Option<Date>,
    end: Option<Date>,
}

/// Which agency holds which person: involvements first, then the context
/// each agency records around them.
fn holdings(world: &World, plans: &Plans) -> (Vec<[u32; N_AGENCIES]>, Vec<Vec<Draft>>) {
    let mut held = vec![[NONE; N_AGENCIES]; world.persons.len()];
    let mut drafts: Vec<Vec<Draft>> = (0..N_AGENCIES).map(|_| Vec::new()).collect();
    let mut hold = |person: u32, ag: Ag, date: Date, contact: bool| {
        let slot = &mut held[person as usize][ag.idx()];
        if *slot == NONE {
            *slot = drafts[ag.idx()].len() as u32;
            drafts[ag.idx()].push(Draft { person, first_contact: date, last_contact: date, contact });
        } else {
            let draft = &mut drafts[ag.idx()][*slot as usize];
            draft.first_contact = draft.first_contact.min(date);
            draft.last_contact = draft.last_contact.max(date);
        }
    };
    for (f, family) in world.families.iter().enumerate() {
        let invs = plans.of_family(f);
        for inv in invs {
            hold(inv.person, inv.agency(), inv.start, false);
        }
        for inv in invs {
            let ag = inv.agency();
            let home = world.persons[inv.person as usize].household;
            let housemates = family.members().filter(|&m| world.persons[m as usize].household == home);
            match ag {
                Ag::Csc | Ag::EarlyHelp => {
                    for m in housemates {
                        hold(m, ag, inv.start, false);
                    }
                    // Social care maps a standout family's wider network.
                    if ag == Ag::Csc && family.kind == FamilyKind::Standout {
                        for m in family.members() {
                            if world.persons[m as usize].member == Member::Grandparent {
                                hold(m, ag, inv.start, false);
                            }
                        }
                    }
                }
                Ag::School => {
                    for m in housemates {
                        let person = &world.persons[m as usize];
                        if matches!(person.member, Member::Parent | Member::StepParent) {
                            hold(m, ag, inv.start, true);
                        }
                    }
                }
                Ag::Housing if family.hostel.is_none() => {
                    for m in housemates {
                        hold(m, ag, inv.start, false);
                    }
                }
                _ => {}
            }
        }
    }
    (held, drafts)
}

struct Renderer<'a> {
    world: &'a World,
    rates: &'a Rates,
    rng: &'a mut Random,
    /// Swapped in for `rng` while a duplicate record is drawn.
    duplicate_rng: Random,
    typos: Random,
    dates: &'a [Date; N_AGENCIES],
    name_changes: Vec<(u32, Ag, String)>,
    stale: Vec<(u32, Ag)>,
    slips: Vec<Slipped>,
}

impl<'a> Renderer<'a> {
    fn chance(&mut self, p: f64) -> bool {
        draw::chance(self.rng, p)
    }

    fn typo(&mut self, p: f64) -> bool {
        draw::chance(&mut self.typos, p)
    }

    /// Draws from the duplicates' stream in place of the records' one, or back.
    fn swap_streams(&mut self) {
        std::mem::swap(&mut *self.rng, &mut self.duplicate_rng);
    }

    fn slip(&mut self, ag: Ag, person: u32, record_id: &str, slip: Slip) {
        self.slips.push(Slipped { person, agency: ag, record_id: record_id.to_owned(), slip });
    }

    /// A record's row in the extract and, when an earlier extract is made,
    /// in that one: `None` if the agency did not hold the person then. Both
    /// draw the same noise, so they differ only where time does.
    fn person_lines(
        &mut self,
        ag: Ag,
        record_id: &str,
        draft: &Draft,
        earlier: Option<&'a [Date; N_AGENCIES]>,
    ) -> (String, Option<String>) {
        let Some(then) = earlier else { return (self.person_line(ag, record_id, draft), None) };
        let date = then[ag.idx()];
        let fork = self.rng.clone();
        let typos_fork = self.typos.clone();
        let line = self.person_line(ag, record_id, draft);
        if draft.first_contact > date || self.world.persons[draft.person as usize].dob > date {
            return (line, None);
        }
        let after = std::mem::replace(&mut *self.rng, fork);
        let typos_after = std::mem::replace(&mut self.typos, typos_fork);
        let (name_changes, stale, slips, later) =
            (self.name_changes.len(), self.stale.len(), self.slips.len(), self.dates);
        self.dates = then;
        let draft_then = Draft { last_contact: draft.last_contact.min(date), ..*draft };
        let line_then = self.person_line(ag, record_id, &draft_then);
        self.dates = later;
        self.name_changes.truncate(name_changes);
        self.stale.truncate(stale);
        self.slips.truncate(slips);
        *self.rng = after;
        self.typos = typos_after;
        (line, Some(line_then))
    }

    fn person_line(&mut self, ag: Ag, record_id: &str, draft: &Draft) -> String {
        let spec = ag.spec();
        let world = self.world;
        let person = &world.persons[draft.person as usize];
        let child = person.dob.age_on(world.extracted_on) < 18;
        let given = self.given_name(ag, person.given);
        let family_name = self.family_name(ag, draft.person, person);
        // Entered the wrong way round, each name in the other's box.
        let swapped = self.typo(self.rates.names_swapped);
        let (given, mut family_name) = if swapped { (family_name, given) } else { (given, family_name) };
        if spec.upper_family_name {
            family_name.make_ascii_uppercase();
        }
        if swapped {
            let slip = Slip::NamesSwapped { given: given.clone(), family: family_name.clone() };
            self.slip(ag, draft.person, record_id, slip);
        }
        let dob = self.date_of_birth(ag, draft.person, record_id, person.dob, child);
        let sex = self.sex(person.sex);
        let household = &world.households[person.household as usize];
        let address = self.address_of(ag, draft, household);

        let mut line = String::with_capacity(128);
        csvtext::row(&mut line, &[ag.code(), record_id, &given, &family_name]);
        line.push(',');
        if let Some(dob) = dob {
            csvtext::push_date(&mut line, dob);
        }
        line.push(',');
        line.push_str(sex);
        line.push(',');
        if !self.chance(spec.address_missing + self.rates.address_missing) {
            let style = Style {
                upper: spec.upper_family_name || self.chance(self.rates.upper_address),
                abbreviate: spec.abbreviates && self.chance(0.7),
                compact_flat: self.chance(0.25),
                building_only: matches!(ag, Ag::Police | Ag::Probation | Ag::Jobcentre) && self.chance(0.5),
            };
            let room = if matches!(ag, Ag::Housing | Ag::Probation | Ag::Health) { household.room } else { 0 };
            let street = world.places.street_name(address);
            let misspelt = self.typo(self.rates.street_misspelt).then(|| names::misspell(&mut self.typos, street));
            let mut text = String::with_capacity(48);
            world.places.render(address, style, room, misspelt.as_deref(), &mut text);
            if let Some(written) = misspelt {
                self.slip(ag, draft.person, record_id, Slip::Street { street, written });
            }
            csvtext::field(&mut line, &text);
        }
        line.push(',');
        if !self.chance(spec.postcode_missing) {
            let mut postcode = String::with_capacity(9);
            world.places.postcode(address, &mut postcode);
            if self.typo(self.rates.postcode_mistyped) {
                let written = typos::mistype_postcode(&mut self.typos, &postcode);
                let true_postcode = std::mem::replace(&mut postcode, written.clone());
                self.slip(ag, draft.person, record_id, Slip::Postcode { true_postcode, written });
            }
            if self.chance(self.rates.postcode_odd) {
                postcode = odd_postcode(self.rng, &postcode);
            }
            line.push_str(&postcode);
        }
        line.push(',');
        if self.chance(spec.uprn) {
            let width = if spec.zero_pad_uprn { 12 } else { 0 };
            csvtext::push_number(&mut line, world.places.uprn(address), width);
        }
        line.push(',');
        let p_nhs = if child { spec.nhs.0 } else { spec.nhs.1 };
        if self.chance(p_nhs) {
            let mut nhs = person.nhs.value();
            if ag != Ag::Health && self.chance(self.rates.nhs_invalid) {
                nhs = mistype_check_digit(nhs);
            }
            let mut digits = String::with_capacity(12);
            csvtext::push_number(&mut digits, nhs, 10);
            if ag == Ag::Csc && self.chance(0.3) {
                // Written in the usual 3-3-4 groups, as on an NHS card.
                line.push_str(&digits[..3]);
                line.push(' ');
                line.push_str(&digits[3..6]);
                line.push(' ');
                line.push_str(&digits[6..]);
            } else {
                line.push_str(&digits);
            }
        }
        line
    }

    fn given_name(&mut self, ag: Ag, given: &str) -> String {
        let roll: f64 = self.rng.random();
        if roll < self.rates.initial {
            return given.chars().next().map(String::from).unwrap_or_default();
        }
        let mut name = if roll < self.rates.initial + self.rates.nickname * ag.spec().nickname_factor {
            names::nickname(self.rng, given).unwrap_or(given).to_owned()
        } else {
            given.to_owned()
        };
        if self.chance(self.rates.misspell) {
            name = names::misspell(self.rng, &name);
        }
        name
    }

    fn family_name(&mut self, ag: Ag, id: u32, person: &Person) -> String {
        let surnames = &self.world.surnames;
        let mut name = None;
        if let Some(known_as) = person.known_as {
            // Schools and family services use the name the child goes by.
            let p = match ag {
                Ag::School | Ag::EarlyHelp | Ag::Voluntary => 0.5 + self.rates.alt_surname * 0.4,
                _ => self.rates.alt_surname * 0.3,
            };
            if self.chance(p) {
                name = Some(surnames.get(known_as).to_owned());
            }
        }
        if name.is_none()
            && let Some(former) = person.former_surname
            && self.chance(self.rates.alt_surname * 0.6)
        {
            name = Some(if self.chance(0.5) {
                surnames.get(former).to_owned()
            } else {
                format!("{}-{}", surnames.get(former), surnames.get(person.surname))
            });
        }
        let changed = name.is_some();
        let mut name = name.unwrap_or_else(|| surnames.get(person.surname).to_owned());
        if self.chance(self.rates.misspell) {
            name = names::misspell(self.rng, &name);
        }
        if changed {
            let mut recorded = name.clone();
            if ag.spec().upper_family_name {
                recorded.make_ascii_uppercase();
            }
            self.name_changes.push((id, ag, recorded));
        }
        // As typed: a system holding family names in capitals writes it so.
        name
    }

    fn date_of_birth(&mut self, ag: Ag, person: u32, record_id: &str, dob: Date, child: bool) -> Option<Date> {
        let spec = ag.spec();
        let base = if child { spec.child_dob_missing } else { spec.adult_dob_missing };
        // Agencies that always hold a date of birth never lose it to noise.
        let missing = if base > 0.0 { base + self.rates.dob_missing } else { 0.0 };
        if self.chance(missing) {
            // Some systems will not leave it empty: they write a placeholder.
            if let Some(placeholder) = spec.dob_placeholder
                && self.typo(placeholder.share * self.rates.placeholder)
            {
                let (y, m, d) = placeholder.ymd;
                let date = Date::from_ymd(y, m, d).expect("a placeholder is a real day");
                self.slip(ag, person, record_id, Slip::PlaceholderDob(date));
                return Some(date);
            }
            return None;
        }
        if !spec.dob_errors {
            return Some(dob);
        }
        let roll: f64 = self.rng.random();
        let (year, month, day) = dob.ymd();
        let latest = self.dates[ag.idx()];
        let (swap, year_off, digit) = (self.rates.dob_swap, self.rates.dob_year, self.rates.dob_digit);
        let recorded = if roll < swap && day <= 12 && day != month {
            Date::from_ymd(year, day, month)
        } else if roll < swap + year_off {
            Date::from_ymd(year + if self.chance(0.5) { 1 } else { -1 }, month, day)
        } else if roll < swap + year_off + digit {
            let wrong = typos::mistype_digit(&mut self.typos, dob, latest);
            if let Some(wrong) = wrong {
                self.slip(ag, person, record_id, Slip::DobDigit(wrong));
            }
            Some(wrong.unwrap_or(dob))
        } else if roll < swap + year_off + digit + self.rates.dob_transposed {
            let wrong = typos::transpose_digits(&mut self.typos, dob, latest);
            if let Some(wrong) = wrong {
                self.slip(ag, person, record_id, Slip::DobTransposed(wrong));
            }
            Some(wrong.unwrap_or(dob))
        } else {
            Some(dob)
        };
        // A wrong date is still one the agency could have recorded by its extract.
        Some(recorded.filter(|d| *d <= self.dates[ag.idx()]).unwrap_or(dob))
    }

    fn sex(&mut self, sex: Sex) -> &'static str {
        if self.chance(self.rates.sex_missing) {
            return "";
        }
        if self.chance(self.rates.sex_odd) {
            let female = sex == Sex::F;
            return match draw::index(self.rng, 4) {
                0 => "U",
                1 => {
                    if female {
                        "f"
                    } else {
                        "m"
                    }
                }
                2 => {
                    if female {
                        "Female"
                    } else {
                        "Male"
                    }
                }
                _ => "Unknown",
            };
        }
        sex.code()
    }

    /// The address an agency holds: the one before a move if it last saw
    /// the person before it (or never updated its record). Housing always
    /// knows the current tenancy.
    fn address_of(&mut self, ag: Ag, draft: &Draft, household: &Household) -> u32 {
        match household.moved {
            // Not moved yet on the extract date.
            Some((old, moved_on)) if moved_on > self.dates[ag.idx()] => old,
            Some((old, moved_on))
                if ag != Ag::Housing && (draft.last_contact < moved_on || self.chance(self.rates.stale_address)) =>
            {
                self.stale.push((draft.person, ag));
                old
            }
            _ => household.address,
        }
    }

    /// The relationship rows, and what an earlier extract needs of each.
    fn relationship_lines(
        &mut self,
        held: &[[u32; N_AGENCIES]],
        ids: &[Vec<String>],
        duplicates: &Duplicates,
        n_originals: &[usize; N_AGENCIES],
    ) -> (Vec<String>, Vec<RelationshipDates>) {
        // Per agency, each record held with others of the same person: all of them.
        let several: Vec<std::collections::HashMap<u32, Vec<u32>>> = Ag::ALL
            .iter()
            .map(|&ag| {
                duplicates.extras[ag.idx()]
                    .iter()
                    .map(|e| (e.original, duplicates.records_of(ag, e.original, n_originals[ag.idx()])))
                    .collect()
            })
            .collect();
        let mut by_agency: Vec<Vec<(String, String, RelationshipDates)>> =
            (0..N_AGENCIES).map(|_| Vec::new()).collect();
        for family in &self.world.families {
            for tie in &family.ties {
                for ag in Ag::ALL {
                    let (from, to) = (held[tie.from as usize][ag.idx()], held[tie.to as usize][ag.idx()]);
                    if from == NONE || to == NONE {
                        continue;
                    }
                    let mut p = record_probability(ag, tie.kind);
                    if ag == Ag::Csc && family.kind == FamilyKind::Standout {
                        p = 1.0;
                    }
                    if !self.chance(p) {
                        continue;
                    }
                    let mut kind = tie.kind;
                    let loose = if matches!(ag, Ag::Csc | Ag::EarlyHelp) { 0.1 } else { 0.35 };
                    if kind == RelationshipKind::CarerOf && self.chance(loose) {
                        // Many systems have no "carer" option: a step-parent becomes a parent.
                        kind = RelationshipKind::ParentOf;
                    }
                    let (mut a, mut b) = (from, to);
                    if !kind.is_parental() && self.chance(0.5) {
                        (a, b) = (b, a);
                    }
                    // Recorded against one of a person's records, when the agency holds several.
                    for record in [&mut a, &mut b] {
                        if let Some(records) = several[ag.idx()].get(record) {
                            *record = *draw::pick(&mut self.duplicate_rng, records);
                        }
                    }
                    let dated = matches!(ag, Ag::Csc | Ag::EarlyHelp | Ag::Housing | Ag::Jobcentre);
                    let start = match (tie.start, kind) {
                        (Some(start), _) if dated && self.chance(0.6) => Some(start),
                        (None, RelationshipKind::ParentOf) if ag == Ag::Csc && self.chance(0.15) => {
                            Some(self.world.persons[tie.to as usize].dob)
                        }
                        _ => None,
                    };
                    let end = tie.end.filter(|_| self.chance(0.8));
                    let (from_id, to_id) = (&ids[ag.idx()][a as usize], &ids[ag.idx()][b as usize]);
                    let mut line = String::with_capacity(64);
                    csvtext::row(&mut line, &[ag.code(), from_id, kind.code(), to_id]);
                    line.push(',');
                    if let Some(start) = start {
                        csvtext::push_date(&mut line, start);
                    }
                    line.push(',');
                    if let Some(end) = end {
                        csvtext::push_date(&mut line, end);
                    }
                    let dates = RelationshipDates { agency: ag, records: [a, b], start, end };
                    by_agency[ag.idx()].push((from_id.clone(), line, dates));
                }
            }
        }
        let (mut lines, mut dates) = (Vec::new(), Vec::new());
        for mut rows in by_agency {
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, line, row_dates) in rows {
                lines.push(line);
                dates.push(row_dates);
            }
        }
        (lines, dates)
    }
}

/// How likely an agency is to record a relationship between two people it holds.
fn record_probability(ag: Ag, kind: RelationshipKind) -> f64 {
    // parent_of, carer_of, partner_of, sibling_of
    let by_kind: [f64; 4] = match ag {
        // Social care and early help map the family; they record most.
        Ag::Csc => [0.9, 0.9, 0.8, 0.7],
        Ag::EarlyHelp => [0.85, 0.8, 0.7, 0.6],
        // Schools record who the pupil's parents and carers are.
        Ag::School => [0.85, 0.7, 0.0, 0.3],
        // Housing records the household on the tenancy.
        Ag::Housing => [0.6, 0.4, 0.8, 0.0],
        // Police record partners at domestic incidents.
        Ag::Police => [0.1, 0.0, 0.7, 0.0],
        Ag::YouthJustice => [0.0, 0.0, 0.0, 0.3],
        Ag::Probation => [0.0, 0.0, 0.3, 0.0],
        Ag::Health => [0.2, 0.0, 0.0, 0.0],
        // Universal Credit couples claim jointly.
        Ag::Jobcentre => [0.0, 0.0, 0.5, 0.0],
        Ag::Voluntary => [0.3, 0.0, 0.2, 0.0],
    };
    by_kind[match kind {
        RelationshipKind::ParentOf => 0,
        RelationshipKind::CarerOf => 1,
        RelationshipKind::PartnerOf => 2,
        RelationshipKind::SiblingOf => 3,
    }]
}

/// The involvement rows, and each one's plan index and written id.
/// `held` says which of its records each person is known by to every
/// stage but the duplicates' (the order episodes are numbered in);
/// `record_of_inv` which record each episode is written against.
fn involvement_lines(
    plans: &Plans,
    held: &[[u32; N_AGENCIES]],
    record_of_inv: &[u32],
    ids: &[Vec<String>],
    rng: &mut Random,
) -> (Vec<String>, Vec<(usize, String)>) {
    let mut by_agency: Vec<Vec<(Date, u32, usize)>> = (0..N_AGENCIES).map(|_| Vec::new()).collect();
    for (i, inv) in plans.invs.iter().enumerate() {
        let ag = inv.agency();
        let record = held[inv.person as usize][ag.idx()];
        debug_assert_ne!(record, NONE, "an involvement's person is held by its agency");
        by_agency[ag.idx()].push((inv.start, record, i));
    }
    let mut lines = Vec::with_capacity(plans.invs.len());
    let mut written = Vec::with_capacity(plans.invs.len());
    for ag in Ag::ALL {
        let agency_ids = &ids[ag.idx()];
        let rows = &mut by_agency[ag.idx()];
        // Case systems number episodes as they open them.
        rows.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| agency_ids[a.1 as usize].cmp(&agency_ids[b.1 as usize])).then(a.2.cmp(&b.2))
        });
        let spec = ag.spec();
        let mut number = u64::from(rng.random_range(10_000_u32..90_000));
        for &(_, _, i) in rows.iter() {
            let record = record_of_inv[i];
            number += u64::from(rng.random_range(1_u32..=3));
            let inv = &plans.invs[i];
            let mut line = String::with_capacity(80);
            line.push_str(spec.code);
            line.push(',');
            line.push_str(spec.involvement_prefix);
            line.push('-');
            csvtext::push_number(&mut line, number, 7);
            line.push(',');
            csvtext::field(&mut line, &agency_ids[record as usize]);
            line.push(',');
            line.push_str(inv.svc.spec().code);
            line.push(',');
            csvtext::push_date(&mut line, inv.start);
            line.push(',');
            if let Some(end) = inv.end {
                csvtext::push_date(&mut line, end);
            }
            line.push(',');
            // Victims and perpetrators are always written; a subject only
            // by agencies whose systems have the field, and not always.
            let role = match inv.role {
                Role::Subject if !spec.writes_roles || draw::chance(rng, 0.5) => "",
                role => role.code(),
            };
            line.push_str(role);
            let (id, _) = line[spec.code.len() + 1..].split_once(',').expect("the id is the second field");
            written.push((i, id.to_owned()));
            lines.push(line);
        }
    }
    (lines, written)
}

/// A postcode as a busy clerk types it: lower case, no space, two spaces.
fn odd_postcode(rng: &mut Random, standard: &str) -> String {
    match draw::index(rng, 4) {
        0 => standard.to_ascii_lowercase(),
        1 => standard.replace(' ', ""),
        2 => standard.replace(' ', "  "),
        _ => standard.replace(' ', "").to_ascii_lowercase(),
    }
}

/// The same number with a wrong check digit: fails Modulus 11.
fn mistype_check_digit(nhs: u64) -> u64 {
    let check = nhs % 10;
    let wrong = (check + 1) % 10;
    debug_assert!(NhsNumber::parse(&format!("{:010}", nhs - check + wrong)).is_none());
    nhs - check + wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistyped_nhs_numbers_fail_the_check() {
        let valid = NhsNumber::from_nine_digits(943_476_591).expect("the Data Dictionary's example");
        let wrong = mistype_check_digit(valid.value());
        assert_ne!(wrong, valid.value());
        assert_eq!(NhsNumber::parse(&format!("{wrong:010}")), None);
    }
}
