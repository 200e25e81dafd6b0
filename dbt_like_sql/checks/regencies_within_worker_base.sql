-- Regencies that count more covered workers than their worker base. A warning, never blocking: the figures are
-- published with the flag exceeds_worker_base. Over 100% is not a build error in this domain: participants are
-- counted where the source system records them (the workplace for wage earners and construction), and most worker
-- bases are estimates, so industrial cities and the small regencies beside them exceed their base in real data.
-- Blocking checks are for a build that is wrong (reconciliation, keys, schema), never for surprising data.
-- check: coverage_regency
-- severity: warn
select
    regency_code as region_code,
    regency_name,
    covered_workers,
    worker_base,
    coverage_pct,
    worker_base_source,
    worker_base_is_estimate
from coverage_regency
where exceeds_worker_base
order by coverage_pct desc, regency_code
