-- One row per programme (component), segment and validity period: the monthly premium per worker in whole rupiah
-- (reference data: premium_rates.csv), its basis and source regulation.
-- materialized: view
-- Columns: those of the lake table premium_rates, as the column contract (schema.yml) defines them.
select *
from premium_rates
