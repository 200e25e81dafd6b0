-- One row per region (Indonesia, province, regency), month, programme, benefit kind, segment and funding source:
-- the benefits paid (payments, whole rupiah, distinct workers paid) up to the reporting date's month, from each
-- branch's claims file of the month that counts (its accepted delivery with the highest resend). Amounts and
-- payments of a province are the sums of its regencies, and Indonesia's of the provinces; workers_paid counts a
-- worker once in the whole region, so it is not a sum. Regency level and above only: no village, participant, claim
-- number or payment date.
-- materialized: table
-- publish: marts.benefits_paid
with payments as (
    -- The lake keeps one file per branch and month, the accepted delivery that counts (a resend replaces it).
    select
        regency_code,
        left(regency_code, 2) as province_code,
        payment_month,
        programme,
        benefit,
        segment,
        funding_source,
        participant_key,
        amount_rupiah
    from stg_claim_payments
    where payment_month <= getvariable('as_of_date')
),

grouped as (
    select
        case
            when grouping(regency_code) = 0 then 'regency'
            when grouping(province_code) = 0 then 'province'
            else 'national'
        end as region_level,
        coalesce(regency_code, province_code, 'ID') as region_code,
        payment_month,
        programme,
        benefit,
        segment,
        funding_source,
        count(*) as payments,
        sum(amount_rupiah)::decimal(18, 0) as amount_rupiah,
        count(distinct participant_key) as workers_paid
    from payments
    group by grouping sets (
        (regency_code, province_code, payment_month, programme, benefit, segment, funding_source),
        (province_code, payment_month, programme, benefit, segment, funding_source),
        (payment_month, programme, benefit, segment, funding_source)
    )
)

select
    getvariable('as_of_date') as as_of_date,
    g.region_level,
    g.region_code,
    coalesce(r.region_name, 'Indonesia') as region_name,
    g.payment_month as month,
    g.programme,
    g.benefit,
    g.segment,
    g.funding_source,
    g.payments,
    g.amount_rupiah,
    g.workers_paid
from grouped as g
left join stg_regions as r on r.region_code = g.region_code and r.region_level = g.region_level
order by
    case g.region_level when 'national' then 1 when 'province' then 2 else 3 end,
    g.region_code, g.payment_month, g.programme, g.benefit, g.segment, g.funding_source
