-- One row per regency and worker category with covered workers whose premium a regional or village budget pays
-- (funding source APBD or APBDES), plus one row per regency for all its categories (category ALL): what the budget
-- buys. The premium the budget pays for them over the twelve months from the reporting month
-- (int_budget_premium_months: the regency's own figure where a public report gives it, else the BPU schedule as a
-- budget pays it), the benefits paid to budget-funded workers in the twelve months up to the reporting month (claims
-- with funding source APBD or APBDES), and the benefits per rupiah of premium. Regency level; whole rupiah.
-- materialized: table
-- publish: marts.budget_funded_workers
with funded as (
    select regency_code, coalesce(category, 'UNSPECIFIED') as category, sum(covered_workers)::bigint as workers
    from int_covered_worker_counts
    where funding_source in ('APBD', 'APBDES')
    group by all
),

premium_year as (
    select regency_code, sum(monthly_rupiah)::decimal(18, 0) as premium_12_months
    from int_budget_premium_months
    where regency_code is not null
        and month >= date_trunc('month', getvariable('as_of_date'))
        and month < date_trunc('month', getvariable('as_of_date')) + interval 12 month
    group by regency_code
),

budget_funded_payments as (
    select regency_code, coalesce(category, 'UNSPECIFIED') as category, participant_key, amount_rupiah
    from stg_claim_payments
    where funding_source in ('APBD', 'APBDES')
        and payment_month > date_trunc('month', getvariable('as_of_date')) - interval 12 month
        and payment_month <= getvariable('as_of_date')
),

benefits as (
    select regency_code, category, sum(amount_rupiah) as amount, count(distinct participant_key) as workers_paid
    from budget_funded_payments
    group by regency_code, category
    union all
    select regency_code, 'ALL', sum(amount_rupiah), count(distinct participant_key)
    from budget_funded_payments
    group by regency_code
),

rows as (
    select regency_code, category, workers from funded
    union all
    select regency_code, 'ALL', sum(workers)::bigint from funded group by regency_code
),

regencies as (
    select region_code as regency_code, region_name as regency_name, province_code
    from stg_regions
    where region_level = 'regency'
)

select
    getvariable('as_of_date') as as_of_date,
    r.province_code,
    x.regency_code,
    r.regency_name,
    x.category,
    x.workers as budget_funded_workers,
    (x.workers::hugeint * p.premium_12_months)::decimal(18, 0) as premium_12_months_rupiah,
    coalesce(b.amount, 0)::decimal(18, 0) as benefits_12_months_rupiah,
    coalesce(b.workers_paid, 0)::bigint as workers_paid_12_months,
    round(coalesce(b.amount, 0)::double / nullif(x.workers::hugeint * p.premium_12_months, 0), 2)::decimal(18, 2)
        as benefits_per_rupiah_of_premium
from rows as x
inner join regencies as r on r.regency_code = x.regency_code
left join premium_year as p on p.regency_code = x.regency_code
left join benefits as b
    on b.regency_code = x.regency_code and b.category = x.category
order by x.regency_code, x.category = 'ALL' desc, x.category
