-- One row per covered person, counted once nationally. When the same (pseudonymised) NIK is covered in several
-- branches, the record from the newest snapshot counts, then the latest enrolment; its region places the person.
-- A refresh recomputes only the people a changed branch snapshot can move (ucj_pipeline/models/incremental_models.py).
-- materialized: incremental
-- unique_key: participant_key
-- changes_by: branch_code
-- changes_marked_by: stored_snapshot_id
select
    participant_key,
    branch_code,
    snapshot_date,
    regency_code,
    village_code,
    segment,
    funding_source,
    category,
    sex,
    age_band,
    enrolment_date
from int_current_participants
where is_covered
qualify row_number() over (
    partition by participant_key
    order by snapshot_date desc, enrolment_date desc, branch_code
) = 1
