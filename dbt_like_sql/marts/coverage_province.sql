-- One row per province (all 38): the sums of its regencies' covered workers and worker bases, and coverage as
-- the ratio of those sums (never an average of percentages).
-- materialized: table
-- publish: marts.coverage_province
select
    any_value(as_of_date) as as_of_date,
    province_code,
    any_value(province_name) as province_name,
    sum(covered_workers)::bigint as covered_workers,
    sum(worker_base)::bigint as worker_base,
    greatest(sum(worker_base) - sum(covered_workers), 0)::bigint as uncovered_workers,
    round(100.0 * sum(covered_workers) / sum(worker_base), 2) as coverage_pct,
    sum(covered_workers) > sum(worker_base) as exceeds_worker_base,
    count(*) filter (where exceeds_worker_base) as regencies_exceeding_worker_base,
    count(*) as regencies,
    count(*) filter (where worker_base_is_estimate) as regencies_with_estimated_base,
    nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(stale_branches, ', '))))), ', '), '')
        as stale_branches,
    nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(missing_branches, ', '))))), ', '), '')
        as missing_branches,
    bool_or(has_stale_data) as has_stale_data
from coverage_regency
group by province_code
order by province_code
