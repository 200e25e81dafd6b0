-- One row per target: the region it is set for, with its name (Indonesia for national targets).
-- materialized: view
select
    t.*,
    case when t.level = 'national' then 'Indonesia' else r.region_name end as region_name
from stg_targets as t
left join stg_regions as r
    on r.region_code = t.region_code and r.region_level = case t.level when 'province' then 'province' else 'regency' end
