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

joined as (
    select
        school_days.student_id_pseudonym,
        school_days.attendance_date,
        school_days.school_year,
        school_days.week_start,
        student_years.school_id,
        student_years.grade,
        presence.absence_fraction,
        presence.student_id_pseudonym is not null as has_attendance_record,
        coalesce(presence.attendance_type, 'unrecorded') as attendance_type,
        coalesce(presence.is_present, false) as is_present,
        coalesce(digital.is_digitally_active, false) as is_digitally_active
    from school_days
    inner join student_years
        on
            school_days.student_id_pseudonym = student_years.student_id_pseudonym
            and school_days.school_year = student_years.school_year
    left join presence
        on
            school_days.student_id_pseudonym = presence.student_id_pseudonym
            and school_days.attendance_date = presence.attendance_date
    left join digital
        on
            school_days.student_id_pseudonym = digital.student_id_pseudonym
            and school_days.attendance_date = digital.activity_date
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
