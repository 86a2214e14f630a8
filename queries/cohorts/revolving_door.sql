-- title: Revolving door
-- description: Repeated short custodial sentences or licence recalls (two or more in three years), with a current housing need and a current money or work need: the people prison and probation see again and again.
WITH custodial AS (
    SELECT i.person_id, count(*) AS n, min(i.start_date) AS first, max(i.start_date) AS last
    FROM involvement i, params p
    WHERE (i.service_name ILIKE '%custod%' OR i.service_name ILIKE '%recall%')
      AND i.start_date >= p.as_of - INTERVAL 1095 DAY
    GROUP BY i.person_id
    HAVING count(*) >= 2
)
SELECT c.person_id,
       c.n || ' custodial sentences or recalls from ' || c.first || ' to ' || c.last
           || '; housing need (' || (SELECT string_agg(DISTINCT r.agency, ', ' ORDER BY r.agency) FROM recent r WHERE r.person_id = c.person_id AND r.need = 'housing')
           || '); money or work need (' || (SELECT string_agg(DISTINCT r.agency, ', ' ORDER BY r.agency) FROM recent r WHERE r.person_id = c.person_id AND r.need = 'financial')
           || ')' AS evidence
FROM custodial c
WHERE EXISTS (SELECT 1 FROM recent r WHERE r.person_id = c.person_id AND r.need = 'housing')
  AND EXISTS (SELECT 1 FROM recent r WHERE r.person_id = c.person_id AND r.need = 'financial')
ORDER BY c.person_id;
