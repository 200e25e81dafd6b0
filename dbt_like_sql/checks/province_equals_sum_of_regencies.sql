-- Each province's covered workers and worker base equal the sums over its regencies.
-- check: coverage_province
-- blocking: true
select
    p.province_code as region_code,
    p.covered_workers,
    r.covered_workers as sum_of_regencies_covered_workers,
    p.worker_base,
    r.worker_base as sum_of_regencies_worker_base
from coverage_province p
full join (
    select province_code, sum(covered_workers) as covered_workers, sum(worker_base) as worker_base
    from coverage_regency
    group by province_code
) r using (province_code)
where p.covered_workers is distinct from r.covered_workers or p.worker_base is distinct from r.worker_base
order by region_code
