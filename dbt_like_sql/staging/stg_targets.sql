-- One row per coverage target a government set (reference data: targets.csv), with its baseline, date, the kind of
-- worker base it is measured against, and its source document.
-- materialized: view
select
    target_id,
    target_name,
    level,
    region_code,
    target_pct,
    target_workers_per_village,
    target_date,
    target_date_note,
    baseline_pct,
    baseline_date,
    base_kind,
    source_document
from targets
