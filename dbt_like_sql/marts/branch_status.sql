-- One row per branch office: its current snapshot on the reporting date, how old it is, and how many of its
-- participants are counted as covered.
-- materialized: table
-- publish: marts.branch_status
with counted as (
    select branch_code, sum(covered_workers)::bigint as covered_workers_counted
    from int_covered_worker_counts
    group by branch_code
),

served as (
    select branch_code, string_agg(regency_code, ', ' order by regency_code) as regency_codes
    from stg_branch_regencies
    group by branch_code
)

select
    s.as_of_date,
    s.branch_code,
    s.branch_name,
    s.regional_office,
    v.regency_codes,
    s.current_snapshot_date,
    s.days_since_snapshot,
    s.snapshot_state,
    coalesce(c.covered_workers_counted, 0) as covered_workers_counted
from int_branch_snapshot_status as s
left join counted as c on c.branch_code = s.branch_code
left join served as v on v.branch_code = s.branch_code
order by s.branch_code
