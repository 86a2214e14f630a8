-- Reads one Parquet file of a bundle with every column cast to text, so the
-- same validation applies to Parquet and CSV bundles.
SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet(?)
