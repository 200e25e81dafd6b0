-- One row per coverage target a government set (reference data: targets.csv), with its baseline, date, the kind of
-- worker base it is measured against, and its source document.
-- materialized: view
-- Columns: those of the lake table targets, as the column contract (schema.yml) defines them.
select *
from targets
