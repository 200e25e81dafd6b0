-- One row per region (Indonesia, province, regency) x segment x funding source x worker category: covered workers on
-- the reporting date, so "workers funded by the regional budget (APBD) in Enrekang" is a single filter.
-- materialized: table
-- publish: marts.coverage_breakdown
with cells as (
    -- The people counted once, in their finest cells: the three levels below add these up.
    select
        regency_code,
        segment,
        funding_source,
        coalesce(category, 'UNSPECIFIED') as category,
        sum(covered_workers)::bigint as covered_workers
    from int_covered_worker_counts
    group by all
),

grouped as (
    select
        case
            when grouping(regency_code) = 0 then 'regency'
            when grouping(province_code) = 0 then 'province'
            else 'national'
        end as region_level,
        coalesce(regency_code, province_code, 'ID') as region_code,
        segment,
        funding_source,
        category,
        sum(covered_workers)::bigint as covered_workers
    from (select *, left(regency_code, 2) as province_code from cells)
    group by grouping sets (
        (regency_code, province_code, segment, funding_source, category),
        (province_code, segment, funding_source, category),
        (segment, funding_source, category)
    )
)

select
    getvariable('as_of_date') as as_of_date,
    g.region_level,
    g.region_code,
    coalesce(r.region_name, 'Indonesia') as region_name,
    g.segment,
    g.funding_source,
    g.category,
    g.covered_workers,
    round(100.0 * g.covered_workers / sum(g.covered_workers) over (partition by g.region_level, g.region_code), 2)
        as share_of_region_pct
from grouped as g
left join stg_regions as r on r.region_code = g.region_code and r.region_level = g.region_level
order by
    case g.region_level when 'national' then 1 when 'province' then 2 else 3 end,
    g.region_code, g.segment, g.funding_source, g.category
