-- One row per participant record in the current snapshot of its branch (older snapshots are history only).
-- materialized: view
select p.*
from stg_participant_snapshots as p
inner join int_branch_snapshot_status as s
    on p.branch_code = s.branch_code and p.snapshot_date = s.current_snapshot_date
