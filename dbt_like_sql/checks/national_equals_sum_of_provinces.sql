-- Indonesia's covered workers and worker base equal the sums over the provinces.
-- check: coverage_national
-- blocking: true
select
    n.country_code as region_code,
    n.covered_workers,
    p.covered_workers as sum_of_provinces_covered_workers,
    n.worker_base,
    p.worker_base as sum_of_provinces_worker_base
from coverage_national n
cross join (select sum(covered_workers) as covered_workers, sum(worker_base) as worker_base from coverage_province) p
where n.covered_workers is distinct from p.covered_workers or n.worker_base is distinct from p.worker_base
