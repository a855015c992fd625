{#
    Early warning: one row per student whose hybrid_rate over the last
    `engagement_drop_recent_school_weeks` school weeks fell by at least
    `engagement_drop_min_points` points against the
    `engagement_drop_previous_school_weeks` school weeks before them, with at least
    `engagement_drop_min_school_days` school days in each window, and which channel
    dropped. School weeks are the weeks (Monday to Sunday) of the latest school
    year with any school day, counted back from the latest: a drop is about this
    year, never a comparison across a summer.
#}

{%- set recent_weeks = var('engagement_drop_recent_school_weeks') %}
{%- set previous_weeks = var('engagement_drop_previous_school_weeks') %}
{%- set min_points = var('engagement_drop_min_points') %}

with all_days as (
    select
        student_id_pseudonym,
        school_year,
        week_start,
        is_present,
        is_digitally_active,
        is_engaged
    from {{ ref('fct_hybrid_engagement_daily') }}
),

latest_year as (
    select max(school_year) as school_year
    from all_days
),

daily as (
    select
        all_days.student_id_pseudonym,
        all_days.school_year,
        all_days.week_start,
        all_days.is_present,
        all_days.is_digitally_active,
        all_days.is_engaged
    from all_days
    inner join latest_year
        on all_days.school_year = latest_year.school_year
),

students as (
    select
        student_id_pseudonym,
        school_id,
        school_name,
        grade
    from {{ ref('dim_student') }}
),

school_weeks as (
    select
        week_start,
        row_number() over (order by week_start desc) as weeks_back
    from (select distinct week_start from daily) as weeks
),

windowed as (
    select
        daily.student_id_pseudonym,
        daily.school_year,
        daily.is_present,
        daily.is_digitally_active,
        daily.is_engaged,
        case
            when school_weeks.weeks_back <= {{ recent_weeks }} then 'recent'
            else 'previous'
        end as time_window
    from daily
    inner join school_weeks
        on daily.week_start = school_weeks.week_start
    where school_weeks.weeks_back <= {{ recent_weeks + previous_weeks }}
),

windows_by_student as (
    select
        student_id_pseudonym,
        max(school_year) as school_year,
        sum(case when time_window = 'previous' then 1 else 0 end) as previous_days,
        sum(case when time_window = 'recent' then 1 else 0 end) as recent_days,
        sum(
            case when time_window = 'previous' and is_engaged then 1 else 0 end
        ) as previous_engaged,
        sum(
            case when time_window = 'recent' and is_engaged then 1 else 0 end
        ) as recent_engaged,
        sum(
            case when time_window = 'previous' and is_present then 1 else 0 end
        ) as previous_present,
        sum(
            case when time_window = 'recent' and is_present then 1 else 0 end
        ) as recent_present,
        sum(
            case
                when time_window = 'previous' and is_digitally_active then 1 else 0
            end
        ) as previous_digital,
        sum(
            case
                when time_window = 'recent' and is_digitally_active then 1 else 0
            end
        ) as recent_digital
    from windowed
    group by student_id_pseudonym
),

eligible as (
    select
        *,
        -- the rule in exact integer arithmetic: (p / pd - r / rd) * 100 >= points
        100 * (previous_engaged * recent_days - recent_engaged * previous_days)
        >= {{ min_points }} * previous_days * recent_days as is_flagged,
        100 * (previous_present * recent_days - recent_present * previous_days)
        >= {{ min_points }} * previous_days * recent_days as has_in_person_drop,
        100 * (previous_digital * recent_days - recent_digital * previous_days)
        >= {{ min_points }} * previous_days * recent_days as has_digital_drop,
        previous_present * recent_days - recent_present * previous_days
        >= previous_digital * recent_days - recent_digital * previous_days
            as is_in_person_drop_larger,
        100.0 * (previous_engaged * recent_days - recent_engaged * previous_days)
        / (previous_days * recent_days) as hybrid_drop_points,
        100.0 * (previous_present * recent_days - recent_present * previous_days)
        / (previous_days * recent_days) as in_person_drop_points,
        100.0 * (previous_digital * recent_days - recent_digital * previous_days)
        / (previous_days * recent_days) as digital_drop_points
    from windows_by_student
    where
        previous_days >= {{ var('engagement_drop_min_school_days') }}
        and recent_days >= {{ var('engagement_drop_min_school_days') }}
),

final as (
    select
        eligible.student_id_pseudonym,
        eligible.school_year,
        students.school_id,
        students.school_name,
        students.grade,
        cast(eligible.previous_days as bigint) as previous_school_days,
        cast(eligible.recent_days as bigint) as recent_school_days,
        cast(eligible.hybrid_drop_points as double) as hybrid_drop_points,
        cast(eligible.in_person_drop_points as double) as in_person_drop_points,
        cast(eligible.digital_drop_points as double) as digital_drop_points,
        cast(eligible.previous_engaged as double) / eligible.previous_days
            as previous_hybrid_rate,
        cast(eligible.recent_engaged as double) / eligible.recent_days
            as recent_hybrid_rate,
        case
            when
                eligible.has_in_person_drop and eligible.has_digital_drop
                then 'both'
            when eligible.is_in_person_drop_larger then 'in_person'
            else 'digital'
        end as dropped_channel
    from eligible
    inner join students
        on eligible.student_id_pseudonym = students.student_id_pseudonym
    where eligible.is_flagged
)

select * from final
