-- title: Accommodation pathway gap
-- description: Adults with offending in the last two years whose housing need only the justice agencies (police, probation, youth justice) have recorded: no housing agency is involved.
SELECT p.person_id,
       'housing need recorded by ' || string_agg(DISTINCT r.agency || ' (' || r.service_name || ')', ', ' ORDER BY r.agency || ' (' || r.service_name || ')')
           || '; no housing agency involved' AS evidence
FROM person p JOIN recent r ON r.person_id = p.person_id
WHERE p.age >= 18
  AND r.need = 'housing' AND r.sector IN ('police', 'probation', 'youth_justice')
  AND EXISTS (SELECT 1 FROM recent o WHERE o.person_id = p.person_id AND o.offending)
  AND NOT EXISTS (SELECT 1 FROM recent h WHERE h.person_id = p.person_id AND h.sector = 'housing')
GROUP BY p.person_id
ORDER BY p.person_id;
