-- One row per (file row, broken rule): errors quarantined the row, warnings kept it. No personal values.
-- materialized: view
select
    file_name,
    file_hash,
    branch_code,
    snapshot_date,
    source_row,
    severity,
    column_name,
    rule,
    rule_description,
    offending_value
from row_issues
