-- One row per tracked target: what closing its gap would cost a regional budget that paid the premium of every
-- missing worker. The premium per worker is the one a budget pays (int_budget_premium_months: the regency's own
-- figure where a public report gives it, else the BPU schedule of JKK and JKM as a budget pays it), month by month.
-- yearly_cost_full_gap: the whole gap funded for twelve months at the reporting month's premium. path_cost: the
-- required monthly path from the reporting date to the target date (gap / months newly enrolled each month, each
-- paid every month until the target date), at the premium in force each month. Whole rupiah, rounded half up.
-- materialized: table
-- publish: marts.target_cost
with targets as (
    select
        t.*,
        case when t.level in ('regency', 'village_programme') then t.region_code end as premium_regency,
        date_trunc('month', t.as_of_date)::date as reporting_month
    from target_tracking as t
),

premium_now as (
    select t.target_id, p.month, p.monthly_rupiah, p.basis, p.source
    from targets as t
    inner join int_budget_premium_months as p
        on p.regency_code is not distinct from t.premium_regency and p.month = t.reporting_month
),

path as (
    -- the months after the reporting month up to the target date's month, numbered: month k funds k/n of the gap
    select
        t.target_id,
        p.monthly_rupiah,
        row_number() over (partition by t.target_id order by p.month) as k,
        count(*) over (partition by t.target_id) as n
    from targets as t
    inner join int_budget_premium_months as p
        on p.regency_code is not distinct from t.premium_regency
        and p.month > t.reporting_month and p.month <= date_trunc('month', t.target_date)
),

path_cost as (
    select
        target_id,
        any_value(n) as path_months,
        -- sum over months of (gap x k / n) x premium, in exact decimals, rounded half up once
        sum(k * monthly_rupiah)::hugeint as weighted_premium
    from path
    group by target_id
)

select
    t.as_of_date,
    t.target_id,
    t.target_name,
    t.level,
    t.region_code,
    t.region_name,
    t.target_date,
    t.status,
    t.gap_workers,
    n.month as premium_month,
    n.monthly_rupiah::bigint as monthly_premium_rupiah,
    n.basis as premium_basis,
    n.source as premium_source,
    (t.gap_workers::hugeint * n.monthly_rupiah * 12)::decimal(18, 0) as yearly_cost_full_gap_rupiah,
    coalesce(c.path_months, 0)::bigint as path_months,
    coalesce((t.gap_workers::hugeint * c.weighted_premium * 2 + c.path_months) // (2 * c.path_months), 0)::decimal(18, 0)
        as path_cost_rupiah
from targets as t
left join premium_now as n on n.target_id = t.target_id
left join path_cost as c on c.target_id = t.target_id
order by
    case t.level when 'national' then 1 when 'province' then 2 when 'regency' then 3 else 4 end, t.region_code, t.target_id
