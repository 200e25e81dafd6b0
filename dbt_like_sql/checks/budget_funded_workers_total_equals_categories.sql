-- A regency's ALL row of marts.budget_funded_workers against the sum of its category rows: workers and premium
-- must add up (benefits need not: a payment's category may be one with no funded worker left). Returns the
-- regencies where they do not.
-- check: budget_funded_workers
-- blocking: true
select a.regency_code, a.budget_funded_workers, c.workers, a.premium_12_months_rupiah, c.premium
from budget_funded_workers as a
inner join (
    select
        regency_code,
        sum(budget_funded_workers)::bigint as workers,
        sum(premium_12_months_rupiah)::decimal(18, 0) as premium
    from budget_funded_workers
    where category <> 'ALL'
    group by regency_code
) as c on c.regency_code = a.regency_code
where a.category = 'ALL'
    and (a.budget_funded_workers <> c.workers or a.premium_12_months_rupiah is distinct from c.premium)
