//! The partner agencies and their service catalogues: who records what,
//! which need it evidences, whether it is offending or puts a keyworker on
//! the person, and what one unit costs (figures in the range of the Unit
//! Cost Database). Also each agency's record-id scheme and how complete
//! its person records are, since that is what makes linkage hard.

use famgraph_model::{CostBasis, Date, Need, Sector};

use crate::csvtext;
use rand::Rng;
use rand::seq::SliceRandom;

use crate::draw::{self, Random, Scatter};

pub(crate) const N_AGENCIES: usize = 10;

/// The agencies in the bundle, in `agencies.csv` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Ag {
    Police,
    Probation,
    YouthJustice,
    Csc,
    EarlyHelp,
    School,
    Housing,
    Health,
    Jobcentre,
    Voluntary,
}

impl Ag {
    pub(crate) const ALL: [Ag; N_AGENCIES] = [
        Ag::Police,
        Ag::Probation,
        Ag::YouthJustice,
        Ag::Csc,
        Ag::EarlyHelp,
        Ag::School,
        Ag::Housing,
        Ag::Health,
        Ag::Jobcentre,
        Ag::Voluntary,
    ];

    pub(crate) fn idx(self) -> usize {
        self as usize
    }

    pub(crate) fn spec(self) -> &'static AgencySpec {
        &AGENCIES[self.idx()]
    }

    pub(crate) fn code(self) -> &'static str {
        self.spec().code
    }
}

/// How complete and how tidy an agency's person records are. Probabilities
/// are per record, before the bundle-wide noise level is added.
#[allow(clippy::struct_excessive_bools)] // independent habits of one agency, not a state
pub(crate) struct AgencySpec {
    pub code: &'static str,
    pub name: &'static str,
    pub sector: Sector,
    /// Involvement ids are this prefix and a running number.
    pub involvement_prefix: &'static str,
    /// Share of adult records with no date of birth.
    pub adult_dob_missing: f64,
    /// Share of child records with no date of birth.
    pub child_dob_missing: f64,
    /// Whether recorded dates of birth can be wrong (no: health and DWP
    /// check them against the NHS spine and the Customer Information System).
    pub dob_errors: bool,
    pub uprn: f64,
    /// Share of records holding an NHS number (children, adults).
    pub nhs: (f64, f64),
    pub address_missing: f64,
    pub postcode_missing: f64,
    /// Informal services use nicknames more, statutory ones less.
    pub nickname_factor: f64,
    /// Police systems hold family names in capitals.
    pub upper_family_name: bool,
    /// Housing pads UPRNs to twelve digits.
    pub zero_pad_uprn: bool,
    /// Abbreviates street types (Road to Rd).
    pub abbreviates: bool,
    /// Writes roles on involvements; others leave the column empty.
    pub writes_roles: bool,
    /// How often the agency holds a person twice (registered twice, a new
    /// record after a gap), relative to the noise level's rate: systems
    /// checked against a national index (NHS spine, DWP's Customer
    /// Information System, pupil numbers) duplicate least.
    pub duplicate_factor: f64,
    /// The date the agency's system writes when a date of birth is not
    /// known, for this share of its unknown dates (at medium noise);
    /// other agencies leave the date empty.
    pub dob_placeholder: Option<Placeholder>,
}

/// A date of birth a case system fills in when the real one is unknown.
#[derive(Clone, Copy)]
pub(crate) struct Placeholder {
    /// Year, month, day.
    pub ymd: (i32, u32, u32),
    pub share: f64,
}

pub(crate) const AGENCIES: [AgencySpec; N_AGENCIES] = [
    AgencySpec {
        code: "police",
        name: "Kent Police",
        sector: Sector::Police,
        involvement_prefix: "OCC",
        adult_dob_missing: 0.06,
        child_dob_missing: 0.08,
        dob_errors: true,
        uprn: 0.15,
        nhs: (0.0, 0.01),
        address_missing: 0.12,
        postcode_missing: 0.12,
        nickname_factor: 1.0,
        upper_family_name: true,
        zero_pad_uprn: false,
        abbreviates: true,
        writes_roles: true,
        duplicate_factor: 1.5,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "probation",
        name: "Probation Service - Kent, Surrey and Sussex",
        sector: Sector::Probation,
        involvement_prefix: "PRB",
        adult_dob_missing: 0.01,
        child_dob_missing: 0.01,
        dob_errors: true,
        uprn: 0.25,
        nhs: (0.0, 0.03),
        address_missing: 0.08,
        postcode_missing: 0.05,
        nickname_factor: 0.8,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: true,
        writes_roles: false,
        duplicate_factor: 0.6,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "youth_justice",
        name: "Medway Youth Justice Service",
        sector: Sector::YouthJustice,
        involvement_prefix: "YJS",
        adult_dob_missing: 0.0,
        child_dob_missing: 0.0,
        dob_errors: true,
        uprn: 0.4,
        nhs: (0.05, 0.0),
        address_missing: 0.03,
        postcode_missing: 0.03,
        nickname_factor: 1.6,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: false,
        duplicate_factor: 1.0,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "csc",
        name: "Medway Children's Social Care",
        sector: Sector::ChildrensSocialCare,
        involvement_prefix: "CSC",
        adult_dob_missing: 0.3,
        child_dob_missing: 0.02,
        dob_errors: true,
        uprn: 0.5,
        nhs: (0.45, 0.05),
        address_missing: 0.04,
        postcode_missing: 0.03,
        nickname_factor: 1.0,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: true,
        duplicate_factor: 1.2,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "early_help",
        name: "Medway Early Help and Supporting Families",
        sector: Sector::EarlyHelp,
        involvement_prefix: "EH",
        adult_dob_missing: 0.3,
        child_dob_missing: 0.05,
        dob_errors: true,
        uprn: 0.5,
        nhs: (0.1, 0.02),
        address_missing: 0.04,
        postcode_missing: 0.04,
        nickname_factor: 1.8,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: true,
        duplicate_factor: 1.2,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "school",
        name: "Medway Schools and Early Years",
        sector: Sector::Education,
        involvement_prefix: "EDU",
        adult_dob_missing: 0.7,
        child_dob_missing: 0.0,
        dob_errors: true,
        uprn: 0.6,
        nhs: (0.02, 0.0),
        address_missing: 0.02,
        postcode_missing: 0.02,
        nickname_factor: 1.2,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: false,
        duplicate_factor: 0.4,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "housing",
        name: "Medway Council Housing Options",
        sector: Sector::Housing,
        involvement_prefix: "HSC",
        adult_dob_missing: 0.1,
        child_dob_missing: 0.3,
        dob_errors: true,
        uprn: 1.0,
        nhs: (0.0, 0.0),
        address_missing: 0.0,
        postcode_missing: 0.0,
        nickname_factor: 0.8,
        upper_family_name: false,
        zero_pad_uprn: true,
        abbreviates: true,
        writes_roles: false,
        duplicate_factor: 1.0,
        dob_placeholder: Some(Placeholder { ymd: (1901, 1, 1), share: 0.5 }),
    },
    AgencySpec {
        code: "health",
        name: "Kent and Medway NHS Community and Mental Health Services",
        sector: Sector::Health,
        involvement_prefix: "EP",
        adult_dob_missing: 0.0,
        child_dob_missing: 0.0,
        dob_errors: false,
        uprn: 0.3,
        nhs: (1.0, 1.0),
        address_missing: 0.01,
        postcode_missing: 0.01,
        nickname_factor: 0.3,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: false,
        duplicate_factor: 0.5,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "jobcentre",
        name: "DWP Jobcentre Plus, Chatham",
        sector: Sector::EmploymentBenefits,
        involvement_prefix: "JCP",
        adult_dob_missing: 0.0,
        child_dob_missing: 0.0,
        dob_errors: false,
        uprn: 0.2,
        nhs: (0.0, 0.0),
        address_missing: 0.02,
        postcode_missing: 0.01,
        nickname_factor: 0.3,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: true,
        writes_roles: false,
        duplicate_factor: 0.3,
        dob_placeholder: None,
    },
    AgencySpec {
        code: "voluntary",
        name: "Medway Families and Women's Trust",
        sector: Sector::Voluntary,
        involvement_prefix: "VC",
        adult_dob_missing: 0.4,
        child_dob_missing: 0.3,
        dob_errors: true,
        uprn: 0.05,
        nhs: (0.0, 0.0),
        address_missing: 0.25,
        postcode_missing: 0.2,
        nickname_factor: 2.0,
        upper_family_name: false,
        zero_pad_uprn: false,
        abbreviates: false,
        writes_roles: true,
        duplicate_factor: 1.6,
        dob_placeholder: Some(Placeholder { ymd: (1900, 1, 1), share: 1.0 }),
    },
];

/// Each agency's extract date: the configured date or up to a few days
/// before it, as partners take their extracts on different days.
pub(crate) fn extract_dates(extracted_on: Date, rng: &mut Random) -> [Date; N_AGENCIES] {
    let mut dates = [extracted_on; N_AGENCIES];
    for date in &mut dates {
        // Half the agencies extract on the day itself.
        if draw::chance(rng, 0.5) {
            *date = extracted_on.add_days(-draw::between(rng, 1, MAX_EXTRACT_LAG_DAYS));
        }
    }
    dates
}

/// The most days an agency's extract may predate the configured date.
pub(crate) const MAX_EXTRACT_LAG_DAYS: i32 = 6;

/// The services, one enum variant per row of `SERVICES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Svc {
    PoliceCaution,
    PoliceCharge,
    PoliceArrest,
    PoliceAsb,
    PoliceDomestic,
    PoliceVictim,
    PoliceMissing,
    PoliceExploitation,
    ProbCommunityOrder,
    ProbSuspended,
    ProbLicence,
    ProbBbr,
    ProbDrr,
    ProbAccommodation,
    YjCaution,
    YjConditional,
    YjReferral,
    YjYro,
    YjPrevention,
    CscReferral,
    CscCin,
    CscCp,
    CscLac,
    CscFamilySupport,
    EhKeywork,
    EhParenting,
    EhAttendance,
    EhDomestic,
    EhMoney,
    EhEarlyYears,
    EhYouth,
    SchAbsence,
    SchSuspension,
    SchExclusion,
    SchMissing,
    SchSend,
    SchTwoYear,
    SchWellbeing,
    HsgHomeless,
    HsgTemporary,
    HsgArrears,
    HsgAsb,
    HsgSustain,
    HlthCmht,
    HlthCamhs,
    HlthDrugs,
    HlthAlcohol,
    HlthAe,
    HlthVisiting,
    HlthYoungSubstance,
    JcWorkSearch,
    JcLimitedCapability,
    JcSanction,
    JcRestart,
    VolIdva,
    VolWomen,
    VolMentoring,
    VolCrisis,
    VolResettlement,
    ProbCustody,
    ProbRecall,
    ProbMappa,
    ProbEte,
    PoliceIom,
    PoliceMarac,
}

impl Svc {
    pub(crate) fn spec(self) -> &'static ServiceSpec {
        let spec = &SERVICES[self as usize];
        debug_assert_eq!(spec.svc, self, "SERVICES is in Svc order");
        spec
    }
}

pub(crate) struct ServiceSpec {
    pub svc: Svc,
    pub agency: Ag,
    pub code: &'static str,
    pub name: &'static str,
    pub need: Need,
    pub offending: bool,
    pub keyworker: bool,
    pub unit_cost_gbp: Option<(u32, CostBasis)>,
    /// Ages (whole years at the start) the service works with.
    pub ages: (i32, i32),
}

const ANY: (i32, i32) = (0, 110);
const ADULT: (i32, i32) = (18, 110);
const CHILD: (i32, i32) = (0, 17);
const YOUTH: (i32, i32) = (10, 17);
const SCHOOL_AGE: (i32, i32) = (5, 16);

macro_rules! services {
    ($(($svc:ident, $agency:ident, $code:literal, $name:literal, $need:ident, $offending:literal, $keyworker:literal, $cost:expr, $ages:expr)),+ $(,)?) => {
        pub(crate) const SERVICES: &[ServiceSpec] = &[$(ServiceSpec {
            svc: Svc::$svc,
            agency: Ag::$agency,
            code: $code,
            name: $name,
            need: Need::$need,
            offending: $offending,
            keyworker: $keyworker,
            unit_cost_gbp: $cost,
            ages: $ages,
        }),+];
    };
}

#[allow(clippy::unnecessary_wraps)] // the catalogue's cost is optional: these fill it
const fn episode(gbp: u32) -> Option<(u32, CostBasis)> {
    Some((gbp, CostBasis::PerEpisode))
}
#[allow(clippy::unnecessary_wraps)] // the catalogue's cost is optional: these fill it
const fn weekly(gbp: u32) -> Option<(u32, CostBasis)> {
    Some((gbp, CostBasis::PerWeek))
}
#[allow(clippy::unnecessary_wraps)] // the catalogue's cost is optional: these fill it
const fn yearly(gbp: u32) -> Option<(u32, CostBasis)> {
    Some((gbp, CostBasis::PerYear))
}

services![
    (PoliceCaution, Police, "caution", "Caution (adult or youth)", Crime, true, false, episode(420), (10, 110)),
    (
        PoliceCharge,
        Police,
        "charge",
        "Charged: prosecution and conviction",
        Crime,
        true,
        false,
        episode(1_650),
        (10, 110)
    ),
    (PoliceArrest, Police, "arrest_nfa", "Arrest, no further action", Crime, false, false, episode(740), (10, 110)),
    (PoliceAsb, Police, "asb_warning", "Anti-social behaviour warning", Crime, false, false, episode(210), (10, 110)),
    (
        PoliceDomestic,
        Police,
        "domestic_incident",
        "Domestic abuse incident",
        DomesticAbuse,
        false,
        false,
        episode(1_020),
        ANY
    ),
    (PoliceVictim, Police, "crime_victim", "Victim of crime", Crime, false, false, episode(150), ANY),
    (
        PoliceMissing,
        Police,
        "missing_episode",
        "Missing person episode (child)",
        ChildSafety,
        false,
        false,
        episode(2_420),
        CHILD
    ),
    (
        PoliceExploitation,
        Police,
        "exploitation_concern",
        "Child exploitation concern (CSE or CCE)",
        ChildSafety,
        false,
        false,
        None,
        YOUTH
    ),
    (
        ProbCommunityOrder,
        Probation,
        "community_order",
        "Community order supervision",
        Crime,
        true,
        true,
        yearly(3_300),
        ADULT
    ),
    (
        ProbSuspended,
        Probation,
        "suspended_sentence",
        "Suspended sentence order supervision",
        Crime,
        true,
        true,
        yearly(3_300),
        ADULT
    ),
    (ProbLicence, Probation, "licence", "Post-release licence supervision", Crime, true, true, yearly(4_100), ADULT),
    (
        ProbBbr,
        Probation,
        "bbr_programme",
        "Building Better Relationships programme",
        DomesticAbuse,
        false,
        false,
        episode(2_600),
        ADULT
    ),
    (
        ProbDrr,
        Probation,
        "drug_rehab_requirement",
        "Drug rehabilitation requirement",
        SubstanceUse,
        false,
        false,
        episode(2_950),
        ADULT
    ),
    (
        ProbAccommodation,
        Probation,
        "cas3_referral",
        "Accommodation referral (CAS3)",
        Housing,
        false,
        false,
        episode(3_600),
        ADULT
    ),
    (YjCaution, YouthJustice, "youth_caution", "Youth caution", Crime, true, false, episode(690), YOUTH),
    (
        YjConditional,
        YouthJustice,
        "youth_conditional_caution",
        "Youth conditional caution",
        Crime,
        true,
        true,
        episode(1_480),
        YOUTH
    ),
    (YjReferral, YouthJustice, "referral_order", "Referral order", Crime, true, true, episode(3_050), YOUTH),
    (YjYro, YouthJustice, "yro", "Youth rehabilitation order", Crime, true, true, yearly(6_400), YOUTH),
    (
        YjPrevention,
        YouthJustice,
        "prevention",
        "Prevention and diversion (Turnaround)",
        Crime,
        false,
        true,
        episode(1_200),
        YOUTH
    ),
    (
        CscReferral,
        Csc,
        "referral_assessment",
        "Referral and single assessment",
        ChildSafety,
        false,
        false,
        episode(1_400),
        CHILD
    ),
    (CscCin, Csc, "child_in_need", "Child in need plan (s17)", ChildSafety, false, true, yearly(2_300), CHILD),
    (CscCp, Csc, "child_protection", "Child protection plan (s47)", ChildSafety, false, true, yearly(5_100), CHILD),
    (
        CscLac,
        Csc,
        "looked_after",
        "Looked after child (foster placement)",
        ChildSafety,
        false,
        true,
        weekly(880),
        CHILD
    ),
    (
        CscFamilySupport,
        Csc,
        "family_support",
        "Family support worker (parenting)",
        FamilyRelationships,
        false,
        false,
        episode(1_800),
        CHILD
    ),
    (
        EhKeywork,
        EarlyHelp,
        "keyworker",
        "Early help keyworker (whole-family plan)",
        FamilyRelationships,
        false,
        true,
        yearly(3_700),
        ANY
    ),
    (
        EhParenting,
        EarlyHelp,
        "parenting_programme",
        "Parenting programme",
        FamilyRelationships,
        false,
        false,
        episode(1_100),
        ADULT
    ),
    (
        EhAttendance,
        EarlyHelp,
        "attendance_support",
        "School attendance support",
        Education,
        false,
        false,
        episode(640),
        SCHOOL_AGE
    ),
    (
        EhDomestic,
        EarlyHelp,
        "domestic_abuse_outreach",
        "Domestic abuse outreach",
        DomesticAbuse,
        false,
        false,
        episode(1_500),
        ADULT
    ),
    (EhMoney, EarlyHelp, "money_advice", "Money and debt advice", Financial, false, false, episode(310), ADULT),
    (
        EhEarlyYears,
        EarlyHelp,
        "early_years_visiting",
        "Early years home visiting",
        EarlyYears,
        false,
        false,
        episode(920),
        (0, 4)
    ),
    (
        EhYouth,
        EarlyHelp,
        "targeted_youth_support",
        "Targeted youth support",
        Crime,
        false,
        false,
        episode(1_000),
        (11, 19)
    ),
    (
        SchAbsence,
        School,
        "persistent_absence",
        "Persistent absence (attendance below 90%)",
        Education,
        false,
        false,
        yearly(2_050),
        SCHOOL_AGE
    ),
    (
        SchSuspension,
        School,
        "suspension",
        "Suspension (fixed-period exclusion)",
        Education,
        false,
        false,
        episode(260),
        SCHOOL_AGE
    ),
    (
        SchExclusion,
        School,
        "permanent_exclusion",
        "Permanent exclusion and alternative provision",
        Education,
        false,
        false,
        yearly(18_000),
        SCHOOL_AGE
    ),
    (SchMissing, School, "missing_education", "Child missing education", Education, false, false, None, SCHOOL_AGE),
    (
        SchSend,
        School,
        "send_support",
        "Special educational needs support",
        Education,
        false,
        false,
        yearly(6_200),
        (3, 18)
    ),
    (
        SchTwoYear,
        School,
        "funded_two_year_old",
        "Funded early education for two-year-olds",
        EarlyYears,
        false,
        false,
        yearly(2_500),
        (2, 3)
    ),
    (
        SchWellbeing,
        School,
        "wellbeing_support",
        "School wellbeing and mental health support",
        Health,
        false,
        false,
        episode(520),
        SCHOOL_AGE
    ),
    (
        HsgHomeless,
        Housing,
        "homelessness_application",
        "Homelessness application (relief duty)",
        Housing,
        false,
        false,
        episode(2_700),
        ADULT
    ),
    (
        HsgTemporary,
        Housing,
        "temporary_accommodation",
        "Temporary accommodation",
        Housing,
        false,
        false,
        weekly(240),
        ADULT
    ),
    (
        HsgArrears,
        Housing,
        "rent_arrears",
        "Rent arrears and eviction prevention",
        Housing,
        false,
        false,
        episode(1_250),
        ADULT
    ),
    (
        HsgAsb,
        Housing,
        "tenancy_asb",
        "Tenancy anti-social behaviour case",
        Crime,
        false,
        false,
        episode(700),
        (10, 110)
    ),
    (
        HsgSustain,
        Housing,
        "tenancy_sustainment",
        "Tenancy sustainment support",
        Housing,
        false,
        false,
        yearly(1_900),
        ADULT
    ),
    (
        HlthCmht,
        Health,
        "community_mental_health",
        "Community mental health team",
        Health,
        false,
        false,
        yearly(3_400),
        ADULT
    ),
    (
        HlthCamhs,
        Health,
        "camhs",
        "Child and adolescent mental health services",
        Health,
        false,
        false,
        yearly(2_900),
        CHILD
    ),
    (
        HlthDrugs,
        Health,
        "drug_treatment",
        "Structured drug treatment",
        SubstanceUse,
        false,
        false,
        yearly(2_500),
        ADULT
    ),
    (HlthAlcohol, Health, "alcohol_treatment", "Alcohol treatment", SubstanceUse, false, false, yearly(1_800), ADULT),
    (HlthAe, Health, "ae_attendance", "A&E attendance", Health, false, false, episode(210), ANY),
    (
        HlthVisiting,
        Health,
        "enhanced_health_visiting",
        "Enhanced health visiting",
        EarlyYears,
        false,
        false,
        yearly(830),
        (0, 4)
    ),
    (
        HlthYoungSubstance,
        Health,
        "young_peoples_substance",
        "Young people's substance misuse service",
        SubstanceUse,
        false,
        false,
        episode(1_300),
        (11, 17)
    ),
    (
        JcWorkSearch,
        Jobcentre,
        "uc_intensive_work_search",
        "Universal Credit: intensive work search",
        Financial,
        false,
        false,
        yearly(8_200),
        ADULT
    ),
    (
        JcLimitedCapability,
        Jobcentre,
        "uc_limited_capability",
        "Universal Credit: limited capability for work",
        Financial,
        false,
        false,
        yearly(9_500),
        ADULT
    ),
    (JcSanction, Jobcentre, "sanction", "Benefit sanction", Financial, false, false, None, ADULT),
    (
        JcRestart,
        Jobcentre,
        "restart_scheme",
        "Restart scheme employment support",
        Financial,
        false,
        false,
        episode(1_900),
        ADULT
    ),
    (
        VolIdva,
        Voluntary,
        "idva",
        "Independent domestic violence advocacy",
        DomesticAbuse,
        false,
        true,
        episode(1_150),
        (16, 110)
    ),
    (VolWomen, Voluntary, "womens_group", "Women-only group (Prospects)", Health, false, false, episode(480), ADULT),
    (VolMentoring, Voluntary, "mentoring", "Mentoring and coaching", Crime, false, true, episode(1_500), (10, 25)),
    (VolCrisis, Voluntary, "crisis_support", "Food bank and crisis support", Financial, false, false, None, ADULT),
    (
        VolResettlement,
        Voluntary,
        "resettlement",
        "Through-the-gate resettlement support",
        Housing,
        false,
        true,
        episode(1_700),
        ADULT
    ),
    // Offender management and multi-agency panels: the cohorts a partnership
    // must not duplicate, and the short sentences of the revolving door.
    (ProbCustody, Probation, "custody", "Custodial sentence under 12 months", Crime, true, false, weekly(900), ADULT),
    (ProbRecall, Probation, "recall", "Recall to custody from licence", Crime, true, false, episode(4_600), ADULT),
    (ProbMappa, Probation, "mappa", "MAPPA management (level 2 or 3)", Crime, true, false, yearly(2_400), ADULT),
    (
        ProbEte,
        Probation,
        "ete_referral",
        "Employment, training and education referral",
        Financial,
        false,
        false,
        episode(900),
        ADULT
    ),
    (PoliceIom, Police, "iom", "Integrated Offender Management (IOM)", Crime, true, false, yearly(5_200), ADULT),
    (
        PoliceMarac,
        Police,
        "marac",
        "MARAC case (high-risk domestic abuse)",
        DomesticAbuse,
        false,
        false,
        episode(1_100),
        (16, 110)
    ),
];

/// `services.csv` in catalogue order.
pub(crate) fn services_rows() -> Vec<String> {
    SERVICES
        .iter()
        .map(|s| {
            let mut line = String::with_capacity(96);
            let cost = s.unit_cost_gbp.map(|(gbp, _)| gbp.to_string()).unwrap_or_default();
            let basis = s.unit_cost_gbp.map_or("", |(_, basis)| basis.code());
            csvtext::row(
                &mut line,
                &[
                    s.agency.code(),
                    s.code,
                    s.name,
                    s.need.code(),
                    if s.offending { "true" } else { "false" },
                    if s.keyworker { "true" } else { "false" },
                    &cost,
                    basis,
                ],
            );
            line
        })
        .collect()
}

pub(crate) const SERVICES_HEADER: &str = "agency,service,name,need,offending,keyworker,unit_cost_gbp,cost_basis";

/// Letters a probation case reference number may start with.
const CRN_LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
/// Check letters of a Unique Pupil Number, by remainder mod 23.
const UPN_CHECK: &[u8] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
/// Crockford's base 32: no I, L, O or U to misread.
const BASE32: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The Medway local-authority number that opens its pupils' UPNs.
const UPN_AUTHORITY: u64 = 887;

/// Makes one agency's record ids in its own scheme. Case systems number
/// people as they register them, so ids run upwards with gaps (records
/// merged, deleted, or outside the extract) in the order people first came
/// to the agency: here a random order, so an id says nothing about who
/// belongs with whom.
pub(crate) struct IdMaker {
    agency: Ag,
    digits: u32,
    /// The number behind each record's id, by record index.
    numbers: Vec<u64>,
    /// The highest number handed out; fresh ids come after it.
    last: u64,
    /// The lowest number handed out.
    first: u64,
    /// DWP-style references look random rather than sequential.
    scramble: Scatter,
}

/// Numbers between consecutive registrations are 1 to this apart.
const MAX_ID_GAP: i32 = 5;

impl IdMaker {
    /// Ids for `count` records, with room for `headroom` fresh ones after.
    pub(crate) fn new(agency: Ag, count: usize, headroom: usize, rng: &mut Random) -> IdMaker {
        let base_digits = match agency {
            Ag::Police | Ag::EarlyHelp => 7,
            Ag::Probation | Ag::YouthJustice | Ag::Csc | Ag::Voluntary => 6,
            Ag::School | Ag::Jobcentre => 9,
            Ag::Housing => 5,
            Ag::Health => 8,
        };
        // Room for a start a tenth to three tenths of the way up, then
        // every record and the headroom at the widest gap.
        let digits = draw::digits_for((count + headroom + 1) * 8, base_digits);
        let span = match agency {
            Ag::Probation => CRN_LETTERS.len() as u64 * 10_u64.pow(digits),
            _ => 10_u64.pow(digits),
        };
        let mut order: Vec<u32> = (0..count as u32).collect();
        order.shuffle(rng);
        let start = rng.random_range(span / 10..span * 3 / 10);
        let mut number = start;
        let mut numbers = vec![0; count];
        for index in order {
            number += draw::between(rng, 1, MAX_ID_GAP) as u64;
            numbers[index as usize] = number;
        }
        IdMaker { agency, digits, numbers, last: number, first: start + 1, scramble: Scatter::new(rng, 1 << 40) }
    }

    /// The id of the agency's `index`-th record (an index past the last
    /// record gives a fresh id no record has); `contact` for a school's
    /// parent contact rather than a pupil.
    pub(crate) fn make(&self, index: usize, contact: bool) -> String {
        let n = match self.numbers.get(index) {
            Some(n) => *n,
            None => self.last + (index - self.numbers.len() + 1) as u64 * MAX_ID_GAP as u64,
        };
        self.id_of(n, contact)
    }

    /// `count` numbers no record holds, among (and just below) the
    /// records' own, for ids of records added later (a person's second
    /// record) that look like any other; never a fresh id's number.
    pub(crate) fn unused_numbers(&self, count: usize, rng: &mut Random) -> Vec<u64> {
        if count == 0 {
            return Vec::new();
        }
        let mut taken: std::collections::HashSet<u64> = self.numbers.iter().copied().collect();
        // Room below the first number, so even a tightly packed agency has enough.
        let low = self.first.saturating_sub((count as u64 + 1) * MAX_ID_GAP as u64);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let n = rng.random_range(low..=self.last);
            if taken.insert(n) {
                out.push(n);
            }
        }
        out
    }

    /// The id numbered `n`; `contact` for a school's parent contact.
    pub(crate) fn id_of(&self, n: u64, contact: bool) -> String {
        let mut id = String::with_capacity(16);
        let width = self.digits as usize;
        if contact {
            id.push_str("CT");
            csvtext::push_number(&mut id, n, width);
            return id;
        }
        match self.agency {
            Ag::Police => {
                id.push_str("PN");
                csvtext::push_number(&mut id, n, width);
            }
            Ag::Probation => {
                let block = 10_u64.pow(self.digits);
                id.push(char::from(CRN_LETTERS[(n / block) as usize % CRN_LETTERS.len()]));
                csvtext::push_number(&mut id, n % block, width);
            }
            Ag::YouthJustice => {
                id.push_str("YJ");
                csvtext::push_number(&mut id, n, width);
            }
            Ag::Csc => csvtext::push_number(&mut id, n, width),
            Ag::EarlyHelp => {
                id.push_str("EH");
                csvtext::push_number(&mut id, n, width);
            }
            Ag::School => {
                // A UPN: check letter, authority number, then the school
                // and serial digits, with the DfE's modulus 23 check.
                let mut digits = String::with_capacity(12);
                csvtext::push_number(&mut digits, UPN_AUTHORITY, 3);
                csvtext::push_number(&mut digits, n, width);
                let sum: u64 = digits.bytes().zip(2_u64..).map(|(d, weight)| u64::from(d - b'0') * weight).sum();
                id.push(char::from(UPN_CHECK[(sum % 23) as usize]));
                id.push_str(&digits);
            }
            Ag::Housing => {
                id.push_str("HSG/");
                csvtext::push_number(&mut id, n, width);
            }
            Ag::Health => {
                id.push_str("KM");
                csvtext::push_number(&mut id, n, width);
            }
            Ag::Jobcentre => {
                id.push_str("JC-");
                let scrambled = self.scramble.at(n % (1 << 40));
                for shift in (0..8).rev() {
                    id.push(char::from(BASE32[((scrambled >> (shift * 5)) & 31) as usize]));
                }
            }
            Ag::Voluntary => {
                id.push_str("VOL");
                csvtext::push_number(&mut id, n, width);
            }
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::draw::{Stage, stage_rng};

    #[test]
    fn catalogue_is_in_enum_order_and_covers_every_need() {
        for (i, service) in SERVICES.iter().enumerate() {
            assert_eq!(service.svc as usize, i, "{}", service.code);
        }
        for need in Need::ALL {
            assert!(SERVICES.iter().any(|s| s.need == *need), "{need}");
        }
        for agency in Ag::ALL {
            assert!(SERVICES.iter().filter(|s| s.agency == agency).count() >= 3, "{agency:?}");
            let codes: HashSet<&str> = SERVICES.iter().filter(|s| s.agency == agency).map(|s| s.code).collect();
            assert_eq!(codes.len(), SERVICES.iter().filter(|s| s.agency == agency).count());
        }
    }

    #[test]
    fn ids_are_unique_and_shaped() {
        let mut rng = stage_rng(3, Stage::Records);
        for agency in Ag::ALL {
            let maker = IdMaker::new(agency, 5000, 100, &mut rng);
            let ids: HashSet<String> = (0..5100).map(|i| maker.make(i, false)).collect();
            assert_eq!(ids.len(), 5100, "{agency:?}");
            let sample = maker.make(17, false);
            match agency {
                Ag::Police => assert!(sample.starts_with("PN") && sample.len() == 9, "{sample}"),
                Ag::Probation => assert_eq!(sample.len(), 7, "{sample}"),
                Ag::School => assert_eq!(sample.len(), 13, "{sample}"),
                Ag::Housing => assert!(sample.starts_with("HSG/"), "{sample}"),
                Ag::Jobcentre => assert_eq!(sample.len(), 11, "{sample}"),
                _ => {}
            }
        }
    }
}
