-- The database a load writes: the validated bundle, the load report, and
-- the linked and analysed results for analysts. Rebuilt whole on each load.
CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL);

CREATE TABLE agencies (
    agency VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    sector VARCHAR NOT NULL,
    extracted_on DATE NOT NULL
);

CREATE TABLE services (
    agency VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    need VARCHAR NOT NULL,
    offending BOOLEAN NOT NULL,
    keyworker BOOLEAN NOT NULL,
    unit_cost_gbp DOUBLE,
    cost_basis VARCHAR
);

CREATE TABLE person_records (
    agency VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    given_name VARCHAR NOT NULL,
    family_name VARCHAR NOT NULL,
    date_of_birth DATE,
    sex VARCHAR NOT NULL,
    address VARCHAR,
    postcode VARCHAR,
    uprn UBIGINT,
    nhs_number VARCHAR
);

CREATE TABLE relationships (
    agency VARCHAR NOT NULL,
    from_record VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    to_record VARCHAR NOT NULL,
    start_date DATE,
    end_date DATE
);

CREATE TABLE involvements (
    agency VARCHAR NOT NULL,
    involvement_id VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    role VARCHAR NOT NULL
);

-- The partnership's linkage overrides that applied to this load, from its
-- overrides file; rows naming records this extract lacks are in
-- load_issues, not here.
CREATE TABLE link_overrides (
    decision VARCHAR NOT NULL,
    agency_a VARCHAR NOT NULL,
    record_id_a VARCHAR NOT NULL,
    agency_b VARCHAR NOT NULL,
    record_id_b VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line UBIGINT NOT NULL
);

CREATE TABLE load_files (
    file VARCHAR NOT NULL,
    "read" UBIGINT NOT NULL,
    accepted UBIGINT NOT NULL,
    rejected UBIGINT NOT NULL,
    warnings UBIGINT NOT NULL
);

CREATE TABLE load_issues (
    severity VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line UBIGINT NOT NULL,
    column_name VARCHAR,
    reason VARCHAR NOT NULL
);

-- Which person each record was linked to.
CREATE TABLE people (
    person_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    link_confidence DOUBLE NOT NULL
);

-- Every link that joined two records into one person, explained: the
-- match weight (bits of evidence), the probability, the override that made
-- it if any, and each field's comparison level and weight (term-frequency
-- adjustment included).
CREATE TABLE links (
    person_id VARCHAR NOT NULL,
    agency_a VARCHAR NOT NULL,
    record_id_a VARCHAR NOT NULL,
    agency_b VARCHAR NOT NULL,
    record_id_b VARCHAR NOT NULL,
    match_weight DOUBLE NOT NULL,
    match_probability DOUBLE NOT NULL,
    override VARCHAR,
    given_name_level VARCHAR NOT NULL,
    given_name_weight DOUBLE NOT NULL,
    family_name_level VARCHAR NOT NULL,
    family_name_weight DOUBLE NOT NULL,
    date_of_birth_level VARCHAR NOT NULL,
    date_of_birth_weight DOUBLE NOT NULL,
    sex_level VARCHAR NOT NULL,
    sex_weight DOUBLE NOT NULL,
    address_level VARCHAR NOT NULL,
    address_weight DOUBLE NOT NULL,
    postcode_level VARCHAR NOT NULL,
    postcode_weight DOUBLE NOT NULL,
    uprn_level VARCHAR NOT NULL,
    uprn_weight DOUBLE NOT NULL,
    nhs_number_level VARCHAR NOT NULL,
    nhs_number_weight DOUBLE NOT NULL,
    agency_level VARCHAR NOT NULL,
    agency_weight DOUBLE NOT NULL,
    relatives_level VARCHAR NOT NULL,
    relatives_weight DOUBLE NOT NULL
);

-- The match model the load used: per field and comparison level, the m
-- and u probabilities and the weight log2(m/u). The prior and how the
-- model was estimated are in `meta` (keys starting `link_`).
CREATE TABLE link_model (
    field VARCHAR NOT NULL,
    level VARCHAR NOT NULL,
    m DOUBLE NOT NULL,
    u DOUBLE NOT NULL,
    weight DOUBLE NOT NULL
);

CREATE TABLE families (
    family_id VARCHAR NOT NULL,
    person_id VARCHAR NOT NULL
);

CREATE TABLE shortlist (
    rank UBIGINT NOT NULL,
    family_id VARCHAR NOT NULL,
    score DOUBLE NOT NULL,
    needs VARCHAR NOT NULL,
    agencies VARCHAR NOT NULL,
    n_members UBIGINT NOT NULL,
    reasons VARCHAR NOT NULL
);
