-- Reads one CSV file of a bundle, every field as text, so that the
-- contract's rules (not DuckDB's type sniffing) decide what is valid.
-- Rows DuckDB cannot split into the header's fields go to csv_rejects.
SELECT *
FROM read_csv(
    ?,
    header = true,
    all_varchar = true,
    delim = ',',
    quote = '"',
    escape = '"',
    store_rejects = true,
    rejects_table = 'csv_rejects',
    rejects_scan = 'csv_scans'
)
