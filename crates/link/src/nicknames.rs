//! Common English given-name variants: the nicknames, short forms and
//! spellings that agencies record for one person ("Bill" at the police,
//! "William" at school).
//!
//! Each group lists a formal name first, then its variants. A name may sit
//! in several groups ("sam" is Samuel or Samantha); two names are nicknames
//! of each other when they share a group. The formal name also feeds the
//! blocking keys, so "Bob" and "Robert" meet in the same blocks.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Formal name first, then variants; all lower case ASCII.
const GROUPS: &[&[&str]] = &[
    &["william", "bill", "billy", "will", "willy", "willie", "liam", "wil"],
    &["elizabeth", "liz", "lizzie", "lizzy", "beth", "betty", "bette", "bess", "bessie", "eliza", "libby", "elisabeth"],
    &["john", "jack", "johnny", "jon", "jonny"],
    &["jonathan", "jon", "jonny"],
    &[
        "katherine",
        "catherine",
        "kathryn",
        "katharine",
        "cathryn",
        "kate",
        "katie",
        "katy",
        "kathy",
        "cathy",
        "kath",
        "cath",
        "kat",
        "kitty",
        "kay",
    ],
    &["robert", "bob", "bobby", "rob", "robbie", "bert", "bertie"],
    &["david", "dave", "davey", "davy"],
    &["james", "jim", "jimmy", "jamie"],
    &["michael", "mike", "mick", "mickey", "micky", "mikey"],
    &["thomas", "tom", "tommy", "thom"],
    &["samuel", "sam", "sammy"],
    &["samantha", "sam", "sammy", "sammie"],
    &["richard", "rick", "ricky", "dick", "rich", "richie", "ritchie"],
    &["edward", "ed", "eddie", "eddy", "ted", "teddy", "ned"],
    &["margaret", "maggie", "meg", "peggy", "madge", "margie", "marge"],
    &["anthony", "tony", "antony", "ant"],
    &["christopher", "chris", "kit"],
    &["christine", "chris", "chrissie", "chrissy", "tina"],
    &["alexander", "alex", "alec", "sandy", "xander", "alasdair", "alistair"],
    &["alexandra", "alex", "lexi", "lexie", "sandy", "alexa"],
    &["daniel", "dan", "danny", "dani"],
    &["danielle", "dani"],
    &["joseph", "joe", "joey", "jo"],
    &["josephine", "jo", "josie"],
    &["joanne", "joanna", "jo"],
    &["benjamin", "ben", "benny", "benji"],
    &["matthew", "matt", "matty", "mat"],
    &["nicholas", "nick", "nicky", "nico", "nicolas"],
    &["nicola", "nicky", "nikki", "nic"],
    &["andrew", "andy", "drew", "andi"],
    &["stephen", "steven", "steve", "stevie", "steph"],
    &["stephanie", "steph", "stevie", "steff"],
    &["patricia", "pat", "patty", "pattie", "trish", "tricia", "patsy"],
    &["patrick", "pat", "paddy", "patsy"],
    &["susan", "sue", "susie", "suzy"],
    &["deborah", "debbie", "deb", "debra", "debby"],
    &["jennifer", "jen", "jenny", "jenni"],
    &["rebecca", "becky", "becca", "bex", "becki"],
    &["victoria", "vicky", "vicki", "vikki", "tori", "vic"],
    &["jessica", "jess", "jessie", "jessy"],
    &["charlotte", "charlie", "lottie", "lotte"],
    &["charles", "charlie", "chas", "chuck", "chaz"],
    &["frederick", "fred", "freddie", "freddy", "frederic"],
    &["henry", "harry", "hal", "hank"],
    &["harold", "harry", "hal"],
    &["gerald", "gerry", "jerry", "ged"],
    &["jacqueline", "jackie", "jacqui", "jacky"],
    &["abigail", "abby", "abbie"],
    &["amanda", "mandy", "manda"],
    &["anne", "ann", "annie", "nan"],
    &["eleanor", "ellie", "nell", "nellie", "nora", "elinor"],
    &["helen", "helena", "nell"],
    &["kenneth", "ken", "kenny"],
    &["leonard", "len", "lenny"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donny", "donnie"],
    &["timothy", "tim", "timmy"],
    &["peter", "pete"],
    &["philip", "phillip", "phil", "pip"],
    &["raymond", "ray"],
    &["terence", "terry", "terrence"],
    &["lawrence", "laurence", "larry", "laurie"],
    &["gregory", "greg", "gregg"],
    &["nathaniel", "nathan", "nate", "nat"],
    &["natalie", "nat"],
    &["zachary", "zach", "zack", "zak", "zac"],
    &["oliver", "ollie", "olly"],
    &["isabella", "isabel", "isobel", "izzy", "bella", "issy", "isabelle"],
    &["kimberley", "kimberly", "kim"],
    &["sarah", "sara", "sally"],
    &["mary", "polly", "molly", "mae"],
    &["dorothy", "dot", "dolly", "dottie"],
    &["barbara", "barb", "babs", "barbie"],
    &["theresa", "teresa", "terri", "terry", "tess", "tessa"],
    &["frances", "fran", "frankie"],
    &["francis", "frank", "frankie", "fran"],
    &["gwendolyn", "gwen"],
    &["louise", "louisa", "lou", "lulu"],
    &["agnes", "aggie"],
    &["joshua", "josh"],
    &["jacob", "jake", "jakey", "jay"],
    &["jason", "jay"],
    &["cameron", "cam"],
    &["christian", "chris"],
    &["kayleigh", "kayley", "kaylee", "kailey", "caley"],
    &["vincent", "vince", "vinny"],
    &["valerie", "val"],
    &["albert", "al", "bert", "bertie", "albie"],
    &["alfred", "alf", "alfie", "fred"],
    &["archibald", "archie", "archy"],
    &["gabriel", "gabe"],
    &["gabrielle", "gabby", "gabi"],
    &["maximilian", "max"],
    &["stanley", "stan"],
    &["douglas", "doug", "dougie"],
    &["geoffrey", "jeffrey", "geoff", "jeff"],
    &["cynthia", "cindy"],
    &["lucinda", "lucy", "cindy"],
    &["caroline", "carol", "carrie", "carolyn"],
    &["pamela", "pam"],
    &["sophia", "sophie", "soph"],
    &["emily", "emmy", "milly", "millie"],
    &["amelia", "millie", "milly", "amy"],
    &["theodore", "theo", "ted", "teddy"],
    &["gillian", "gill", "gilly", "jill"],
    &["mohammed", "muhammad", "mohammad", "mohamed", "muhammed", "mo"],
];

/// Every name's groups, by index into `GROUPS`.
static GROUP_OF: LazyLock<HashMap<&'static str, Vec<u16>>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Vec<u16>> = HashMap::new();
    for (group_idx, names) in GROUPS.iter().enumerate() {
        for name in *names {
            let groups = map.entry(name).or_default();
            let group_idx = group_idx as u16;
            if !groups.contains(&group_idx) {
                groups.push(group_idx);
            }
        }
    }
    map
});

/// The groups a normalised given name belongs to, in table order; empty
/// for a name the table does not know.
pub(crate) fn groups_of(name: &str) -> &'static [u16] {
    GROUP_OF.get(name).map_or(&[], Vec::as_slice)
}

/// The formal name of a group, e.g. "william" for the group holding "bill".
pub(crate) fn formal_name(group_idx: u16) -> &'static str {
    GROUPS.get(usize::from(group_idx)).and_then(|names| names.first()).copied().unwrap_or("")
}

/// Every name in a group, the formal name first.
pub(crate) fn names_in(group_idx: u16) -> &'static [&'static str] {
    GROUPS.get(usize::from(group_idx)).copied().unwrap_or(&[])
}

/// True when the two names share a group, so one is a known variant of the other.
pub(crate) fn are_variants(a: &[u16], b: &[u16]) -> bool {
    a.iter().any(|group| b.contains(group))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_normalised_ascii_lower_case() {
        assert!(GROUPS.len() >= 60);
        for names in GROUPS {
            assert!(names.len() >= 2);
            for name in *names {
                assert!(name.bytes().all(|b| b.is_ascii_lowercase()), "{name}");
            }
        }
    }

    #[test]
    fn variants_share_a_group() {
        assert!(are_variants(groups_of("bill"), groups_of("william")));
        assert!(are_variants(groups_of("liz"), groups_of("betty")));
        assert!(are_variants(groups_of("sam"), groups_of("samantha")));
        assert!(are_variants(groups_of("sam"), groups_of("samuel")));
        assert!(!are_variants(groups_of("samuel"), groups_of("samantha")));
        assert!(!are_variants(groups_of("bill"), groups_of("robert")));
        assert!(groups_of("zebedee").is_empty());
        assert_eq!(formal_name(groups_of("bob")[0]), "robert");
    }
}
