-- One row per regency and base kind: the worker base coverage is measured against, with its source.
-- materialized: table
-- publish: reference.worker_base
select regency_code, base_kind, workers, reference_period, source, is_estimate
from stg_worker_bases
order by regency_code, base_kind
