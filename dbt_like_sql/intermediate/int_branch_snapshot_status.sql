-- One row per branch in the registry: its current snapshot on the reporting date (the newest accepted one not
-- after it) and whether it is current, stale (older than the stale limit) or missing (never delivered).
-- materialized: table
with accepted_snapshots as (
    select branch_code, max(snapshot_date) as current_snapshot_date
    from stg_extract_files
    where feed = 'membership' and outcome = 'accepted' and snapshot_date <= getvariable('as_of_date')
    group by branch_code
)

select
    getvariable('as_of_date') as as_of_date,
    b.branch_code,
    b.branch_name,
    b.regional_office,
    s.current_snapshot_date,
    date_diff('day', s.current_snapshot_date, getvariable('as_of_date')) as days_since_snapshot,
    case
        when s.current_snapshot_date is null then 'missing'
        when date_diff('day', s.current_snapshot_date, getvariable('as_of_date'))
            > getvariable('stale_after_days') then 'stale'
        else 'current'
    end as snapshot_state
from stg_branches as b
left join accepted_snapshots as s on s.branch_code = b.branch_code
