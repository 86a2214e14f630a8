-- What the cohort queries read: famgraph's linked people (one row per
-- person, not per agency record), their involvements, the relationships
-- between them (recorded or inferred), and the date the analyses treat
-- as today. Built in memory on each load; a query returns one row per
-- person in the cohort: `person_id` and `evidence`, a sentence saying why.
CREATE TABLE params (as_of DATE NOT NULL);

CREATE TABLE person (
    person_id VARCHAR NOT NULL,
    family_id VARCHAR NOT NULL,
    sex VARCHAR NOT NULL,
    date_of_birth DATE,
    -- Whole years on `as_of`; NULL where no record gives a date of birth.
    age INTEGER
);

CREATE TABLE involvement (
    person_id VARCHAR NOT NULL,
    agency VARCHAR NOT NULL,
    sector VARCHAR NOT NULL,
    service VARCHAR NOT NULL,
    service_name VARCHAR NOT NULL,
    need VARCHAR NOT NULL,
    -- The service records offending, or the person's role is perpetrator.
    offending BOOLEAN NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE,
    role VARCHAR NOT NULL
);

CREATE TABLE relationship (
    from_person VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    to_person VARCHAR NOT NULL,
    -- Inferred by famgraph from who lives with whom, not recorded.
    inferred BOOLEAN NOT NULL
);

-- Involvements open within the last two years, as famgraph counts needs.
CREATE VIEW recent AS
SELECT i.*
FROM involvement i, params p
WHERE coalesce(i.end_date, p.as_of) >= p.as_of - INTERVAL 730 DAY;
