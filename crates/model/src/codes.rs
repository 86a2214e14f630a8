//! The closed code lists of the extract contract.

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as written in the extract.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                match text { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// The ten headline needs of the Supporting Families outcome framework.
    Need {
        Education = "education",
        EarlyYears = "early_years",
        Health = "health",
        SubstanceUse = "substance_use",
        FamilyRelationships = "family_relationships",
        ChildSafety = "child_safety",
        Crime = "crime",
        DomesticAbuse = "domestic_abuse",
        Housing = "housing",
        Financial = "financial",
    }
);

impl Need {
    /// The headline outcome's wording, for people reading the shortlist.
    pub fn label(self) -> &'static str {
        match self {
            Need::Education => "Getting a good education",
            Need::EarlyYears => "Good early years development",
            Need::Health => "Improved mental and physical health",
            Need::SubstanceUse => "Better managed substance use",
            Need::FamilyRelationships => "Improved family relationships",
            Need::ChildSafety => "Children safe from abuse and exploitation",
            Need::Crime => "Crime prevention and tackling crime",
            Need::DomesticAbuse => "Safe from domestic abuse",
            Need::Housing => "Secure housing",
            Need::Financial => "Financial stability",
        }
    }
}

code_enum!(
    /// The sector an agency belongs to.
    Sector {
        Police = "police",
        Probation = "probation",
        YouthJustice = "youth_justice",
        ChildrensSocialCare = "childrens_social_care",
        AdultSocialCare = "adult_social_care",
        Education = "education",
        Housing = "housing",
        Health = "health",
        EmploymentBenefits = "employment_benefits",
        EarlyHelp = "early_help",
        Voluntary = "voluntary",
        Other = "other",
    }
);

code_enum!(
    /// Recorded sex; anything else in the extract is repaired to `U`.
    Sex {
        F = "F",
        M = "M",
        X = "X",
        U = "U",
    }
);

code_enum!(
    /// A relationship an agency recorded between two of its records.
    RelationshipKind {
        ParentOf = "parent_of",
        CarerOf = "carer_of",
        PartnerOf = "partner_of",
        SiblingOf = "sibling_of",
    }
);

impl RelationshipKind {
    /// `parent_of` and `carer_of` point from the older generation to the younger.
    pub fn is_parental(self) -> bool {
        matches!(self, RelationshipKind::ParentOf | RelationshipKind::CarerOf)
    }
}

code_enum!(
    /// The person's role in an involvement.
    Role {
        Subject = "subject",
        Victim = "victim",
        Perpetrator = "perpetrator",
    }
);

code_enum!(
    /// What one `unit_cost_gbp` buys.
    CostBasis {
        PerEpisode = "per_episode",
        PerWeek = "per_week",
        PerYear = "per_year",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        assert_eq!(Need::ALL.len(), 10);
        for need in Need::ALL {
            assert_eq!(Need::parse(need.code()), Some(*need));
        }
        assert_eq!(Sector::parse("childrens_social_care"), Some(Sector::ChildrensSocialCare));
        assert_eq!(Sector::parse("Police"), None);
    }
}
