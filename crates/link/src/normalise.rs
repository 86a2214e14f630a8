//! Name normalising for comparison and blocking: lower case ASCII letters,
//! accents folded, apostrophes dropped ("O'Brien" is "obrien"), other
//! punctuation and spaces splitting a name into parts; and a Soundex code
//! so "Smith" and "Smyth" block together.

/// Folds a name into lower-case ASCII tokens. Apostrophes join (so "O'Neil"
/// and "Oneil" agree); hyphens, dots, spaces and other punctuation split.
/// Letters with no ASCII form are dropped, as are digits.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() {
            current.push(c);
        } else if let Some(folded) = fold_accent(c) {
            current.push_str(folded);
        } else if matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '`') {
            // Joined, not split: O'Brien is one name.
        } else if !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// The ASCII letters for an accented lower-case Latin letter.
fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ķ' => "k",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' | 'ŕ' => "r",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Surname particles that are not a surname on their own: "Van Dyke" must
/// not agree with "Van Persie" on "van". Parts shorter than
/// `MIN_SURNAME_PART_LEN` are dropped for the same reason ("de", "la").
const PARTICLES: &[&str] = &["van", "von", "der", "den", "del", "della", "des", "dos", "das", "mac", "bin", "ibn"];

/// The shortest part of a multi-part surname that can match on its own.
const MIN_SURNAME_PART_LEN: usize = 3;

/// A family name ready for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FamilyName {
    /// All tokens run together: "Mac Donald" and "Macdonald" agree.
    pub full: String,
    /// The separate parts of a hyphenated or multi-word surname, when there
    /// is more than one; "Smith-Jones" agrees with "Jones".
    pub parts: Vec<String>,
    /// The Double Metaphone codes of `full`.
    pub sounds: Sounds,
    /// `full` interned over the extract (0: not interned), so equality is
    /// one comparison of numbers in the hot loop.
    pub id: u32,
}

impl FamilyName {
    pub(crate) fn new(text: &str) -> FamilyName {
        let tokens = tokens(text);
        let full = tokens.concat();
        let parts = if tokens.len() > 1 {
            tokens.into_iter().filter(|t| t.len() >= MIN_SURNAME_PART_LEN && !PARTICLES.contains(&t.as_str())).collect()
        } else {
            Vec::new()
        };
        let sounds = Sounds::of(&full);
        FamilyName { full, parts, sounds, id: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.full.is_empty()
    }

    /// The whole name, then its parts.
    pub(crate) fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.full.as_str()).chain(self.parts.iter().map(String::as_str))
    }
}

/// A given name ready for comparison: the first token decides, since a
/// middle name is often left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GivenName {
    pub first: String,
    /// The nickname groups of `first` (see `nicknames`).
    pub groups: &'static [u16],
    /// How many records of the extract spell the name this way (0 when
    /// not counted): a spelling almost nobody else uses, a slip from a
    /// common one, is a misspelling rather than another name.
    pub seen: u32,
    /// The Double Metaphone codes of `first`.
    pub sounds: Sounds,
    /// `first` interned over the extract (0: not interned).
    pub id: u32,
    /// For a rare spelling, the common spellings of the extract it is a
    /// slip from, shared by the records spelling it so (see
    /// `compare::slips_of_one_name`); `None` for most names.
    pub slip: Option<std::sync::Arc<Slip>>,
}

/// The common spellings a rare one is a slip from ("Liily" and "Lly" both
/// from Lily), one or two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slip {
    /// Their interned numbers; 0 for none.
    pub of: [u32; 2],
    /// Their nickname groups: "Jenyn", a slip of Jenny, and "Jnenifer", a
    /// slip of Jennifer, are one name misspelt.
    pub groups: [&'static [u16]; 2],
}

impl GivenName {
    pub(crate) fn new(text: &str) -> GivenName {
        let first = tokens(text).into_iter().next().unwrap_or_default();
        let groups = crate::nicknames::groups_of(&first);
        let sounds = Sounds::of(&first);
        GivenName { first, groups, seen: 0, sounds, id: 0, slip: None }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// A single letter: "J" for John.
    pub(crate) fn is_initial(&self) -> bool {
        self.first.len() == 1
    }

    /// The first letter, and those of the name's formal forms ("w" for
    /// "bill"), so an initial or a block on it finds the formal name too.
    pub(crate) fn initials(&self) -> Vec<u8> {
        let mut initials: Vec<u8> = self.first.bytes().take(1).collect();
        for group in self.groups {
            if let Some(initial) = crate::nicknames::formal_name(*group).bytes().next()
                && !initials.contains(&initial)
            {
                initials.push(initial);
            }
        }
        initials
    }

    /// The name and its formal forms: "bill" gives "bill" and "william".
    pub(crate) fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.first.as_str()).chain(self.groups.iter().map(|g| crate::nicknames::formal_name(*g)))
    }
}

/// A name's Double Metaphone codes (primary and alternate), each packed
/// into a number; 0 for none. Two names sound alike when any code of one
/// is a code of the other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Sounds([u64; 2]);

/// The longest code kept: the usual four, plus two so that long names
/// that differ late are told apart.
const MAX_SOUND_LEN: usize = 6;
/// The fewest sounds a shared code must have.
const MIN_SOUNDS: usize = 3;

impl Sounds {
    pub(crate) fn of(name: &str) -> Sounds {
        if name.len() < 2 {
            return Sounds::default();
        }
        thread_local! {
            static ENCODER: rphonetic::DoubleMetaphone = rphonetic::DoubleMetaphone::new(Some(MAX_SOUND_LEN));
            // Names repeat: each is encoded once a thread.
            static SEEN: std::cell::RefCell<rustc_hash::FxHashMap<String, Sounds>> =
                std::cell::RefCell::new(rustc_hash::FxHashMap::default());
        }
        if let Some(sounds) = SEEN.with(|seen| seen.borrow().get(name).copied()) {
            return sounds;
        }
        let pack = |code: &str| code.bytes().take(8).fold(0_u64, |packed, b| (packed << 8) | u64::from(b));
        let sounds = ENCODER.with(|encoder| {
            let result = encoder.double_metaphone(name);
            Sounds([pack(&result.primary()), pack(&result.alternate())])
        });
        SEEN.with(|seen| seen.borrow_mut().insert(name.to_owned(), sounds));
        sounds
    }

    /// Whether two names share a code of at least `MIN_SOUNDS` sounds:
    /// shorter codes ("S" for Zoe, Sue and Zia) say little.
    pub(crate) fn agree(self, other: Sounds) -> bool {
        self.0.iter().any(|code| *code >= 1 << (8 * (MIN_SOUNDS - 1)) && other.0.contains(code))
    }
}

/// The words a street type is written as, and the word it stands for:
/// Royal Mail's usual abbreviations.
pub const STREET_TYPES: [(&str, &str); 24] = [
    ("ave", "avenue"),
    ("av", "avenue"),
    ("cl", "close"),
    ("cres", "crescent"),
    ("cresc", "crescent"),
    ("ct", "court"),
    ("dr", "drive"),
    ("gdns", "gardens"),
    ("gr", "grove"),
    ("gro", "grove"),
    ("hts", "heights"),
    ("ln", "lane"),
    ("pde", "parade"),
    ("pk", "park"),
    ("pl", "place"),
    ("rd", "road"),
    ("sq", "square"),
    ("st", "street"),
    ("ter", "terrace"),
    ("terr", "terrace"),
    ("tce", "terrace"),
    ("wk", "walk"),
    ("wy", "way"),
    ("yd", "yard"),
];

/// Words that name a part of a building, not the street: the number after
/// them is a flat's.
const FLAT_WORDS: [&str; 6] = ["flat", "room", "apartment", "apt", "unit", "no"];

/// The first line of an address reduced to what identifies the property:
/// the house number and the street's words, street types read in full, so
/// "12 High St" and "12, High Street" agree and "Flat 3, 12 High Street"
/// has the house number 12.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct AddressLine {
    /// The house number as written, letters kept: "12a".
    pub number: Option<String>,
    /// The street's words, joined by single spaces.
    pub street: String,
    /// `street` interned over the extract (0: not interned).
    pub street_id: u32,
}

impl AddressLine {
    /// `None` when the line has no letters to compare.
    pub(crate) fn new(text: &str) -> Option<AddressLine> {
        // The part of the line holding the house number is the street;
        // other parts name a building or a locality.
        let parts: Vec<Vec<String>> = text.split([',', ';']).map(address_tokens).filter(|t| !t.is_empty()).collect();
        let numbered = |part: &Vec<String>| part.iter().any(|t| is_number(t));
        let street_part = parts.iter().rposition(numbered).unwrap_or(0);
        let mut part: Vec<&String> = parts.get(street_part)?.iter().collect();
        if part.iter().all(|t| is_number(t))
            && let Some(next) = parts.get(street_part + 1)
        {
            // "12, High Street": the number alone, the street after it.
            part.extend(next);
        }
        let mut number = None;
        let mut words: Vec<&str> = Vec::new();
        let mut after_flat_word = false;
        for token in part {
            if is_number(token) {
                if !after_flat_word {
                    number = Some((*token).clone());
                }
                after_flat_word = false;
            } else if FLAT_WORDS.contains(&token.as_str()) {
                after_flat_word = true;
            } else {
                after_flat_word = false;
                let full =
                    STREET_TYPES.iter().find(|(short, _)| short == token).map_or(token.as_str(), |(_, full)| *full);
                words.push(full);
            }
        }
        if words.is_empty() {
            // A line of numbers only says nothing comparable.
            return None;
        }
        Some(AddressLine { number, street: words.join(" "), street_id: 0 })
    }
}

fn is_number(token: &str) -> bool {
    token.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Lower-case ASCII tokens of an address part: letters and digits run
/// together ("12a"), everything else splits ("3/12" is 3 and 12).
fn address_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            current.push(c);
        } else if let Some(folded) = fold_accent(c) {
            current.push_str(folded);
        } else if !matches!(c, '\'' | '\u{2019}') && !current.is_empty() {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// Whether two texts interned as `ids` (0: not interned) are equal: by
/// number where both are interned, else by text.
pub(crate) fn same(ids: (u32, u32), a: &str, b: &str) -> bool {
    if ids.0 != 0 && ids.1 != 0 { ids.0 == ids.1 } else { a == b }
}

/// American Soundex: the first letter and three digits ("Robert" is
/// R163), or `None` for a name with no letters. The input is a normalised
/// token (lower-case ASCII).
pub(crate) fn soundex(name: &str) -> Option<[u8; 4]> {
    let mut letters = name.bytes().filter(u8::is_ascii_lowercase);
    let first = letters.next()?;
    let mut code = [first.to_ascii_uppercase(), b'0', b'0', b'0'];
    let mut len = 1;
    let mut previous = soundex_digit(first);
    for letter in letters {
        if len == code.len() {
            break;
        }
        let digit = soundex_digit(letter);
        match letter {
            // H and W do not separate letters with the same code.
            b'h' | b'w' => continue,
            _ => {}
        }
        if digit != 0 && digit != previous {
            code[len] = digit;
            len += 1;
        }
        previous = digit;
    }
    Some(code)
}

/// A letter's Soundex digit as an ASCII byte, or 0 for vowels and Y.
fn soundex_digit(letter: u8) -> u8 {
    match letter {
        b'b' | b'f' | b'p' | b'v' => b'1',
        b'c' | b'g' | b'j' | b'k' | b'q' | b's' | b'x' | b'z' => b'2',
        b'd' | b't' => b'3',
        b'l' => b'4',
        b'm' | b'n' => b'5',
        b'r' => b'6',
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_fold_and_split() {
        assert_eq!(tokens("O'Brien"), ["obrien"]);
        assert_eq!(tokens("  Smith-Jones "), ["smith", "jones"]);
        assert_eq!(tokens("Zoë Łucja"), ["zoe", "lucja"]);
        assert_eq!(tokens("J.P."), ["j", "p"]);
        assert_eq!(tokens("Müller"), ["muller"]);
        assert!(tokens("--").is_empty());
    }

    #[test]
    fn family_names_keep_meaningful_parts() {
        let name = FamilyName::new("Smith-Jones");
        assert_eq!(name.full, "smithjones");
        assert_eq!(name.parts, ["smith", "jones"]);
        assert_eq!(FamilyName::new("Van Der Berg").parts, ["berg"]);
        assert_eq!(FamilyName::new("Mac Donald").full, FamilyName::new("MacDonald").full);
        assert!(FamilyName::new("Smith").parts.is_empty());
    }

    #[test]
    fn given_names_know_initials_and_forms() {
        let bill = GivenName::new("Bill");
        assert_eq!(bill.initials(), b"bw");
        assert_eq!(bill.forms().collect::<Vec<_>>(), ["bill", "william"]);
        assert!(GivenName::new("J.").is_initial());
        assert_eq!(GivenName::new("John Paul").first, "john");
    }

    #[test]
    fn address_lines_keep_number_and_street() {
        let line = |text: &str| AddressLine::new(text);
        let high_street = Some(AddressLine { number: Some("12".into()), street: "high street".into(), street_id: 0 });
        assert_eq!(line("12 High Street"), high_street);
        assert_eq!(line("12, HIGH ST"), high_street);
        assert_eq!(line("Flat 3, 12 High St"), high_street);
        assert_eq!(line("3/12 High Street"), high_street);
        assert_eq!(line("Rose House, 12 High Street"), high_street);
        assert_eq!(
            line("8 stanley street, miami"),
            Some(AddressLine { number: Some("8".into()), street: "stanley street".into(), street_id: 0 })
        );
        assert_eq!(line("Rose House"), Some(AddressLine { number: None, street: "rose house".into(), street_id: 0 }));
        assert_eq!(line("12a Mill Rd").map(|l| l.number), Some(Some("12a".into())));
        assert_eq!(line("12"), None);
        assert_eq!(line(""), None);
    }

    #[test]
    fn names_that_sound_alike() {
        assert!(Sounds::of("stephen").agree(Sounds::of("steven")));
        assert!(Sounds::of("smith").agree(Sounds::of("schmidt")));
        assert!(Sounds::of("catherine").agree(Sounds::of("kathryn")));
        assert!(!Sounds::of("john").agree(Sounds::of("mary")));
        assert!(!Sounds::of("").agree(Sounds::of("")));
    }

    #[test]
    fn soundex_codes() {
        for (name, code) in [
            ("robert", b"R163"),
            ("rupert", b"R163"),
            ("ashcraft", b"A261"),
            ("tymczak", b"T522"),
            ("pfister", b"P236"),
            ("smith", b"S530"),
            ("smyth", b"S530"),
            ("lee", b"L000"),
        ] {
            assert_eq!(soundex(name).as_ref(), Some(code), "{name}");
        }
        assert_eq!(soundex(""), None);
    }
}
