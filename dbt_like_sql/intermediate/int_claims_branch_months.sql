-- One row per (branch in the registry, month from January of the first year with an accepted claims file to the
-- reporting date's month): whether the branch delivered an accepted claims file for that month. An empty month (a
-- file with a header and no rows) is delivered; the current month's file is month-to-date and counts as delivered.
-- materialized: view
with delivered as (
    select distinct branch_code, snapshot_date as payment_month
    from stg_extract_files
    where feed = 'claims' and outcome = 'accepted' and snapshot_date <= getvariable('as_of_date')
),

months as (
    -- No accepted claims file yet: no month at all (generate_series of an empty minimum is NULL).
    select unnest(
        generate_series(
            date_trunc('year', min(payment_month)), date_trunc('month', getvariable('as_of_date')), interval 1 month
        )
    )::date as payment_month
    from delivered
)

select
    b.branch_code,
    m.payment_month,
    d.branch_code is not null as claims_delivered
from stg_branches as b
cross join months as m
left join delivered as d on d.branch_code = b.branch_code and d.payment_month = m.payment_month
order by b.branch_code, m.payment_month
