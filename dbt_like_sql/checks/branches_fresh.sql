-- Every branch that has delivered has a snapshot at most 35 days old on the reporting date (a stale branch still
-- counts, and the figures that depend on it say so).
-- check: branch_status
-- severity: warn
select branch_code, current_snapshot_date, days_since_snapshot
from branch_status
where snapshot_state = 'stale'
order by branch_code
