-- One row per regency (all 514): covered workers on the reporting date against the regency's worker base
-- (BPS employed population), with the branches whose stale or missing snapshots the figure depends on.
-- materialized: table
-- publish: marts.coverage_regency
with regencies as (
    select region_code as regency_code, region_name as regency_name, province_code
    from stg_regions
    where region_level = 'regency'
),

provinces as (
    select region_code as province_code, region_name as province_name
    from stg_regions
    where region_level = 'province'
),

covered as (
    select regency_code, sum(covered_workers)::bigint as covered_workers
    from int_covered_worker_counts
    group by regency_code
),

bases as (
    select regency_code, workers, source, is_estimate
    from stg_worker_bases
    where base_kind = 'bps_employed'
),

branch_states as (
    select
        regency_code,
        count(*) filter (where snapshot_state = 'current') as current_branches,
        string_agg(branch_code, ', ' order by branch_code) filter (where snapshot_state = 'stale') as stale_branches,
        string_agg(branch_code, ', ' order by branch_code) filter (where snapshot_state = 'missing')
            as missing_branches
    from int_regency_branches
    group by regency_code
)

select
    getvariable('as_of_date') as as_of_date,
    r.province_code,
    p.province_name,
    r.regency_code,
    r.regency_name,
    coalesce(c.covered_workers, 0) as covered_workers,
    b.workers as worker_base,
    greatest(b.workers - coalesce(c.covered_workers, 0), 0) as uncovered_workers,
    round(100.0 * coalesce(c.covered_workers, 0) / b.workers, 2) as coverage_pct,
    -- More covered workers than the base is not an error: people are counted where the source system records them
    -- (the workplace, for wage earners), and most bases are estimates. Flagged, published (check: worker_base_exceeded).
    coalesce(c.covered_workers, 0) > b.workers as exceeds_worker_base,
    b.source as worker_base_source,
    b.is_estimate as worker_base_is_estimate,
    coalesce(s.current_branches, 0) as current_branches,
    s.stale_branches,
    s.missing_branches,
    s.stale_branches is not null or s.missing_branches is not null as has_stale_data
from regencies as r
inner join provinces as p on p.province_code = r.province_code
left join covered as c on c.regency_code = r.regency_code
left join bases as b on b.regency_code = r.regency_code
left join branch_states as s on s.regency_code = r.regency_code
order by r.regency_code
