-- One row per delivered extract file and what ingest did with it (accepted, rejected, duplicate).
-- materialized: view
-- Columns: those of the lake table extract_files, as the column contract (schema.yml) defines them.
select *
from extract_files
