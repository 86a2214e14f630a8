//! Addresses in a Kent-like area: Medway (ME1 to ME8), Gravesend (DA11,
//! DA12) and East Kent (CT), streets with house numbers and blocks of flats,
//! postcodes shaped like real ones, and a UPRN for every address (each flat
//! its own). Hostels are one building, one UPRN, many unrelated residents.
//!
//! Agencies write the same address differently (capitals, "Rd" for "Road",
//! "3/40" for "Flat 3, 40", now and then a misspelt street name);
//! `render` produces those forms.

use std::collections::HashSet;

use crate::csvtext;
use crate::draw::{self, Random, Scatter};

/// Postcode districts and how many of the area's homes each holds (relative).
const DISTRICTS: &[(&str, u32, Area)] = &[
    ("ME1", 10, Area::Medway),
    ("ME2", 10, Area::Medway),
    ("ME3", 4, Area::Medway),
    ("ME4", 14, Area::Medway),
    ("ME5", 12, Area::Medway),
    ("ME7", 14, Area::Medway),
    ("ME8", 10, Area::Medway),
    ("DA11", 8, Area::Gravesham),
    ("DA12", 8, Area::Gravesham),
    ("CT1", 5, Area::EastKent),
    ("CT9", 5, Area::EastKent),
];

/// Councils number their UPRNs from different ranges.
#[derive(Clone, Copy)]
enum Area {
    Medway,
    Gravesham,
    EastKent,
}

impl Area {
    fn uprn_base(self) -> u64 {
        match self {
            Area::Medway => 44_000_000_000,
            Area::Gravesham => 100_062_000_000,
            Area::EastKent => 200_000_000_000,
        }
    }
}

/// Room for this many addresses per area before UPRNs would overlap.
const UPRN_SPAN: u64 = 100_000_000;

const STREET_FIRSTS: &[&str] = &[
    "Chatham",
    "Canterbury",
    "High",
    "Maidstone",
    "Luton",
    "Boundary",
    "Castle",
    "Church",
    "Balmoral",
    "King",
    "Queen",
    "Victoria",
    "Railway",
    "New",
    "Magpie Hall",
    "Watling",
    "Pier",
    "Nelson",
    "Windmill",
    "Napier",
    "Gordon",
    "Britton Farm",
    "Rock",
    "Ordnance",
    "Palmerston",
    "Sturla",
    "Dale",
    "Albany",
    "Beacon",
    "Chestnut",
    "Dock",
    "Elm",
    "Fort",
    "Hill",
    "Lock",
    "Orchard",
    "Priory",
    "Rochester",
    "St Mary's",
    "Station",
    "York",
    "Frindsbury",
    "Strood",
    "Cuxton",
    "Hoo",
    "Rainham",
    "Gillingham",
    "Walderslade",
    "Lordswood",
    "Princes",
    "Medway",
    "Sun",
    "Star",
    "Jasmine",
    "Laburnum",
    "Hawthorn",
    "Willow",
    "Cedar",
    "Beech",
    "Ash",
    "Milton",
    "Parrock",
    "Darnley",
    "Pelham",
    "Wrotham",
    "Northfleet",
    "Dover",
    "Whitstable",
    "Northdown",
    "Cliftonville",
];
const STREET_TYPES: &[(&str, &str)] = &[
    ("Road", "Rd"),
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Close", "Cl"),
    ("Gardens", "Gdns"),
    ("Way", "Way"),
    ("Lane", "Ln"),
    ("Drive", "Dr"),
    ("Crescent", "Cres"),
    ("Place", "Pl"),
    ("Hill", "Hill"),
    ("Terrace", "Ter"),
];
const HOSTEL_NAMES: &[&str] = &[
    "Medway Lodge",
    "St Bartholomew's House",
    "Canterbury House",
    "The Elms",
    "Riverside Hostel",
    "Foyer House",
    "Pier House",
    "Nelson Court",
];
/// Inward-code letters (the Royal Mail leaves out C, I, K, M, O and V).
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
/// Highest house number on a street.
const MAX_HOUSE_NUMBER: i32 = 180;
/// Houses sharing one postcode unit, about.
const HOUSES_PER_UNIT: u16 = 30;

pub(crate) struct Street {
    first: &'static str,
    kind: usize,
    district: usize,
    sector: u8,
    units: Vec<[u8; 2]>,
}

pub(crate) struct Address {
    pub street: u32,
    pub number: u16,
    /// Flat (or hostel room) number; 0 for a house.
    pub flat: u8,
    pub hostel: Option<&'static str>,
    pub uprn: u64,
}

/// How an agency writes an address line.
#[derive(Clone, Copy, Default)]
#[allow(clippy::struct_excessive_bools)] // independent habits of a clerk, not a state
pub(crate) struct Style {
    pub upper: bool,
    pub abbreviate: bool,
    /// "3/40 Canterbury Street" for "Flat 3, 40 Canterbury Street".
    pub compact_flat: bool,
    /// Hostels: the building only, no room or name.
    pub building_only: bool,
}

pub(crate) struct Places {
    pub streets: Vec<Street>,
    pub addresses: Vec<Address>,
    streets_by_district: Vec<Vec<u32>>,
    district_weights: Vec<u32>,
    used: HashSet<(u32, u16, u8)>,
    uprns: Scatter,
}

impl Places {
    pub(crate) fn new(rng: &mut Random, n_families: usize) -> Places {
        let n_streets = n_families / 10 + 60;
        let mut streets = Vec::with_capacity(n_streets);
        let mut streets_by_district = vec![Vec::new(); DISTRICTS.len()];
        let district_weights: Vec<u32> = DISTRICTS.iter().map(|d| d.1).collect();
        let mut names = HashSet::new();
        for _ in 0..n_streets {
            let district = weighted(rng, &district_weights);
            // A name once per district, as far as the name list allows.
            let (mut first, mut kind) = (draw::pick(rng, STREET_FIRSTS), draw::index(rng, STREET_TYPES.len()));
            for _ in 0..5 {
                if names.insert((*first, kind, district)) {
                    break;
                }
                first = draw::pick(rng, STREET_FIRSTS);
                kind = draw::index(rng, STREET_TYPES.len());
            }
            let n_units = draw::between(rng, 2, 6) as usize;
            let units =
                (0..n_units).map(|_| [*draw::pick(rng, UNIT_LETTERS), *draw::pick(rng, UNIT_LETTERS)]).collect();
            streets_by_district[district].push(streets.len() as u32);
            streets.push(Street { first, kind, district, sector: draw::between(rng, 0, 9) as u8, units });
        }
        // Every district gets at least one street, so `near` always has a choice.
        for (district, list) in streets_by_district.iter_mut().enumerate() {
            if list.is_empty() {
                list.push(streets.len() as u32);
                streets.push(Street { first: "High", kind: 1, district, sector: 1, units: vec![[b'A', b'B']] });
            }
        }
        Places {
            streets,
            addresses: Vec::new(),
            streets_by_district,
            district_weights,
            used: HashSet::new(),
            uprns: Scatter::new(rng, UPRN_SPAN),
        }
    }

    /// A new address anywhere in the area.
    pub(crate) fn allocate(&mut self, rng: &mut Random) -> u32 {
        let district = weighted(rng, &self.district_weights);
        self.allocate_in(rng, district)
    }

    /// A new address in the same district as `address`: relatives and
    /// people who move mostly stay near.
    pub(crate) fn near(&mut self, rng: &mut Random, address: u32) -> u32 {
        let district = self.streets[self.addresses[address as usize].street as usize].district;
        if draw::chance(rng, 0.75) { self.allocate_in(rng, district) } else { self.allocate(rng) }
    }

    fn allocate_in(&mut self, rng: &mut Random, district: usize) -> u32 {
        loop {
            let street = *draw::pick(rng, &self.streets_by_district[district]);
            let number = draw::between(rng, 1, MAX_HOUSE_NUMBER) as u16;
            // A building is either a house or a block of flats, whoever asks.
            let flat = if is_block_of_flats(street, number) { draw::between(rng, 1, 9) as u8 } else { 0 };
            if self.used.insert((street, number, flat)) {
                return self.push(Address { street, number, flat, hostel: None, uprn: 0 });
            }
        }
    }

    /// A hostel building: one address (one UPRN) for all its residents.
    pub(crate) fn hostel(&mut self, rng: &mut Random, n: usize) -> u32 {
        loop {
            let district = weighted(rng, &self.district_weights);
            let street = *draw::pick(rng, &self.streets_by_district[district]);
            let number = draw::between(rng, 1, MAX_HOUSE_NUMBER) as u16;
            if !is_block_of_flats(street, number) && self.used.insert((street, number, 0)) {
                let name = HOSTEL_NAMES[n % HOSTEL_NAMES.len()];
                return self.push(Address { street, number, flat: 0, hostel: Some(name), uprn: 0 });
            }
        }
    }

    fn push(&mut self, mut address: Address) -> u32 {
        let index = self.addresses.len() as u64;
        let area = DISTRICTS[self.streets[address.street as usize].district].2;
        address.uprn = area.uprn_base() + self.uprns.at(index % UPRN_SPAN);
        self.addresses.push(address);
        index as u32
    }

    pub(crate) fn uprn(&self, address: u32) -> u64 {
        self.addresses[address as usize].uprn
    }

    /// The postcode in standard form, e.g. `ME4 4QS`.
    pub(crate) fn postcode(&self, address: u32, out: &mut String) {
        let a = &self.addresses[address as usize];
        let street = &self.streets[a.street as usize];
        let unit = street.units[usize::from((a.number - 1) / HOUSES_PER_UNIT) % street.units.len()];
        out.push_str(DISTRICTS[street.district].0);
        out.push(' ');
        out.push(char::from(b'0' + street.sector));
        out.push(char::from(unit[0]));
        out.push(char::from(unit[1]));
    }

    /// The street's name without its type ("Chatham" of "Chatham Road").
    pub(crate) fn street_name(&self, address: u32) -> &'static str {
        self.streets[self.addresses[address as usize].street as usize].first
    }

    /// The first line of the address in an agency's style. `room` is the
    /// hostel room, when the agency records one; `street_name` the street's
    /// name as the clerk wrote it (misspelt), when not as it is.
    pub(crate) fn render(&self, address: u32, style: Style, room: u8, street_name: Option<&str>, out: &mut String) {
        let start = out.len();
        let a = &self.addresses[address as usize];
        let street = &self.streets[a.street as usize];
        let (kind, short) = STREET_TYPES[street.kind];
        if let Some(name) = a.hostel {
            if !style.building_only {
                if room > 0 && !style.compact_flat {
                    out.push_str("Room ");
                    csvtext::push_number(out, u64::from(room), 0);
                    out.push_str(", ");
                } else {
                    out.push_str(name);
                    out.push_str(", ");
                }
            }
        } else if a.flat > 0 {
            if style.compact_flat {
                csvtext::push_number(out, u64::from(a.flat), 0);
                out.push('/');
            } else {
                out.push_str("Flat ");
                csvtext::push_number(out, u64::from(a.flat), 0);
                out.push_str(", ");
            }
        }
        csvtext::push_number(out, u64::from(a.number), 0);
        out.push(' ');
        out.push_str(street_name.unwrap_or(street.first));
        out.push(' ');
        out.push_str(if style.abbreviate { short } else { kind });
        if style.upper {
            out[start..].make_ascii_uppercase();
        }
    }
}

/// About one building in five is a block of flats; fixed by street and
/// number so a building never holds both a house and flats.
fn is_block_of_flats(street: u32, number: u16) -> bool {
    (u32::from(number) * 7 + street).is_multiple_of(5)
}

fn weighted(rng: &mut Random, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut target = draw::between(rng, 0, total as i32 - 1) as u32;
    for (i, w) in weights.iter().enumerate() {
        if target < *w {
            return i;
        }
        target -= w;
    }
    weights.len() - 1
}

#[cfg(test)]
mod tests {
    use famgraph_model::Postcode;

    use super::*;
    use crate::draw::{Stage, stage_rng};

    #[test]
    fn addresses_have_unique_uprns_and_real_postcodes() {
        let mut rng = stage_rng(2, Stage::World);
        let mut places = Places::new(&mut rng, 600);
        let addresses: Vec<u32> = (0..2000).map(|_| places.allocate(&mut rng)).collect();
        let mut uprns: Vec<u64> = addresses.iter().map(|&a| places.uprn(a)).collect();
        uprns.sort_unstable();
        uprns.dedup();
        assert_eq!(uprns.len(), 2000);
        assert!(uprns.iter().all(|u| u.to_string().len() <= 12));
        for &a in &addresses[..100] {
            let mut postcode = String::new();
            places.postcode(a, &mut postcode);
            assert_eq!(Postcode::parse(&postcode).map(|p| p.as_str().to_owned()), Some(postcode.clone()));
            let mut line = String::new();
            places.render(a, Style::default(), 0, None, &mut line);
            assert!(line.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()), "{line}");
        }
    }
}
