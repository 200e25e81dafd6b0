-- One row per regency (and one for a budget above the regencies, regency_code empty) and month, from the reporting
-- month to the last target date: the premium a regional budget pays a month per funded worker, whole rupiah. A
-- regency's own figure in force on the month's first day (reference budget_premiums) where it has one; otherwise
-- the BPU schedule of JKK and JKM as a budget pays it: each programme's rate in force, less a discount in force
-- unless the discount excludes budget-funded premiums (PP 50/2025 excludes APBD), rounded half up. The same rule
-- as ucj_pipeline/contract/premiums.py (budget_premium), which tests/models/test_target_cost.py checks it against.
-- materialized: table
with months as (
    select unnest(generate_series(
        date_trunc('month', getvariable('as_of_date'))::date,
        (select max(target_date) from stg_targets),
        interval 1 month
    ))::date as month
),

components as (
    select
        m.month,
        r.component,
        r.monthly_rupiah,
        d.discount_pct,
        d.discount_pct is not null and not list_contains(string_split(d.not_for_funding, ','), 'APBD') as discounted,
        r.source as rate_source
    from months as m
    inner join stg_premium_rates as r
        on r.segment = 'BPU' and r.component in ('JKK', 'JKM')
        and r.effective_from <= m.month and (r.effective_to is null or m.month <= r.effective_to)
    left join stg_premium_discounts as d
        on d.segment = r.segment and d.component = r.component
        and d.effective_from <= m.month and (d.effective_to is null or m.month <= d.effective_to)
),

schedule as (
    select
        month,
        sum(case when discounted then (monthly_rupiah * (100 - discount_pct) + 50) // 100 else monthly_rupiah end)::bigint
            as monthly_rupiah,
        'BPU schedule paid by a regional budget (APBD): '
        || string_agg(component || ' Rp' || format('{:,}', monthly_rupiah)
            || case when discount_pct is not null and not discounted
                then ' (the ' || discount_pct || '% discount does not apply where a budget pays)' else '' end,
            ' + ' order by component) as basis,
        string_agg(distinct rate_source, '; ' order by rate_source) as source
    from components
    group by month
),

regencies as (
    select region_code as regency_code
    from stg_regions
    where region_level = 'regency'
),

own as (
    select r.regency_code, m.month, b.monthly_rupiah_per_worker, b.what, b.source
    from regencies as r
    cross join months as m
    inner join stg_budget_premiums as b
        on b.regency_code = r.regency_code
        and b.effective_from <= m.month and (b.effective_to is null or m.month <= b.effective_to)
)

select
    r.regency_code,
    s.month,
    coalesce(o.monthly_rupiah_per_worker, s.monthly_rupiah)::bigint as monthly_rupiah,
    coalesce('budget premium of the regency: ' || o.what, s.basis) as basis,
    coalesce(o.source, s.source) as source
from (select regency_code from regencies union all select null) as r
cross join schedule as s
left join own as o on o.regency_code = r.regency_code and o.month = s.month
order by r.regency_code nulls first, s.month
