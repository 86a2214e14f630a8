-- title: Women offenders with dependent children
-- description: Women whose offending is recorded in the last two years and who are the parent or carer of a child under 18: the Female Offender Strategy's whole-family cohort.
WITH offending AS (
    SELECT r.person_id, string_agg(DISTINCT r.service_name, ', ' ORDER BY r.service_name) AS services
    FROM recent r
    WHERE r.offending
    GROUP BY r.person_id
), children AS (
    SELECT rel.from_person AS person_id, count(DISTINCT rel.to_person) AS n,
           bool_or(rel.inferred) AS some_inferred
    FROM relationship rel JOIN person c ON c.person_id = rel.to_person
    WHERE rel.kind IN ('parent_of', 'carer_of') AND c.age < 18
    GROUP BY rel.from_person
)
SELECT w.person_id,
       'offending: ' || o.services || '; parent or carer of ' || ch.n || ' child(ren) under 18'
           || CASE WHEN ch.some_inferred THEN ' (a link inferred from co-residence)' ELSE '' END AS evidence
FROM person w
JOIN offending o ON o.person_id = w.person_id
JOIN children ch ON ch.person_id = w.person_id
WHERE w.sex = 'F' AND w.age >= 18
ORDER BY w.person_id;
