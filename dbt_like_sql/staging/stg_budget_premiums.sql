-- One row per regency and validity period of what its budget pays a month per budget-funded worker, where a public
-- report says so (reference data: budget_premiums.csv), with what the figure is and its source.
-- materialized: view
-- Columns: those of the lake table budget_premiums, as the column contract (schema.yml) defines them.
select *
from budget_premiums
