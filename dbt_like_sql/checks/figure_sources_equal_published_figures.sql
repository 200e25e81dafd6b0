-- For every region (Indonesia, each province, each regency) on the reporting date, the covered workers counted from
-- the files behind its figure (marts.figure_sources) add up to the published covered_workers. A region listed here
-- means the build is wrong: its figure cannot be traced to the files that make it, and nothing is published.
-- check: figure_sources
-- blocking: true
with published as (
    select 'national' as region_level, country_code as region_code, covered_workers from coverage_national
    union all
    select 'province' as region_level, province_code as region_code, covered_workers from coverage_province
    union all
    select 'regency' as region_level, regency_code as region_code, covered_workers from coverage_regency
),

traced as (
    select region_level, region_code, sum(covered_workers_counted) as covered_workers_counted, count(*) as branches
    from figure_sources
    where as_of_date = getvariable('as_of_date')
    group by region_level, region_code
)

select
    coalesce(p.region_level, t.region_level) as region_level,
    coalesce(p.region_code, t.region_code) as region_code,
    p.covered_workers as published_covered_workers,
    coalesce(t.covered_workers_counted, 0) as sum_of_covered_workers_counted,
    coalesce(t.branches, 0) as branches
from published as p
full join traced as t on t.region_level = p.region_level and t.region_code = p.region_code
where p.covered_workers is distinct from coalesce(t.covered_workers_counted, 0)
order by region_level, region_code
