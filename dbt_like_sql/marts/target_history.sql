-- One row per reporting date and target: what the target is measured on that date, namely the covered workers
-- counted toward it, the worker base of the target's kind over its region, and their ratio (for a village
-- programme: each village counts at most its per-village target, against that target times the villages).
-- The recent pace in marts.target_tracking is read from here.
-- materialized: history
-- publish: marts.target_history
with regencies as (
    select regency_code, province_code, covered_workers, has_stale_data
    from coverage_regency
),

scope as (
    select t.target_id, t.base_kind, r.regency_code, r.covered_workers, r.has_stale_data
    from stg_targets as t
    inner join regencies as r
        on t.level = 'national'
        or (t.level = 'province' and r.province_code = t.region_code)
        or (t.level = 'regency' and r.regency_code = t.region_code)
),

coverage_targets as (
    select
        s.target_id,
        sum(s.covered_workers) as covered_workers,
        -- a base of the target's kind must exist for every regency of the region, or there is no ratio
        case when count(b.workers) = count(*) then sum(b.workers) end as worker_base,
        bool_or(s.has_stale_data) as has_stale_data
    from scope as s
    left join stg_worker_bases as b on b.regency_code = s.regency_code and b.base_kind = s.base_kind
    group by s.target_id
),

programme_targets as (
    select
        v.programme_target_id as target_id,
        sum(least(v.covered_workers, v.target_workers_per_village)) as covered_workers,
        sum(v.target_workers_per_village) as worker_base,
        count(*) as villages,
        count(*) filter (where v.meets_programme_target) as villages_meeting_target,
        any_value(r.has_stale_data) as has_stale_data
    from village_programme as v
    inner join regencies as r on r.regency_code = v.regency_code
    where v.programme_target_id is not null
    group by v.programme_target_id
),

measured as (
    select target_id, covered_workers, worker_base, null::bigint as villages, null::bigint as villages_meeting_target,
        has_stale_data
    from coverage_targets
    union all
    select target_id, covered_workers, worker_base, villages, villages_meeting_target, has_stale_data
    from programme_targets
)

select
    getvariable('as_of_date') as as_of_date,
    t.target_id,
    t.level,
    t.region_code,
    m.covered_workers::bigint as covered_workers,
    m.worker_base::bigint as worker_base,
    round(100.0 * m.covered_workers / m.worker_base, 2) as coverage_pct,
    m.villages,
    m.villages_meeting_target,
    m.has_stale_data
from stg_targets as t
inner join measured as m on m.target_id = t.target_id
