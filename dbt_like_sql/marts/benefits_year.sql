-- One row per region (Indonesia, province, every regency) and year with an accepted claims file, up to the
-- reporting date: the benefits paid (whole rupiah) in total, per programme, as scholarships and to workers whose
-- premium a regional or village budget paid (APBD, APBDES on the claim), the distinct workers paid, and which
-- branch-months the figure lacks: months_complete counts the months of the year (to the reporting date's month)
-- for which every branch the region depends on (the branches serving its regencies, and those whose payments are
-- counted there that year) delivered an accepted claims file. Amounts of a province are the sums of its regencies,
-- and Indonesia's of the provinces; workers paid are counted once in the whole region, so they are not sums.
-- materialized: table
-- publish: marts.benefits_year
with payments as (
    -- The lake keeps one file per branch and month, the accepted delivery that counts (a resend replaces it).
    select
        branch_code,
        regency_code,
        left(regency_code, 2) as province_code,
        year(payment_month) as year,
        programme,
        benefit,
        funding_source in ('APBD', 'APBDES') as budget_funded,
        participant_key,
        amount_rupiah
    from stg_claim_payments
    where payment_month <= getvariable('as_of_date')
),

paid as (
    select
        case
            when grouping(regency_code) = 0 then 'regency'
            when grouping(province_code) = 0 then 'province'
            else 'national'
        end as region_level,
        coalesce(regency_code, province_code, 'ID') as region_code,
        year,
        sum(amount_rupiah) as amount_rupiah,
        count(distinct participant_key) as workers_paid,
        sum(amount_rupiah) filter (where programme = 'JHT') as amount_jht,
        sum(amount_rupiah) filter (where programme = 'JKK') as amount_jkk,
        sum(amount_rupiah) filter (where programme = 'JKM') as amount_jkm,
        sum(amount_rupiah) filter (where programme = 'JP') as amount_jp,
        sum(amount_rupiah) filter (where programme = 'JKP') as amount_jkp,
        sum(amount_rupiah) filter (where benefit = 'BEASISWA') as amount_scholarships,
        sum(amount_rupiah) filter (where budget_funded) as amount_to_budget_funded,
        count(distinct participant_key) filter (where budget_funded) as workers_paid_budget_funded
    from payments
    group by grouping sets ((regency_code, province_code, year), (province_code, year), (year))
),

years as (
    -- 12 months due for a past year; January to the reporting date's month for the reporting date's year.
    select year(payment_month) as year, count(distinct payment_month) as months_due
    from int_claims_branch_months
    group by year(payment_month)
),

regions as (
    select region_level, region_code, region_name
    from stg_regions
    where region_level in ('province', 'regency')
    union all
    select 'national' as region_level, 'ID' as region_code, 'Indonesia' as region_name
),

dependencies as (
    -- The branches a regency's benefits depend on in a year: those serving it, and those that paid a benefit
    -- counted there that year.
    select y.year, s.regency_code, s.branch_code
    from stg_branch_regencies as s
    cross join years as y
    union
    select year, regency_code, branch_code
    from payments
),

missing as (
    -- Each branch-month a region's figure lacks, once per region however many of its regencies depend on it.
    select distinct
        level.region_level,
        case level.region_level when 'regency' then d.regency_code when 'province' then left(d.regency_code, 2)
            else 'ID' end as region_code,
        d.year,
        m.branch_code,
        m.payment_month
    from dependencies as d
    inner join int_claims_branch_months as m on m.branch_code = d.branch_code and year(m.payment_month) = d.year
    cross join (values ('regency'), ('province'), ('national')) as level (region_level)
    where not m.claims_delivered
),

missing_per_branch as (
    select
        region_level,
        region_code,
        year,
        branch_code,
        branch_code || ' ' || string_agg(strftime(payment_month, '%Y-%m'), ', ' order by payment_month) as months
    from missing
    group by region_level, region_code, year, branch_code
),

missing_per_region as (
    select
        region_level,
        region_code,
        year,
        string_agg(months, '; ' order by branch_code) as missing_branch_months
    from missing_per_branch
    group by region_level, region_code, year
),

months_missing as (
    select region_level, region_code, year, count(distinct payment_month) as months_missing
    from missing
    group by region_level, region_code, year
)

select
    getvariable('as_of_date') as as_of_date,
    r.region_level,
    r.region_code,
    r.region_name,
    y.year,
    coalesce(p.amount_rupiah, 0)::decimal(18, 0) as amount_rupiah,
    coalesce(p.workers_paid, 0) as workers_paid,
    coalesce(p.amount_jht, 0)::decimal(18, 0) as amount_jht,
    coalesce(p.amount_jkk, 0)::decimal(18, 0) as amount_jkk,
    coalesce(p.amount_jkm, 0)::decimal(18, 0) as amount_jkm,
    coalesce(p.amount_jp, 0)::decimal(18, 0) as amount_jp,
    coalesce(p.amount_jkp, 0)::decimal(18, 0) as amount_jkp,
    coalesce(p.amount_scholarships, 0)::decimal(18, 0) as amount_scholarships,
    coalesce(p.amount_to_budget_funded, 0)::decimal(18, 0) as amount_to_budget_funded,
    coalesce(p.workers_paid_budget_funded, 0) as workers_paid_budget_funded,
    y.months_due,
    y.months_due - coalesce(mm.months_missing, 0) as months_complete,
    mr.missing_branch_months
from regions as r
cross join years as y
left join paid as p on p.region_level = r.region_level and p.region_code = r.region_code and p.year = y.year
left join months_missing as mm
    on mm.region_level = r.region_level and mm.region_code = r.region_code and mm.year = y.year
left join missing_per_region as mr
    on mr.region_level = r.region_level and mr.region_code = r.region_code and mr.year = y.year
order by case r.region_level when 'national' then 1 when 'province' then 2 else 3 end, r.region_code, y.year
