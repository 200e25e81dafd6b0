-- One row per (file row, broken rule): errors quarantined the row, warnings kept it. No personal values.
-- materialized: view
-- Columns: those of the lake table row_issues, as the column contract (schema.yml) defines them.
select *
from row_issues
