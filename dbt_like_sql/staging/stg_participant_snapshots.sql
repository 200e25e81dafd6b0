-- One row per participant per accepted branch snapshot, as ingest wrote it to the lake (NIK pseudonymised, no
-- name, no birth date). Adds the UCJ coverage rule: active, and holding both JKK and JKM.
-- materialized: view
select
    branch_code,
    snapshot_date,
    participant_key,
    sex,
    age_band,
    regency_code,
    village_code,
    segment,
    programs,
    status,
    funding_source,
    category,
    enrolment_date,
    last_paid_month,
    employer_npp,
    source_file_hash,
    status = 'AKTIF' and has_jkk and has_jkm as is_covered
from participant_snapshots
