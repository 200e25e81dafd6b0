-- Indonesia's payments and amounts paid equal the sums over the provinces, month by month, per programme, benefit
-- kind, segment and funding source (workers paid are distinct nationally: not a sum, not compared).
-- check: benefits_paid
-- blocking: true
with national as (
    select month, programme, benefit, segment, funding_source, payments, amount_rupiah
    from benefits_paid
    where region_level = 'national'
),

sum_of_provinces as (
    select
        month,
        programme,
        benefit,
        segment,
        funding_source,
        sum(payments) as payments,
        sum(amount_rupiah) as amount_rupiah
    from benefits_paid
    where region_level = 'province'
    group by all
)

select
    'ID' as region_code,
    month,
    programme,
    benefit,
    segment,
    funding_source,
    n.payments,
    p.payments as sum_of_provinces_payments,
    n.amount_rupiah,
    p.amount_rupiah as sum_of_provinces_amount_rupiah
from national as n
full join sum_of_provinces as p using (month, programme, benefit, segment, funding_source)
where n.payments is distinct from p.payments or n.amount_rupiah is distinct from p.amount_rupiah
order by month, programme, benefit, segment, funding_source
