-- One row per branch office (Kantor Cabang) in the registry.
-- materialized: view
select branch_code, branch_name, regional_office
from branch_registry
