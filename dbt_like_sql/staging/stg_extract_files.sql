-- One row per delivered extract file and what ingest did with it (accepted, rejected, duplicate).
-- materialized: view
select
    file_name,
    file_hash,
    branch_code,
    snapshot_date,
    resend,
    file_format,
    received_at,
    processed_at,
    outcome,
    rejection_rule,
    reason,
    rows_read,
    rows_accepted,
    rows_quarantined,
    rows_warned,
    extra_columns,
    archived_as
from extract_files
