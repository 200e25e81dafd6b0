-- Each province's payments and amounts paid equal the sums over its regencies, and Indonesia's the sums over the
-- provinces, month by month, per programme, benefit kind, segment and funding source (workers paid are distinct in
-- each region: not sums, not compared). One row per region whose figures differ from the sum of the level below.
-- check: benefits_paid
-- blocking: true
with sums_below as (
    -- Each regency row counts towards its province, each province row towards Indonesia.
    select
        case region_level when 'regency' then 'province' else 'national' end as region_level,
        case region_level when 'regency' then left(region_code, 2) else 'ID' end as region_code,
        month,
        programme,
        benefit,
        segment,
        funding_source,
        sum(payments) as payments,
        sum(amount_rupiah) as amount_rupiah
    from benefits_paid
    where region_level in ('regency', 'province')
    group by all
)

select
    region_level,
    region_code,
    month,
    programme,
    benefit,
    segment,
    funding_source,
    b.payments,
    s.payments as sum_below_payments,
    b.amount_rupiah,
    s.amount_rupiah as sum_below_amount_rupiah
from (select * from benefits_paid where region_level in ('province', 'national')) as b
full join sums_below as s using (region_level, region_code, month, programme, benefit, segment, funding_source)
where b.payments is distinct from s.payments or b.amount_rupiah is distinct from s.amount_rupiah
order by region_level, region_code, month, programme, benefit, segment, funding_source
