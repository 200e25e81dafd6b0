-- One row per Kemendagri region: province, regency, district and village codes and names (idn-area-data,
-- ODbL 1.0: Region data (c) idn-area-data contributors).
-- materialized: table
-- publish: reference.regions
select region_code, region_level, region_name, province_code, regency_code, district_code
from stg_regions
order by region_code
