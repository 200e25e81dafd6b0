-- One row per programme, benefit kind and validity period: the benefit amount in force in whole rupiah (reference
-- data: benefit_amounts.csv), with its source regulation.
-- materialized: view
-- Columns: those of the lake table benefit_amounts, as the column contract (schema.yml) defines them.
select *
from benefit_amounts
