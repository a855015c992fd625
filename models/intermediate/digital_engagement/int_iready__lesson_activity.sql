{#
    i-Ready comprehensive lesson activity in OEA's Digital Engagement Schema: one
    activity row per completed lesson, ELA and Math each with their own
    event_object (from the report's folder). event_type is the Subject, entity_type
    the Domain, time on task the lesson's minutes × 60. `Student ID` is the SIS id,
    so the actor is known directly. A row without a Completion Date is not a
    completed lesson: it is kept as an excluded row with its reason. A completed
    lesson shows use (design.md, "Digitally active").
#}

with lessons as (
    select
        student_id_pseudonym,
        school,
        subject,
        domain,
        completion_date,
        total_time_on_lesson_min,
        subject_folder,
        _source_file,
        _source_row,
        _file_sha256
    from {{ ref('stg_iready__comprehensive_student_lesson_activity') }}
),

mapped as (
    select
        {{ surrogate_key(["'iReady'", '_source_file', '_source_row']) }} as event_id,
        subject as event_type,
        student_id_pseudonym as event_actor,
        cast(null as {{ dbt.type_string() }}) as actor_key_type,
        cast(null as {{ dbt.type_string() }}) as actor_key,
        case subject_folder
            when 'ela'
                then 'iReady_Comprehensive_Student_Lesson_Activity_with_Standards_ELA'
            when 'math'
                then 'iReady_Comprehensive_Student_Lesson_Activity_with_Standards_Math'
        end as event_object,
        cast(completion_date as timestamp) as event_time,
        cast(completion_date as date) as activity_date,
        domain as entity_type,
        cast(null as {{ dbt.type_string() }}) as software_application_version,
        total_time_on_lesson_min * 60 as time_on_task_sec,
        cast(null as integer) as num_access,
        completion_date is not null as is_used,
        -- digitally active: a completed lesson
        completion_date is not null as shows_use,
        1 as report_period_days,
        cast(extract(year from completion_date) as integer) as year,
        cast(extract(month from completion_date) as integer) as month,
        'students' as actor_role,
        school as source_school_name,
        case
            when completion_date is null
                then 'lesson not completed (no Completion Date)'
        end as exclusion_reason,
        _source_file,
        _source_row,
        1 as _source_record,
        1 as _record_signal,
        _file_sha256
    from lessons
)

select * from mapped
