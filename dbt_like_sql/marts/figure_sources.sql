-- One row per reporting date, region (Indonesia, each province, each regency) and branch the region's figure
-- depends on: the branch's current snapshot on that date, the file as delivered that made that snapshot (name,
-- SHA-256, delivery time, where it is archived, rows read and accepted) and the covered workers that branch's file
-- contributes to the region, counted once nationally. Branches that serve the region are listed even when they
-- contribute nothing (a stale or missing branch; a missing one has no file). For every region and date the
-- covered_workers_counted add up to the published covered_workers (checks/figure_sources_equal_published_figures.sql).
-- Kept per reporting date like marts.coverage_history: `ucj explain REGION` reads it.
-- materialized: history
-- publish: marts.figure_sources
with provinces as (
    select region_code as province_code, region_name as province_name
    from stg_regions
    where region_level = 'province'
),

regencies as (
    -- The regencies coverage_regency publishes: those of a known province.
    select r.region_code as regency_code, r.region_name as regency_name, r.province_code
    from stg_regions as r
    inner join provinces as p on p.province_code = r.province_code
    where r.region_level = 'regency'
),

counted as (
    -- Covered workers each branch's records place in each regency, after national de-duplication.
    select branch_code, regency_code, sum(covered_workers)::bigint as covered_workers
    from int_covered_worker_counts
    group by branch_code, regency_code
),

regency_sources as (
    -- Every branch a regency's figure depends on (it serves the regency, or its people are counted there).
    select
        g.province_code,
        g.regency_code,
        g.regency_name,
        d.branch_code,
        coalesce(c.covered_workers, 0)::bigint as covered_workers_counted
    from int_regency_branches as d
    inner join regencies as g on g.regency_code = d.regency_code
    left join counted as c on c.branch_code = d.branch_code and c.regency_code = d.regency_code
),

region_sources as (
    select 'regency' as region_level, regency_code as region_code, regency_name as region_name, branch_code,
        covered_workers_counted
    from regency_sources

    union all

    select 'province' as region_level, s.province_code as region_code, p.province_name as region_name, s.branch_code,
        sum(s.covered_workers_counted)::bigint as covered_workers_counted
    from regency_sources as s
    inner join provinces as p on p.province_code = s.province_code
    group by s.province_code, p.province_name, s.branch_code

    union all

    select 'national' as region_level, 'ID' as region_code, 'Indonesia' as region_name, branch_code,
        sum(covered_workers_counted)::bigint as covered_workers_counted
    from regency_sources
    group by branch_code
),

deliveries as (
    -- The accepted delivery that made each branch snapshot: the highest resend, then the latest processed (as
    -- lake.current_delivery chooses it).
    select branch_code, snapshot_date, file_name, file_hash, received_at, archived_as, rows_read, rows_accepted
    from stg_extract_files
    where feed = 'membership' and outcome = 'accepted'
    qualify row_number() over (
        partition by branch_code, snapshot_date
        order by resend desc, processed_at desc, file_name
    ) = 1
)

select
    getvariable('as_of_date') as as_of_date,
    r.region_level,
    r.region_code,
    r.region_name,
    r.branch_code,
    s.current_snapshot_date as snapshot_date,
    s.snapshot_state,
    f.file_name,
    f.file_hash as file_sha256,
    f.received_at,
    f.archived_as,
    f.rows_read,
    f.rows_accepted,
    r.covered_workers_counted
from region_sources as r
inner join int_branch_snapshot_status as s on s.branch_code = r.branch_code
left join deliveries as f on f.branch_code = s.branch_code and f.snapshot_date = s.current_snapshot_date
order by
    case r.region_level when 'national' then 1 when 'province' then 2 else 3 end,
    r.region_code, r.branch_code
