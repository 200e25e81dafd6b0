-- One row per Kemendagri region (province, regency, district, village) with its parent codes.
-- materialized: view
-- Columns: those of the lake table region_codes, as the column contract (schema.yml) defines them.
select *
from region_codes
