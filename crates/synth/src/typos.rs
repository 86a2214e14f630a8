//! Slips of the keyboard drawn on top of a record's other noise, from a
//! stream of their own (`Stage::Typos`): a digit of a date of birth
//! mistyped or two transposed, a postcode character mistyped. Each keeps
//! the field well formed, as a case system's input checks would: a real
//! date no later than the extract, a postcode still shaped like one.

use famgraph_model::Date;

use crate::draw::{self, Random};

/// Attempts at a slip that leaves a valid value before giving up.
const ATTEMPTS: usize = 16;
/// The earliest year a mistyped date of birth may land in.
const EARLIEST_YEAR: i32 = 1900;
/// The digit keys in the order they sit on a keyboard's top row.
const DIGIT_ROW: &[u8; 10] = b"1234567890";

fn digits_of(date: Date) -> [u8; 8] {
    let (year, month, day) = date.ymd();
    let text = format!("{year:04}{month:02}{day:02}");
    let mut digits = [0; 8];
    digits.copy_from_slice(&text.as_bytes()[..8]);
    digits
}

fn date_of(digits: [u8; 8], latest: Date) -> Option<Date> {
    let text = std::str::from_utf8(&digits).ok()?;
    let year: i32 = text[..4].parse().ok()?;
    let month: u32 = text[4..6].parse().ok()?;
    let day: u32 = text[6..].parse().ok()?;
    Date::from_ymd(year, month, day).filter(|d| year >= EARLIEST_YEAR && *d <= latest)
}

/// A digit typed for `digit`: mostly a neighbouring key, else any other.
fn wrong_digit(rng: &mut Random, digit: u8) -> u8 {
    let at = DIGIT_ROW.iter().position(|&d| d == digit).unwrap_or(0);
    if draw::chance(rng, 0.7) {
        let next = if at == 0 || (at + 1 < DIGIT_ROW.len() && draw::chance(rng, 0.5)) { at + 1 } else { at - 1 };
        DIGIT_ROW[next]
    } else {
        let other = (at + draw::between(rng, 1, 9) as usize) % DIGIT_ROW.len();
        DIGIT_ROW[other]
    }
}

/// `date` with one of the eight digits of YYYYMMDD mistyped, still a real
/// day no later than `latest`: any digit that can be, mostly for a
/// neighbouring key; `None` when none can.
pub(crate) fn mistype_digit(rng: &mut Random, date: Date, latest: Date) -> Option<Date> {
    let digits = digits_of(date);
    for _ in 0..ATTEMPTS {
        let at = draw::index(rng, 8);
        let mut typed = digits;
        typed[at] = wrong_digit(rng, digits[at]);
        if let Some(wrong) = date_of(typed, latest) {
            return Some(wrong);
        }
    }
    // A date with few digits to spare: any slip that leaves a real day.
    let mut candidates = Vec::new();
    for at in 0..8 {
        for &d in DIGIT_ROW.iter().filter(|&&d| d != digits[at]) {
            let mut typed = digits;
            typed[at] = d;
            candidates.extend(date_of(typed, latest));
        }
    }
    (!candidates.is_empty()).then(|| *draw::pick(rng, &candidates))
}

/// `date` with two neighbouring digits of YYYYMMDD the wrong way round,
/// still a real day no later than `latest`; `None` when no pair gives one.
pub(crate) fn transpose_digits(rng: &mut Random, date: Date, latest: Date) -> Option<Date> {
    let digits = digits_of(date);
    let candidates: Vec<Date> = (0..7)
        .filter(|&at| digits[at] != digits[at + 1])
        .filter_map(|at| {
            let mut typed = digits;
            typed.swap(at, at + 1);
            date_of(typed, latest)
        })
        .collect();
    (!candidates.is_empty()).then(|| *draw::pick(rng, &candidates))
}

/// Letters a postcode can hold where a letter was (the inward code's
/// letters leave out C, I, K, M, O and V).
const POSTCODE_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// A standard-form postcode with one character mistyped: a digit for
/// another digit, a letter for another letter, the space kept, so it
/// still reads as a postcode (most likely of somewhere else).
pub(crate) fn mistype_postcode(rng: &mut Random, postcode: &str) -> String {
    let mut bytes = postcode.as_bytes().to_vec();
    let positions: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_alphanumeric()).collect();
    if positions.is_empty() {
        return postcode.to_owned();
    }
    let at = *draw::pick(rng, &positions);
    let was = bytes[at];
    bytes[at] = if was.is_ascii_digit() {
        // The outward code's district number never starts with a zero.
        let first_digit = at > 0 && !bytes[at - 1].is_ascii_digit() && bytes[at - 1] != b' ';
        loop {
            let d = wrong_digit(rng, was);
            if !(first_digit && d == b'0') {
                break d;
            }
        }
    } else {
        loop {
            let l = *draw::pick(rng, POSTCODE_LETTERS);
            if l != was {
                break l;
            }
        }
    };
    String::from_utf8(bytes).expect("ASCII in, ASCII out")
}

#[cfg(test)]
mod tests {
    use famgraph_model::Postcode;

    use super::*;
    use crate::draw::{Stage, stage_rng};

    #[test]
    fn mistyped_dates_differ_in_one_digit_and_stay_real() {
        let mut rng = stage_rng(3, Stage::Typos);
        let latest = Date::from_ymd(2024, 3, 31).unwrap();
        let born = Date::from_ymd(1987, 11, 23).unwrap();
        let mut positions = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let wrong = mistype_digit(&mut rng, born, latest).expect("a digit can always be mistyped here");
            let (a, b) = (digits_of(born), digits_of(wrong));
            let differ: Vec<usize> = (0..8).filter(|&i| a[i] != b[i]).collect();
            assert_eq!(differ.len(), 1, "{born} {wrong}");
            positions.insert(differ[0]);
            assert!(wrong <= latest && wrong.year() >= EARLIEST_YEAR);
        }
        // Every digit but the first two of the year (which would leave the
        // range) is mistyped some time.
        assert!(positions.len() >= 6, "{positions:?}");
        for _ in 0..200 {
            let wrong = transpose_digits(&mut rng, born, latest).expect("a pair can always be transposed here");
            let (a, b) = (digits_of(born), digits_of(wrong));
            let differ: Vec<usize> = (0..8).filter(|&i| a[i] != b[i]).collect();
            assert!(differ.len() == 2 && differ[1] == differ[0] + 1, "{born} {wrong}");
            assert_eq!((a[differ[0]], a[differ[1]]), (b[differ[1]], b[differ[0]]));
        }
        // A date with few slips that stay in range still gets one of them.
        let recent = Date::from_ymd(2024, 3, 30).unwrap();
        for _ in 0..50 {
            let wrong = mistype_digit(&mut rng, recent, recent).expect("2024-03-20 and others are earlier");
            assert!(wrong < recent);
        }
        // One no transposition leaves in range stays as it is.
        let none = Date::from_ymd(2022, 2, 2).unwrap();
        assert_eq!(transpose_digits(&mut rng, none, Date::from_ymd(2022, 2, 2).unwrap()), None);
    }

    #[test]
    fn mistyped_postcodes_still_parse_and_differ_by_one_character() {
        let mut rng = stage_rng(4, Stage::Typos);
        for postcode in ["ME4 4QS", "DA11 9BX", "CT1 2AB", "ME10 1ZZ"] {
            for _ in 0..100 {
                let wrong = mistype_postcode(&mut rng, postcode);
                assert_eq!(wrong.len(), postcode.len());
                let differ = wrong.bytes().zip(postcode.bytes()).filter(|(a, b)| a != b).count();
                assert_eq!(differ, 1, "{postcode} {wrong}");
                assert_eq!(Postcode::parse(&wrong).map(|p| p.as_str().to_owned()), Some(wrong.clone()), "{wrong}");
            }
        }
    }
}
