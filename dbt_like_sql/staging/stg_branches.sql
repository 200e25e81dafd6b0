-- One row per branch office (Kantor Cabang) in the registry.
-- materialized: view
-- Columns: those of the lake table branch_registry, as the column contract (schema.yml) defines them.
select *
from branch_registry
