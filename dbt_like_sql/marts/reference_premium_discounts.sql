-- One row per programme (component), segment and validity period of a premium discount: the percent off, the
-- funding sources it does not apply to (PP 50/2025: 50% off BPU JKK and JKM from April to December 2026, not where
-- APBN, APBD or APBDES pays) and the regulation that grants it.
-- materialized: table
-- publish: reference.premium_discounts
select component, segment, effective_from, effective_to, discount_pct, not_for_funding, source
from stg_premium_discounts
order by segment, component, effective_from
