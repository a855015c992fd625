{#
    The hybrid engagement category of each student on each school day: one row per
    student per school day (fct_student_school_days), with what the SIS says about
    it (fct_in_person_presence: the day's attendance type and absence fraction;
    `unrecorded` when it holds no record), digital activity, and the student's
    school and grade of that school year (dim_student_year) for the rollups.
#}

with school_days as (
    select
        student_id_pseudonym,
        attendance_date,
        school_year,
        week_start
    from {{ ref('fct_student_school_days') }}
),

presence as (
    select
        student_id_pseudonym,
        attendance_date,
        attendance_type,
        absence_fraction,
        is_present
    from {{ ref('fct_in_person_presence') }}
),

digital as (
    select
        student_id_pseudonym,
        activity_date,
        is_digitally_active
    from {{ ref('fct_digital_activity_daily') }}
),

student_years as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        grade
    from {{ ref('dim_student_year') }}
),

-- Two steps, one large join each: joined in one step, the school days and their
-- presence were held in memory whole as the build side of the digital join, which
-- ran out of a 4 GB memory limit at 100,000 students x 90 days.
with_presence as {{ materialized_cte() }} (
    select
        school_days.student_id_pseudonym,
        school_days.attendance_date,
        school_days.school_year,
        school_days.week_start,
        presence.absence_fraction,
        presence.student_id_pseudonym is not null as has_attendance_record,
        coalesce(presence.attendance_type, 'unrecorded') as attendance_type,
        coalesce(presence.is_present, false) as is_present
    from school_days
    left join presence
        on
            school_days.student_id_pseudonym = presence.student_id_pseudonym
            and school_days.attendance_date = presence.attendance_date
),

joined as (
    select
        with_presence.student_id_pseudonym,
        with_presence.attendance_date,
        with_presence.school_year,
        with_presence.week_start,
        student_years.school_id,
        student_years.grade,
        with_presence.absence_fraction,
        with_presence.has_attendance_record,
        with_presence.attendance_type,
        with_presence.is_present,
        coalesce(digital.is_digitally_active, false) as is_digitally_active
    from with_presence
    inner join student_years
        on
            with_presence.student_id_pseudonym = student_years.student_id_pseudonym
            and with_presence.school_year = student_years.school_year
    left join digital
        on
            with_presence.student_id_pseudonym = digital.student_id_pseudonym
            and with_presence.attendance_date = digital.activity_date
),

final as (
    select
        student_id_pseudonym,
        attendance_date,
        school_year,
        week_start,
        school_id,
        grade,
        has_attendance_record,
        attendance_type,
        absence_fraction,
        is_present,
        is_digitally_active,
        is_present or is_digitally_active as is_engaged,
        case
            when is_present and is_digitally_active then 'in_person_and_digital'
            when is_present then 'in_person_only'
            when is_digitally_active then 'digital_only'
            else 'not_engaged'
        end as hybrid_category
    from joined
)

select * from final
