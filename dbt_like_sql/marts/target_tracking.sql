-- One row per target (reference.targets): coverage on the reporting date, the gap to the target in points and in
-- workers, months left, the net new covered workers a month needed to reach it on time, the recent pace (net change
-- a month since the earliest history date within the last 90 days), the coverage projected at the target date at
-- that pace, and a status. Status rule: achieved = the target is met today; off_track = the target date has passed
-- unmet, or the recent pace is below half the required pace (or not positive); at_risk = the pace is at least half
-- but below the required pace, or unknown (fewer than two history dates within 90 days); on_track = the pace meets
-- or beats the required pace, so the projection reaches the target by its date. A month is 30.4375 days.
-- materialized: table
-- publish: marts.target_tracking
with today as (
    select *
    from target_history
    where as_of_date = getvariable('as_of_date')
),

pace_start as (
    select target_id, as_of_date as pace_since_date, covered_workers as covered_workers_then
    from target_history
    where as_of_date < getvariable('as_of_date')
        and as_of_date >= getvariable('as_of_date') - interval 90 day
    qualify row_number() over (partition by target_id order by as_of_date) = 1
),

measures as (
    select
        t.*,
        h.covered_workers,
        h.worker_base,
        h.coverage_pct,
        h.villages,
        h.villages_meeting_target,
        h.has_stale_data,
        ceil(t.target_pct / 100.0 * h.worker_base)::bigint as target_workers,
        greatest(date_diff('day', getvariable('as_of_date'), t.target_date), 0) / 30.4375 as months_left_exact,
        p.pace_since_date,
        (h.covered_workers - p.covered_workers_then)
        / (date_diff('day', p.pace_since_date, getvariable('as_of_date')) / 30.4375) as pace_exact
    from int_target_regions as t
    inner join today as h on h.target_id = t.target_id
    left join pace_start as p on p.target_id = t.target_id
),

gaps as (
    select
        *,
        greatest(target_workers - covered_workers, 0) as gap_workers,
        case when months_left_exact > 0 then greatest(target_workers - covered_workers, 0) / months_left_exact end
            as required_exact
    from measures
),

decisions as (  -- which part of the status rule applies
    select
        *,
        case
            when gap_workers = 0 then 'met'
            when months_left_exact = 0 then 'date_passed'
            when pace_exact is null then 'pace_unknown'
            when pace_exact >= required_exact then 'on_pace'
            when pace_exact >= 0.5 * required_exact and pace_exact > 0 then 'half_pace'
            else 'below_half_pace'
        end as decision
    from gaps
)

select
    getvariable('as_of_date') as as_of_date,
    target_id,
    target_name,
    level,
    region_code,
    region_name,
    base_kind,
    baseline_pct,
    baseline_date,
    target_pct,
    target_workers_per_village,
    target_date,
    target_date_note,
    covered_workers,
    worker_base,
    coverage_pct,
    covered_workers > worker_base as exceeds_worker_base,
    villages,
    villages_meeting_target,
    target_workers,
    greatest(round(target_pct - 100.0 * covered_workers / worker_base, 2), 0) as gap_pct_points,
    gap_workers,
    round(months_left_exact, 1) as months_left,
    ceil(required_exact)::bigint as required_monthly_net_new,
    pace_since_date,
    round(pace_exact, 1) as recent_monthly_net_change,
    case when pace_exact is not null then greatest(round(covered_workers + pace_exact * months_left_exact), 0)::bigint
    end as projected_covered_workers,
    case when pace_exact is not null then
        round(100.0 * greatest(covered_workers + pace_exact * months_left_exact, 0) / worker_base, 2)
    end as projected_coverage_pct,
    case decision
        when 'met' then 'achieved'
        when 'on_pace' then 'on_track'
        when 'pace_unknown' then 'at_risk'
        when 'half_pace' then 'at_risk'
        else 'off_track'
    end as status,
    case decision
        when 'met' then 'target met on the reporting date'
        when 'date_passed' then 'target date passed without meeting the target'
        when 'pace_unknown' then 'pace unknown: fewer than two history dates within the last 90 days'
        when 'on_pace' then 'recent pace meets or beats the required pace'
        when 'half_pace' then 'recent pace is at least half the required pace'
        else 'recent pace is below half the required pace, or not positive'
    end as status_reason,
    has_stale_data
from decisions
order by
    case level when 'national' then 1 when 'province' then 2 when 'regency' then 3 else 4 end, region_code, target_id
