-- One row per (regency, branch its figure depends on): the branches that serve the regency and the branches
-- whose participants are counted there, with each branch's snapshot state.
-- materialized: view
with dependencies as (
    select regency_code, branch_code from stg_branch_regencies
    union
    select distinct regency_code, branch_code from int_covered_worker_counts
)

select d.regency_code, d.branch_code, s.snapshot_state, s.current_snapshot_date
from dependencies as d
inner join int_branch_snapshot_status as s on s.branch_code = d.branch_code
