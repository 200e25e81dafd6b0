-- One row per village of every regency with a village programme target (Luwu Timur: "Satu Desa 100 Tenaga Kerja")
-- or with covered workers placed at village level: covered workers in the village, whether it meets the programme's
-- per-village target, and for its regency the number and share of villages that do.
-- materialized: table
-- publish: marts.village_programme
with programmes as (
    select target_id, region_code as regency_code, target_workers_per_village
    from stg_targets
    where level = 'village_programme'
),

villages as (
    select region_code as village_code, region_name as village_name, district_code, regency_code, province_code
    from stg_regions
    where region_level = 'village'
),

covered as (
    select village_code, sum(covered_workers)::bigint as covered_workers
    from int_covered_worker_counts
    where village_code is not null
    group by village_code
),

without_village as (
    select regency_code, sum(covered_workers)::bigint as covered_workers
    from int_covered_worker_counts
    where village_code is null
    group by regency_code
),

regencies_in_scope as (
    select distinct v.regency_code
    from covered as c
    inner join villages as v on v.village_code = c.village_code
    union
    select regency_code from programmes
),

village_rows as (
    select
        v.*,
        coalesce(c.covered_workers, 0) as covered_workers,
        p.target_id as programme_target_id,
        p.target_workers_per_village,
        case when p.target_id is not null then coalesce(c.covered_workers, 0) >= p.target_workers_per_village end
            as meets_programme_target,
        case when p.target_id is not null then greatest(p.target_workers_per_village - coalesce(c.covered_workers, 0), 0)
        end as workers_short_of_target
    from villages as v
    inner join regencies_in_scope as s on s.regency_code = v.regency_code
    left join covered as c on c.village_code = v.village_code
    left join programmes as p on p.regency_code = v.regency_code
)

select
    getvariable('as_of_date') as as_of_date,
    r.province_code,
    r.regency_code,
    g.region_name as regency_name,
    r.district_code,
    r.village_code,
    r.village_name,
    r.covered_workers,
    r.programme_target_id,
    r.target_workers_per_village,
    r.meets_programme_target,
    r.workers_short_of_target,
    count(*) over (partition by r.regency_code) as regency_villages,
    case when r.programme_target_id is not null then
        count(*) filter (where r.meets_programme_target) over (partition by r.regency_code)
    end as regency_villages_meeting_target,
    case when r.programme_target_id is not null then
        round(100.0 * count(*) filter (where r.meets_programme_target) over (partition by r.regency_code)
            / count(*) over (partition by r.regency_code), 2)
    end as regency_villages_meeting_target_pct,
    coalesce(w.covered_workers, 0) as regency_covered_workers_without_village
from village_rows as r
inner join stg_regions as g on g.region_code = r.regency_code and g.region_level = 'regency'
left join without_village as w on w.regency_code = r.regency_code
order by r.village_code
