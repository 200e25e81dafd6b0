-- One row per programme (component), segment and validity period: the monthly premium per worker in whole rupiah
-- before any discount (BPU at the lowest income bracket: JKK Rp10,000 + JKM Rp6,800), how it is set and the
-- regulation that sets it. An empty effective_to is open-ended.
-- materialized: table
-- publish: reference.premium_rates
select component, segment, effective_from, effective_to, monthly_rupiah, basis, source
from stg_premium_rates
order by segment, component, effective_from
