-- One row per (branch office, regency it serves): the branch registry.
-- materialized: table
-- publish: reference.branches
select b.branch_code, b.branch_name, b.regional_office, r.regency_code
from stg_branches as b
inner join stg_branch_regencies as r on r.branch_code = b.branch_code
order by b.branch_code, r.regency_code
