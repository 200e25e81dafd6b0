-- One row per (branch, regency the branch serves).
-- materialized: view
select branch_code, regency_code
from branch_service_areas
