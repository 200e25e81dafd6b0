-- One row per programme (component), segment and validity period of a premium discount (reference data:
-- premium_discounts.csv), with the funding sources it does not apply to and its source regulation.
-- materialized: view
-- Columns: those of the lake table premium_discounts, as the column contract (schema.yml) defines them.
select *
from premium_discounts
