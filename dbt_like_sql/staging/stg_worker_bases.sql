-- One row per regency and kind of worker base (bps_employed, potensi_pekerja): the denominator of coverage.
-- materialized: view
select regency_code, base_kind, workers, reference_period, source, is_estimate
from worker_bases
