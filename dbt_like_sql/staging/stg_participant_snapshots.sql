-- One row per participant per accepted branch snapshot, as ingest wrote it to the lake (NIK pseudonymised, no
-- name, no birth date). Adds the UCJ coverage rule: active, and holding both JKK and JKM.
-- materialized: view
-- Columns: those of the lake table participant_snapshots (column contract, schema.yml) but the programme flags and row number.
select
    * exclude (has_jkk, has_jkm, has_jht, has_jp, has_jkp, source_row),
    status = 'AKTIF' and has_jkk and has_jkm as is_covered
from participant_snapshots
