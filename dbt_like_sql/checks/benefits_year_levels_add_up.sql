-- Each province's yearly amounts paid (in total, per programme, as scholarships, to budget-funded workers) equal the
-- sums over its regencies, and Indonesia's the sums over the provinces (workers paid are distinct in each region:
-- not sums, not compared; nor are the months complete). One row per region, year and amount that differs.
-- check: benefits_year
-- blocking: true
with amounts as (
    -- One row per region, year and additive column.
    select
        b.region_level,
        b.region_code,
        b.year,
        c.column_name,
        case c.column_name
            when 'amount_rupiah' then b.amount_rupiah
            when 'amount_jht' then b.amount_jht
            when 'amount_jkk' then b.amount_jkk
            when 'amount_jkm' then b.amount_jkm
            when 'amount_jp' then b.amount_jp
            when 'amount_jkp' then b.amount_jkp
            when 'amount_scholarships' then b.amount_scholarships
            when 'amount_to_budget_funded' then b.amount_to_budget_funded
        end as amount
    from benefits_year as b
    cross join (
        values
        ('amount_rupiah'), ('amount_jht'), ('amount_jkk'), ('amount_jkm'), ('amount_jp'), ('amount_jkp'),
        ('amount_scholarships'), ('amount_to_budget_funded')
    ) as c (column_name)
),

sums_below as (
    -- Each regency row counts towards its province, each province row towards Indonesia.
    select
        case region_level when 'regency' then 'province' else 'national' end as region_level,
        case region_level when 'regency' then left(region_code, 2) else 'ID' end as region_code,
        year,
        column_name,
        sum(amount) as amount
    from amounts
    where region_level in ('regency', 'province')
    group by all
)

select region_level, region_code, year, column_name, a.amount, s.amount as sum_below_amount
from (select * from amounts where region_level in ('province', 'national')) as a
full join sums_below as s using (region_level, region_code, year, column_name)
where a.amount is distinct from s.amount
order by region_level, region_code, year, column_name
