-- One row per reporting date and region (Indonesia, each province, each regency): covered workers, worker base and
-- coverage on that date. Every run writes its own date (a re-run replaces that date); earlier dates are kept in the
-- lake and survive rebuilds of the published file; `ucj backfill` recomputes dates from older snapshots.
-- materialized: history
-- publish: marts.coverage_history
select
    as_of_date,
    'national' as region_level,
    country_code as region_code,
    country_name as region_name,
    covered_workers,
    worker_base,
    coverage_pct,
    has_stale_data
from coverage_national

union all

select
    as_of_date,
    'province' as region_level,
    province_code as region_code,
    province_name as region_name,
    covered_workers,
    worker_base,
    coverage_pct,
    has_stale_data
from coverage_province

union all

select
    as_of_date,
    'regency' as region_level,
    regency_code as region_code,
    regency_name as region_name,
    covered_workers,
    worker_base,
    coverage_pct,
    has_stale_data
from coverage_regency
