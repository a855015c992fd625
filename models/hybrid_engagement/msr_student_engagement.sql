{#
    The measures of each student over every school year the warehouse holds: one
    row per student of dim_student, with their school days, present, digital and
    engaged days, the three rates, the chronic-absence flag and OEA's two averages
    (Student_pseudo, which has no school year). Per school year:
    msr_student_year_engagement. Students without
    digital activity or without attendance stay, with zero days (and NULL rates
    when they have no school day).
#}

with students as (
    select student_id_pseudonym
    from {{ ref('dim_student') }}
),

daily as (
    select
        student_id_pseudonym,
        attendance_type,
        absence_fraction,
        is_present,
        is_digitally_active,
        is_engaged,
        hybrid_category
    from {{ ref('fct_hybrid_engagement_daily') }}
),

presence as (
    select
        student_id_pseudonym,
        attendance_records,
        coded_p_records
    from {{ ref('fct_in_person_presence') }}
),

digital as (
    select
        student_id_pseudonym,
        activity_date
    from {{ ref('fct_digital_activity_daily') }}
    where is_digitally_active
),

daily_by_student as (
    select
        student_id_pseudonym,
        {{ hybrid_category_measures(student_count=false) }},
        {{ absence_type_measures() }}
    from daily
    group by student_id_pseudonym
),

records_by_student as (
    select
        student_id_pseudonym,
        sum(attendance_records) as attendance_records,
        sum(coded_p_records) as coded_p_records
    from presence
    group by student_id_pseudonym
),

digital_by_student as (
    select
        student_id_pseudonym,
        count(*) as digital_activity_dates
    from digital
    group by student_id_pseudonym
),

district_digital_dates as (
    select count(distinct activity_date) as activity_dates
    from digital
),

joined as (
    select
        students.student_id_pseudonym,
        daily_by_student.in_person_rate,
        daily_by_student.digital_rate,
        daily_by_student.hybrid_rate,
        district_digital_dates.activity_dates as district_digital_dates,
        cast(coalesce(records_by_student.attendance_records, 0) as bigint)
            as attendance_records,
        cast(coalesce(records_by_student.coded_p_records, 0) as bigint)
            as coded_p_records,
        coalesce(daily_by_student.school_days, 0) as school_days,
        coalesce(daily_by_student.present_days, 0) as present_days,
        coalesce(daily_by_student.digital_days, 0) as digital_days,
        coalesce(daily_by_student.engaged_days, 0) as engaged_days,
        coalesce(daily_by_student.in_person_and_digital_days, 0)
            as in_person_and_digital_days,
        coalesce(daily_by_student.in_person_only_days, 0) as in_person_only_days,
        coalesce(daily_by_student.digital_only_days, 0) as digital_only_days,
        coalesce(daily_by_student.not_engaged_days, 0) as not_engaged_days,
        coalesce(daily_by_student.absence_days, 0) as absence_days,
        coalesce(digital_by_student.digital_activity_dates, 0)
            as digital_activity_dates
    from students
    cross join district_digital_dates
    left join daily_by_student
        on students.student_id_pseudonym = daily_by_student.student_id_pseudonym
    left join records_by_student
        on students.student_id_pseudonym = records_by_student.student_id_pseudonym
    left join digital_by_student
        on students.student_id_pseudonym = digital_by_student.student_id_pseudonym
),

final as (
    select
        student_id_pseudonym,
        attendance_records,
        coded_p_records,
        school_days,
        present_days,
        digital_days,
        engaged_days,
        in_person_and_digital_days,
        in_person_only_days,
        digital_only_days,
        not_engaged_days,
        digital_activity_dates,
        in_person_rate,
        digital_rate,
        hybrid_rate,
        {{ chronically_absent('school_days', 'absence_days') }}
            as is_chronically_absent,
        -- OEA's averages (Student_pseudo); the digital one corrected, see its docs
        cast(coded_p_records as double)
        / nullif(attendance_records, 0) as average_attendance_in_person,
        cast(digital_activity_dates as double)
        / nullif(district_digital_dates, 0) as average_attendance_digital
    from joined
)

select * from final
