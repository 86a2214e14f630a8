//! Names as English agencies record them: common surnames with a Zipf-like
//! spread (many Smiths and Joneses, a long tail of rarer names), given names
//! by sex and by the decade of birth, the nicknames people go by, and the
//! misspellings a rushed keyboard makes.

use famgraph_model::Sex;
use rand::Rng;

use crate::draw::{self, Random, Zipf};

/// Common surnames in England and Wales, most common first.
const COMMON_SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "Graham",
    "Pearson",
    "Ahmed",
    "Fletcher",
    "Walsh",
    "Kaur",
    "Gibson",
    "Howard",
    "Andrews",
    "Stewart",
    "Elliott",
    "Reynolds",
    "Saunders",
    "Payne",
    "Fox",
    "Ford",
    "Pearce",
    "Day",
    "Brooks",
    "West",
    "Lawrence",
    "Cole",
    "Atkinson",
    "Bradley",
    "Spencer",
    "Gill",
    "Dawson",
    "Ball",
    "Burton",
    "O'Brien",
    "Watts",
    "Rose",
    "Booth",
    "Perry",
    "Ryan",
    "Grant",
    "Wells",
    "Armstrong",
    "Francis",
    "Rees",
    "Hayes",
    "Hart",
    "Hudson",
    "Newman",
    "Barrett",
    "Webster",
    "Hunter",
    "Gregory",
    "Carr",
    "Lowe",
    "Page",
    "Marsh",
    "Riley",
    "Dunn",
    "Woods",
    "Parsons",
    "Berry",
    "Stone",
    "Reid",
    "Holland",
    "Hawkins",
    "Harding",
    "Porter",
    "Robertson",
    "Newton",
    "Oliver",
    "Reed",
    "Kennedy",
    "Williamson",
    "Bird",
    "Gardner",
    "Shah",
    "Dean",
    "Lane",
    "Cooke",
    "Bates",
    "Henderson",
    "Parry",
    "Burgess",
    "Bishop",
    "Walton",
    "Burns",
    "Nicholson",
    "Shepherd",
    "Ross",
    "Cross",
    "Long",
    "Freeman",
    "Warren",
    "Nicholls",
    "Hamilton",
    "Byrne",
    "Sutton",
    "McDonald",
    "Yates",
    "Hodgson",
    "Robson",
    "Curtis",
    "Hopkins",
    "O'Connor",
];

/// The long tail: English place-name surnames, made of a first part and an ending.
const TAIL_FIRST: &[&str] = &[
    "Ash", "Black", "Brad", "Brook", "Brom", "Cart", "Chad", "Clif", "Cran", "Dal", "Dun", "East", "Elm", "Fair",
    "Farn", "Fen", "Gold", "Green", "Hal", "Ham", "Hart", "Hay", "Hol", "Ing", "Kings", "Lang", "Mar", "Mid", "Mill",
    "Nor", "Oak", "Pen", "Rad", "Red", "Rush", "Sel", "Shel", "South", "Stan", "Stock", "Thorn", "Wal", "Wake", "West",
    "Whit", "Wood", "Wor", "Crom", "Dart", "Hather",
];
const TAIL_END: &[&str] = &[
    "ley", "ton", "ford", "field", "wood", "worth", "by", "ham", "well", "combe", "dale", "bury", "stead", "more",
    "brook", "hurst", "wick", "den", "low", "shaw", "thorpe", "croft", "ridge", "land", "gate", "leigh",
];

/// Share of people whose surname is one of the common ones.
const COMMON_SURNAME_SHARE: f64 = 0.35;

/// Surnames to draw from: the common list with a Zipf spread, then the tail.
pub(crate) struct Surnames {
    pub names: Vec<String>,
    common: Zipf,
    n_tail: usize,
}

impl Surnames {
    pub(crate) fn new() -> Surnames {
        let mut names: Vec<String> = COMMON_SURNAMES.iter().map(|s| (*s).to_owned()).collect();
        for first in TAIL_FIRST {
            for end in TAIL_END {
                let name = format!("{first}{end}");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let n_tail = names.len() - COMMON_SURNAMES.len();
        Surnames { names, common: Zipf::new(COMMON_SURNAMES.len(), 0.8), n_tail }
    }

    /// The index of a drawn surname in `names`.
    pub(crate) fn draw(&self, rng: &mut Random) -> u32 {
        let i = if draw::chance(rng, COMMON_SURNAME_SHARE) {
            self.common.draw(rng)
        } else {
            COMMON_SURNAMES.len() + draw::index(rng, self.n_tail)
        };
        i as u32
    }

    /// A surname other than `not`.
    pub(crate) fn draw_other(&self, rng: &mut Random, not: u32) -> u32 {
        loop {
            let i = self.draw(rng);
            if i != not {
                return i;
            }
        }
    }

    /// The index of `name`, added if new (double-barrelled names).
    pub(crate) fn intern(&mut self, name: String) -> u32 {
        // Compound names are rare, so a scan from the end finds repeats cheaply enough.
        if let Some(i) = self.names.iter().rposition(|n| *n == name) {
            return i as u32;
        }
        self.names.push(name);
        (self.names.len() - 1) as u32
    }

    pub(crate) fn get(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// Given names by the era of birth, most popular first.
const MALE_BEFORE_1965: &[&str] = &[
    "John",
    "David",
    "Michael",
    "Peter",
    "Robert",
    "Anthony",
    "Brian",
    "Alan",
    "William",
    "James",
    "Richard",
    "Kenneth",
    "Roger",
    "Keith",
    "Terence",
    "Raymond",
    "Christopher",
    "Stephen",
    "Paul",
    "Barry",
    "Colin",
    "Graham",
    "Ronald",
    "Derek",
    "Leonard",
    "Frederick",
    "Edward",
    "Donald",
    "Gerald",
    "Philip",
];
const FEMALE_BEFORE_1965: &[&str] = &[
    "Susan",
    "Margaret",
    "Linda",
    "Christine",
    "Patricia",
    "Janet",
    "Carol",
    "Elizabeth",
    "Mary",
    "Ann",
    "Jennifer",
    "Barbara",
    "Sandra",
    "Pauline",
    "Jacqueline",
    "Valerie",
    "Kathleen",
    "Maureen",
    "Brenda",
    "Jean",
    "Gillian",
    "Lesley",
    "Julie",
    "Deborah",
    "Catherine",
    "Sheila",
    "Irene",
    "Dorothy",
    "Wendy",
    "Angela",
];
const MALE_1965_TO_1984: &[&str] = &[
    "David",
    "Paul",
    "Mark",
    "Andrew",
    "Michael",
    "Richard",
    "Stephen",
    "Darren",
    "Lee",
    "Christopher",
    "Matthew",
    "Jason",
    "Daniel",
    "James",
    "Robert",
    "John",
    "Craig",
    "Steven",
    "Wayne",
    "Gary",
    "Dean",
    "Anthony",
    "Carl",
    "Simon",
    "Neil",
    "Jonathan",
    "Kevin",
    "Nicholas",
    "Timothy",
    "Gregory",
];
const FEMALE_1965_TO_1984: &[&str] = &[
    "Sarah",
    "Claire",
    "Nicola",
    "Emma",
    "Lisa",
    "Joanne",
    "Michelle",
    "Helen",
    "Samantha",
    "Karen",
    "Amanda",
    "Rachel",
    "Louise",
    "Julie",
    "Kelly",
    "Donna",
    "Tracey",
    "Victoria",
    "Rebecca",
    "Kerry",
    "Jennifer",
    "Katherine",
    "Elizabeth",
    "Deborah",
    "Jacqueline",
    "Kimberley",
    "Catherine",
    "Natalie",
    "Zoe",
    "Stacey",
];
const MALE_1985_TO_2004: &[&str] = &[
    "Thomas",
    "James",
    "Jack",
    "Daniel",
    "Joshua",
    "Matthew",
    "Ryan",
    "Luke",
    "Samuel",
    "Jordan",
    "Adam",
    "Liam",
    "Michael",
    "Christopher",
    "Benjamin",
    "Lewis",
    "Connor",
    "Callum",
    "Jake",
    "Nathan",
    "William",
    "Alexander",
    "Jamie",
    "Kieran",
    "Bradley",
    "Joseph",
    "Aaron",
    "Dean",
    "Jonathan",
    "Nicholas",
];
const FEMALE_1985_TO_2004: &[&str] = &[
    "Emily",
    "Jessica",
    "Sophie",
    "Charlotte",
    "Hannah",
    "Laura",
    "Rebecca",
    "Lauren",
    "Amy",
    "Chloe",
    "Megan",
    "Gemma",
    "Danielle",
    "Stacey",
    "Samantha",
    "Jade",
    "Victoria",
    "Natalie",
    "Katie",
    "Bethany",
    "Holly",
    "Leah",
    "Shannon",
    "Kirsty",
    "Abigail",
    "Alexandra",
    "Jennifer",
    "Elizabeth",
    "Katherine",
    "Zoe",
];
const MALE_FROM_2005: &[&str] = &[
    "Oliver",
    "Jack",
    "Harry",
    "George",
    "Noah",
    "Charlie",
    "Jacob",
    "Alfie",
    "Freddie",
    "Oscar",
    "Leo",
    "Logan",
    "Archie",
    "Theo",
    "Thomas",
    "James",
    "Joshua",
    "William",
    "Henry",
    "Riley",
    "Ethan",
    "Mason",
    "Max",
    "Daniel",
    "Alexander",
    "Samuel",
    "Joseph",
    "Lucas",
    "Dylan",
    "Tyler",
    "Kai",
    "Frederick",
    "Theodore",
    "Benjamin",
    "Zachary",
    "Edward",
];
const FEMALE_FROM_2005: &[&str] = &[
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Isabella",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Sophie",
    "Grace",
    "Evie",
    "Jessica",
    "Ruby",
    "Freya",
    "Chloe",
    "Charlotte",
    "Millie",
    "Daisy",
    "Phoebe",
    "Sienna",
    "Scarlett",
    "Lola",
    "Rosie",
    "Elizabeth",
    "Matilda",
    "Alexandra",
    "Victoria",
    "Samantha",
    "Katherine",
    "Abigail",
];

/// Formal names and the names their bearers go by.
const NICKNAMES: &[(&str, &[&str])] = &[
    ("William", &["Bill", "Will", "Billy"]),
    ("Elizabeth", &["Liz", "Beth", "Lizzie"]),
    ("John", &["Jack", "Johnny"]),
    ("Katherine", &["Kate", "Kathy", "Katie"]),
    ("Catherine", &["Cathy", "Kate"]),
    ("Robert", &["Bob", "Rob", "Bobby"]),
    ("Richard", &["Rick", "Richie", "Dick"]),
    ("Margaret", &["Maggie", "Peggy"]),
    ("James", &["Jim", "Jimmy", "Jamie"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Michael", &["Mick", "Mike"]),
    ("Christopher", &["Chris"]),
    ("Anthony", &["Tony"]),
    ("Edward", &["Ted", "Eddie", "Ed"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Samuel", &["Sam", "Sammy"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Alexander", &["Alex", "Xander"]),
    ("Matthew", &["Matt"]),
    ("Nicholas", &["Nick"]),
    ("Stephen", &["Steve"]),
    ("Steven", &["Steve"]),
    ("David", &["Dave"]),
    ("Andrew", &["Andy", "Drew"]),
    ("Jennifer", &["Jenny", "Jen"]),
    ("Rebecca", &["Becky", "Becca"]),
    ("Victoria", &["Vicky", "Tori"]),
    ("Samantha", &["Sam", "Sammy"]),
    ("Alexandra", &["Alex", "Lexi"]),
    ("Charlotte", &["Charlie", "Lottie"]),
    ("Jessica", &["Jess"]),
    ("Deborah", &["Debbie", "Deb"]),
    ("Susan", &["Sue", "Susie"]),
    ("Patricia", &["Pat", "Trish"]),
    ("Christine", &["Chris", "Chrissie"]),
    ("Kimberley", &["Kim"]),
    ("Jacqueline", &["Jackie"]),
    ("Amanda", &["Mandy"]),
    ("Nathan", &["Nate"]),
    ("Benjamin", &["Ben"]),
    ("Oliver", &["Ollie"]),
    ("Frederick", &["Fred", "Freddie"]),
    ("Theodore", &["Theo", "Ted"]),
    ("Leonard", &["Len", "Lenny"]),
    ("Ronald", &["Ron", "Ronnie"]),
    ("Terence", &["Terry"]),
    ("Raymond", &["Ray"]),
    ("Kenneth", &["Ken", "Kenny"]),
    ("Peter", &["Pete"]),
    ("Philip", &["Phil"]),
    ("Timothy", &["Tim"]),
    ("Gregory", &["Greg"]),
    ("Jonathan", &["Jon", "Jonny"]),
    ("Zachary", &["Zac"]),
    ("Isabella", &["Bella", "Izzy"]),
    ("Amelia", &["Millie", "Amy"]),
    ("Abigail", &["Abbie", "Abby"]),
    ("Gillian", &["Gill"]),
    ("Pauline", &["Paula"]),
    ("Valerie", &["Val"]),
    ("Donald", &["Don"]),
    ("Gerald", &["Gerry"]),
    ("Barbara", &["Barbs"]),
    ("Natalie", &["Nat"]),
    ("Danielle", &["Dani"]),
];

/// Given names to draw from for one sex and era.
pub(crate) struct GivenNames {
    lists: [(&'static [&'static str], Zipf); 8],
}

impl GivenNames {
    pub(crate) fn new() -> GivenNames {
        let entry = |names: &'static [&'static str]| (names, Zipf::new(names.len(), 0.7));
        GivenNames {
            lists: [
                entry(MALE_BEFORE_1965),
                entry(FEMALE_BEFORE_1965),
                entry(MALE_1965_TO_1984),
                entry(FEMALE_1965_TO_1984),
                entry(MALE_1985_TO_2004),
                entry(FEMALE_1985_TO_2004),
                entry(MALE_FROM_2005),
                entry(FEMALE_FROM_2005),
            ],
        }
    }

    pub(crate) fn draw(&self, rng: &mut Random, sex: Sex, birth_year: i32) -> &'static str {
        let era = match birth_year {
            ..1965 => 0,
            1965..1985 => 1,
            1985..2005 => 2,
            _ => 3,
        };
        let (names, zipf) = &self.lists[era * 2 + usize::from(sex == Sex::F)];
        names[zipf.draw(rng)]
    }

    /// A given name for `sex` and era other than any in `taken` (siblings
    /// do not share a name).
    pub(crate) fn draw_unlike(&self, rng: &mut Random, sex: Sex, birth_year: i32, taken: &[&str]) -> &'static str {
        for _ in 0..20 {
            let name = self.draw(rng, sex, birth_year);
            if !taken.contains(&name) {
                return name;
            }
        }
        self.draw(rng, sex, birth_year)
    }
}

/// A nickname for `given`, if it has any.
pub(crate) fn nickname(rng: &mut Random, given: &str) -> Option<&'static str> {
    NICKNAMES.iter().find(|(formal, _)| *formal == given).map(|(_, nicks)| *draw::pick(rng, nicks))
}

/// Confusions a typist makes between letters that sound alike.
const SOUND_ALIKE: &[(char, char)] = &[
    ('a', 'e'),
    ('e', 'a'),
    ('i', 'y'),
    ('y', 'i'),
    ('o', 'u'),
    ('u', 'o'),
    ('c', 'k'),
    ('k', 'c'),
    ('s', 'z'),
    ('z', 's'),
    ('m', 'n'),
    ('n', 'm'),
    ('t', 'd'),
    ('d', 't'),
    ('e', 'i'),
    ('i', 'e'),
];

/// One or two slips of the keyboard: a letter swapped for a like-sounding
/// one, dropped, doubled, or transposed with its neighbour. The first
/// letter is kept, as it usually is in real misspellings.
pub(crate) fn misspell(rng: &mut Random, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    if chars.len() < 3 {
        return name.to_owned();
    }
    let edits = if draw::chance(rng, 0.8) { 1 } else { 2 };
    for _ in 0..edits {
        let n = chars.len();
        let at = rng.random_range(1..n);
        match draw::index(rng, 4) {
            0 => {
                let lower = chars[at].to_ascii_lowercase();
                if let Some((_, to)) = SOUND_ALIKE.iter().find(|(from, _)| *from == lower) {
                    chars[at] = *to;
                } else {
                    chars.insert(at, chars[at]);
                }
            }
            1 if n > 3 => {
                chars.remove(at);
            }
            2 if at + 1 < n && chars[at] != chars[at + 1] => chars.swap(at, at + 1),
            _ => chars.insert(at, chars[at]),
        }
    }
    let spelt: String = chars.into_iter().collect();
    if spelt == name {
        // Every edit undid another: drop a letter instead, so a misspelling always differs.
        let mut spelt = name.to_owned();
        spelt.pop();
        spelt
    } else {
        spelt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::{Stage, stage_rng};

    #[test]
    fn misspellings_differ_and_keep_the_first_letter() {
        let mut rng = stage_rng(5, Stage::Records);
        for name in ["Smith", "Katherine", "O'Brien", "Lee", "Jo"] {
            for _ in 0..50 {
                let spelt = misspell(&mut rng, name);
                if name.len() >= 3 {
                    assert_ne!(spelt, name);
                    assert_eq!(spelt.chars().next(), name.chars().next());
                    assert!(!spelt.is_empty());
                }
            }
        }
    }

    #[test]
    fn many_smiths_and_a_long_tail() {
        let mut rng = stage_rng(9, Stage::World);
        let surnames = Surnames::new();
        let drawn: Vec<u32> = (0..20_000).map(|_| surnames.draw(&mut rng)).collect();
        let smiths = drawn.iter().filter(|&&i| surnames.get(i) == "Smith").count();
        let mut distinct = drawn.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(smiths > 400 && smiths < 2000, "{smiths}");
        assert!(distinct.len() > 1000, "{}", distinct.len());
        assert!(NICKNAMES.len() >= 40);
    }
}
