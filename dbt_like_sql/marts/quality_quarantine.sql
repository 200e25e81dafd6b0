-- One row per (file row, broken rule) for rows quarantined at ingest, and per kept row with a warning. The file,
-- the row number and the rule say what to fix; values of personal columns are never kept.
-- materialized: table
-- publish: quality.quarantine
select *
from stg_row_issues
order by file_name, source_row, rule
