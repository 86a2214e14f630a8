//! The identifiers agencies record: UK postcodes and NHS numbers.

use std::fmt;

/// A UK postcode in standard form: upper case, one space before the
/// last three characters (the inward code).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Postcode(String);

impl Postcode {
    /// Normalises a written postcode. Returns `None` when it is not shaped
    /// like a postcode at all (5 to 7 letters and digits, inward code digit
    /// then two letters).
    pub fn parse(text: &str) -> Option<Postcode> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        let bytes = compact.as_bytes();
        if !(5..=7).contains(&bytes.len()) || !compact.is_ascii() {
            return None;
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        let inward_ok =
            inward.as_bytes()[0].is_ascii_digit() && inward.as_bytes()[1..].iter().all(u8::is_ascii_alphabetic);
        let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic()
            && outward.bytes().all(|b| b.is_ascii_alphanumeric())
            && outward.bytes().any(|b| b.is_ascii_digit());
        if !(inward_ok && outward_ok) {
            return None;
        }
        Some(Postcode(format!("{outward} {inward}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code and sector digit, e.g. `ME4 4`: a fair area key.
    pub fn sector(&self) -> &str {
        &self.0[..self.0.len() - 2]
    }

    /// The outward code, e.g. `ME4`.
    pub fn district(&self) -> &str {
        &self.0[..self.0.len() - 4]
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 10-digit NHS number whose Modulus 11 check digit is valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NhsNumber(u64);

impl NhsNumber {
    /// Accepts 10 digits, optionally written with spaces or hyphens in the
    /// usual 3-3-4 groups, with a valid check digit.
    pub fn parse(text: &str) -> Option<NhsNumber> {
        let digits: Vec<u32> =
            text.chars().filter(|c| *c != ' ' && *c != '-').map(|c| c.to_digit(10)).collect::<Option<_>>()?;
        if digits.len() != 10 || check_digit(&digits[..9])? != digits[9] {
            return None;
        }
        Some(NhsNumber(digits.iter().fold(0, |n, d| n * 10 + u64::from(*d))))
    }

    /// Completes nine digits with their check digit, or `None` when the
    /// nine digits have no valid check digit (remainder 10).
    pub fn from_nine_digits(nine: u64) -> Option<NhsNumber> {
        let digits: Vec<u32> = format!("{nine:09}").chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 9 {
            return None;
        }
        let check = check_digit(&digits)?;
        Some(NhsNumber(nine * 10 + u64::from(check)))
    }

    pub fn value(self) -> u64 {
        self.0
    }
}

fn check_digit(nine: &[u32]) -> Option<u32> {
    let sum: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        check => Some(check),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_normalise() {
        assert_eq!(Postcode::parse("me4 4qs").unwrap().as_str(), "ME4 4QS");
        assert_eq!(Postcode::parse(" ME44QS ").unwrap().as_str(), "ME4 4QS");
        assert_eq!(Postcode::parse("SW1A1AA").unwrap().as_str(), "SW1A 1AA");
        assert_eq!(Postcode::parse("ME4 4QS").unwrap().sector(), "ME4 4");
        assert_eq!(Postcode::parse("ME4 4QS").unwrap().district(), "ME4");
        assert_eq!(Postcode::parse("not a postcode"), None);
        assert_eq!(Postcode::parse("12345"), None);
    }

    #[test]
    fn postcode_normalising_is_idempotent() {
        for text in ["me4 4qs", "da11 0at", "SW1A1AA", "m1 1ae"] {
            let once = Postcode::parse(text).unwrap();
            assert_eq!(Postcode::parse(once.as_str()), Some(once.clone()));
        }
    }

    #[test]
    fn nhs_numbers_check() {
        // The NHS Data Dictionary's worked example.
        assert_eq!(NhsNumber::parse("943 476 5919").map(|n| n.to_string()).as_deref(), Some("9434765919"));
        assert_eq!(NhsNumber::parse("9434765918"), None);
        assert_eq!(NhsNumber::parse("94347659"), None);
        assert_eq!(NhsNumber::from_nine_digits(943_476_591).map(NhsNumber::value), Some(9_434_765_919));
    }
}
