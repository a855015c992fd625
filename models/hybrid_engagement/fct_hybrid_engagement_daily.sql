{{
    config(**date_partitioned(
        column='attendance_date',
        by_date={
            'fct_student_school_days': 'attendance_date',
            'fct_in_person_presence': 'attendance_date',
            'fct_digital_activity_daily': 'activity_date',
        },
        whole=['dim_student_year'],
        columns={
            'fct_student_school_days': [
                'student_id_pseudonym', 'school_year', 'week_start',
            ],
            'fct_in_person_presence': [
                'student_id_pseudonym', 'attendance_type', 'absence_fraction',
                'is_present',
            ],
            'fct_digital_activity_daily': [
                'student_id_pseudonym', 'is_digitally_active',
            ],
            'dim_student_year': [
                'student_id_pseudonym', 'school_year', 'school_id', 'grade',
            ],
        },
    ))
}}

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
    where {{ in_changed_dates('attendance_date') }}
),

presence as (
    select
        student_id_pseudonym,
        attendance_date,
        attendance_type,
        absence_fraction,
        is_present
    from {{ ref('fct_in_person_presence') }}
    where {{ in_changed_dates('attendance_date') }}
),

digital as (
    select
        student_id_pseudonym,
        activity_date,
        is_digitally_active
    from {{ ref('fct_digital_activity_daily') }}
    where {{ in_changed_dates('activity_date') }}
),

student_years as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        grade
    from {{ ref('dim_student_year') }}
),

-- The school days, their presence and their digital activity share one grain
-- (student, date): stacked and grouped rather than joined, so no 9-million-row
-- input is held whole as a join's build side (two joins ran out of a 3 GB memory
-- limit at 100,000 students x 90 days; grouping spills to disk as it needs).
stacked as (
    select
        student_id_pseudonym,
        attendance_date,
        school_year,
        week_start,
        true as is_school_day,
        false as has_attendance_record,
        cast(null as {{ dbt.type_string() }}) as attendance_type,
        cast(null as decimal(5, 4)) as absence_fraction,
        cast(null as {{ dbt.type_boolean() }}) as is_present,
        cast(null as {{ dbt.type_boolean() }}) as is_digitally_active
    from school_days
    union all
    select
        student_id_pseudonym,
        attendance_date,
        cast(null as {{ dbt.type_int() }}) as school_year,
        cast(null as date) as week_start,
        false as is_school_day,
        true as has_attendance_record,
        attendance_type,
        absence_fraction,
        is_present,
        cast(null as {{ dbt.type_boolean() }}) as is_digitally_active
    from presence
    union all
    select
        student_id_pseudonym,
        activity_date as attendance_date,
        cast(null as {{ dbt.type_int() }}) as school_year,
        cast(null as date) as week_start,
        false as is_school_day,
        false as has_attendance_record,
        cast(null as {{ dbt.type_string() }}) as attendance_type,
        cast(null as decimal(5, 4)) as absence_fraction,
        cast(null as {{ dbt.type_boolean() }}) as is_present,
        is_digitally_active
    from digital
),

-- Each input has one row per student and date (their unique tests): max() takes
-- the one value there is.
days as (
    select
        student_id_pseudonym,
        attendance_date,
        max(school_year) as school_year,
        max(week_start) as week_start,
        max(is_school_day) as is_school_day,
        max(has_attendance_record) as has_attendance_record,
        coalesce(max(attendance_type), 'unrecorded') as attendance_type,
        max(absence_fraction) as absence_fraction,
        coalesce(max(is_present), false) as is_present,
        coalesce(max(is_digitally_active), false) as is_digitally_active
    from stacked
    group by
        student_id_pseudonym,
        attendance_date
),

joined as (
    select
        days.student_id_pseudonym,
        days.attendance_date,
        days.school_year,
        days.week_start,
        student_years.school_id,
        student_years.grade,
        days.absence_fraction,
        days.has_attendance_record,
        days.attendance_type,
        days.is_present,
        days.is_digitally_active
    from days
    inner join student_years
        on
            days.student_id_pseudonym = student_years.student_id_pseudonym
            and days.school_year = student_years.school_year
    where days.is_school_day
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
