-- One row: Indonesia's covered workers against the sum of all regencies' worker bases.
-- materialized: table
-- publish: marts.coverage_national
select
    any_value(as_of_date) as as_of_date,
    'ID' as country_code,
    'Indonesia' as country_name,
    sum(covered_workers)::bigint as covered_workers,
    sum(worker_base)::bigint as worker_base,
    greatest(sum(worker_base) - sum(covered_workers), 0)::bigint as uncovered_workers,
    round(100.0 * sum(covered_workers) / sum(worker_base), 2) as coverage_pct,
    sum(covered_workers) > sum(worker_base) as exceeds_worker_base,
    sum(regencies_exceeding_worker_base)::bigint as regencies_exceeding_worker_base,
    count(*) filter (where has_stale_data) as provinces_with_stale_data,
    nullif(array_to_string(list_sort(list_distinct(flatten(list(string_split(stale_branches, ', '))))), ', '), '')
        as stale_branches,
    bool_or(has_stale_data) as has_stale_data
from coverage_province
