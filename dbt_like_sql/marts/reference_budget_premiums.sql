-- One row per regency and validity period with a known budget premium: what the regency's budget pays a month per
-- budget-funded worker, in whole rupiah, what the figure is and the public report it comes from. A regency without a
-- row plans with the BPU schedule (reference.premium_rates) as a budget pays it: no discount the regulation excludes.
-- materialized: table
-- publish: reference.budget_premiums
select
    b.regency_code,
    r.region_name as regency_name,
    b.effective_from,
    b.effective_to,
    b.monthly_rupiah_per_worker,
    b.what,
    b.source
from stg_budget_premiums as b
left join stg_regions as r on r.region_code = b.regency_code and r.region_level = 'regency'
order by b.regency_code, b.effective_from
