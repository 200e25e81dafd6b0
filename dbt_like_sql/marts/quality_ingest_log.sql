-- One row per delivered file: its content hash, rows read, accepted and quarantined, and whether it was
-- accepted, rejected (with the rule and reason) or a duplicate delivery.
-- materialized: table
-- publish: quality.ingest_log
select *
from stg_extract_files
order by processed_at
