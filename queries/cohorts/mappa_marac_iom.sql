-- title: Already managed under MAPPA, MARAC or IOM
-- description: People managed under multi-agency public protection arrangements, heard at a MARAC, or in the Integrated Offender Management cohort, open now or within the last year: already coordinated, so a new whole-family plan must not duplicate it.
SELECT i.person_id,
       string_agg(DISTINCT i.agency || ': ' || i.service_name || ' from ' || i.start_date, '; ' ORDER BY i.agency || ': ' || i.service_name || ' from ' || i.start_date) AS evidence
FROM involvement i, params p
WHERE (i.service_name ILIKE '%MAPPA%' OR i.service_name ILIKE '%MARAC%'
       OR i.service_name ILIKE '%integrated offender management%' OR lower(i.service) IN ('mappa', 'marac', 'iom'))
  AND coalesce(i.end_date, p.as_of) >= p.as_of - INTERVAL 365 DAY
GROUP BY i.person_id
ORDER BY i.person_id;
