-- One row per coverage target a government set: level (national, province, regency, village programme), region,
-- target percent (or workers per village), target date, baseline, the worker base it is measured against, and the
-- source document. Where a source gives no date, target_date_note says which date the team chose.
-- materialized: table
-- publish: reference.targets
select
    target_id,
    target_name,
    level,
    region_code,
    region_name,
    target_pct,
    target_workers_per_village,
    target_date,
    target_date_note,
    baseline_pct,
    baseline_date,
    base_kind,
    source_document
from int_target_regions
order by target_id
