-- The rows read_csv.sql could not read: one row per broken row (its first
-- error), located by the byte offset where the row starts.
SELECT
    line_byte_position,
    any_value(column_name ORDER BY column_idx) AS column_name,
    any_value(error_type ORDER BY column_idx) AS error_type,
    any_value(error_message ORDER BY column_idx) AS error_message
FROM csv_rejects
GROUP BY line_byte_position
ORDER BY line_byte_position
