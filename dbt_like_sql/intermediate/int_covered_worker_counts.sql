-- One row per branch x regency x village x segment x funding source x worker category: the covered workers
-- counted once nationally (int_covered_workers) whom that branch's record places there. The marts add these up
-- instead of reading every covered person; a refresh recounts only the branches whose people it rewrote.
-- materialized: incremental
-- changes_by: branch_code
select
    branch_code,
    regency_code,
    village_code,
    segment,
    funding_source,
    category,
    count(*) as covered_workers
from int_covered_workers
group by all
