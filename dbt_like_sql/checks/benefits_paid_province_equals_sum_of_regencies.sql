-- Each province's payments and amounts paid equal the sums over its regencies, month by month, per programme,
-- benefit kind, segment and funding source (workers paid are distinct in the province: not a sum, not compared).
-- check: benefits_paid
-- blocking: true
with provinces as (
    select region_code as province_code, month, programme, benefit, segment, funding_source, payments, amount_rupiah
    from benefits_paid
    where region_level = 'province'
),

sum_of_regencies as (
    select
        left(region_code, 2) as province_code,
        month,
        programme,
        benefit,
        segment,
        funding_source,
        sum(payments) as payments,
        sum(amount_rupiah) as amount_rupiah
    from benefits_paid
    where region_level = 'regency'
    group by all
)

select
    province_code as region_code,
    month,
    programme,
    benefit,
    segment,
    funding_source,
    p.payments,
    r.payments as sum_of_regencies_payments,
    p.amount_rupiah,
    r.amount_rupiah as sum_of_regencies_amount_rupiah
from provinces as p
full join sum_of_regencies as r using (province_code, month, programme, benefit, segment, funding_source)
where p.payments is distinct from r.payments or p.amount_rupiah is distinct from r.amount_rupiah
order by region_code, month, programme, benefit, segment, funding_source
