-- One row per programme, benefit kind and validity period: the benefit amount in force per case in whole rupiah
-- (JKM death benefit: Rp20 M lump sum + Rp12 M periodic + Rp10 M funeral = Rp42 M) and the regulation that sets it.
-- The claims contract warns of a death benefit paid that differs from the amount in force on its payment date.
-- materialized: table
-- publish: reference.benefit_amounts
select programme, benefit, effective_from, effective_to, amount_rupiah, source
from stg_benefit_amounts
order by programme, benefit, effective_from
