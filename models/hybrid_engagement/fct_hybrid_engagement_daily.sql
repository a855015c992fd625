{#
    The hybrid engagement category of each student on each school day: one row per
    student per school day, with the student's school and grade (from dim_student's
    source, int_hybrid_engagement__students) for the rollups.
#}

with school_days as (
    select
        student_id_pseudonym,
        attendance_date,
        week_start
    from {{ ref('fct_student_school_days') }}
),

presence as (
    select
        student_id_pseudonym,
        attendance_date,
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

students as (
    select
        student_id_pseudonym,
        school_id,
        grade
    from {{ ref('int_hybrid_engagement__students') }}
),

joined as (
    select
        school_days.student_id_pseudonym,
        school_days.attendance_date,
        school_days.week_start,
        students.school_id,
        students.grade,
        presence.is_present,
        coalesce(digital.is_digitally_active, false) as is_digitally_active
    from school_days
    inner join presence
        on
            school_days.student_id_pseudonym = presence.student_id_pseudonym
            and school_days.attendance_date = presence.attendance_date
    inner join students
        on school_days.student_id_pseudonym = students.student_id_pseudonym
    left join digital
        on
            school_days.student_id_pseudonym = digital.student_id_pseudonym
            and school_days.attendance_date = digital.activity_date
),

final as (
    select
        student_id_pseudonym,
        attendance_date,
        week_start,
        school_id,
        grade,
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
