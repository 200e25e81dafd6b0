-- One row per Kemendagri region (province, regency, district, village) with its parent codes.
-- materialized: view
select region_code, region_level, region_name, province_code, regency_code, district_code
from region_codes
