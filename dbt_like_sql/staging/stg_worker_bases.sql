-- One row per regency and kind of worker base (bps_employed, potensi_pekerja): the denominator of coverage.
-- materialized: view
-- Columns: those of the lake table worker_bases, as the column contract (schema.yml) defines them.
select *
from worker_bases
