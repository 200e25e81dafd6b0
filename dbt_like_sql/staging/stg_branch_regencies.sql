-- One row per (branch, regency the branch serves).
-- materialized: view
-- Columns: those of the lake table branch_service_areas, as the column contract (schema.yml) defines them.
select *
from branch_service_areas
