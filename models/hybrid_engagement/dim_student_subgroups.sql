{#
    The subgroups of each student, for the equity breakdowns only: one row per
    student of dim_student and subgroup of the `equity_subgroups` dbt var, with the
    student's category. From the SIS demographics (studentdemographics: race,
    primary language, English learner status, special education, low income);
    where the SIS has none, from the Insights roster's PersonDemographicRace,
    PersonDemographicEthnicity and PersonDemographicPersonFlag, mapped to the same
    categories by the insights_demographic_codes seed (Hispanic ethnicity gives
    `Hispanic`, several races `Two or More Races`); else `Not reported`. A
    warehouse table: no serving view joins it to a student.
#}

with students as (
    select student_id_pseudonym
    from {{ ref('dim_student') }}
),

sis as (
    select
        sis_id_pseudonym,
        federal_race_category,
        primary_language,
        ell_status,
        special_education,
        is_low_income
    from {{ ref('stg_contoso_sis__studentdemographics') }}
),

actor_keys as (
    select
        actor_key,
        sis_id_pseudonym
    from {{ ref('int_identity__actor_keys') }}
    where actor_key_type = 'insights_actor_id'
),

ref_definitions as (
    select
        ref_definition_id,
        code,
        ref_type
    from {{ ref('stg_insights__ref_definition') }}
),

codes as (
    select
        ref_type,
        code,
        subgroup,
        subgroup_value
    from {{ ref('insights_demographic_codes') }}
),

insights_records as (
    select
        person_id_pseudonym,
        ref_race_id as ref_definition_id
    from {{ ref('stg_insights__person_demographic_race') }}
    union all
    select
        person_id_pseudonym,
        ref_ethnicity_id as ref_definition_id
    from {{ ref('stg_insights__person_demographic_ethnicity') }}
    union all
    select
        person_id_pseudonym,
        ref_person_flag_id as ref_definition_id
    from {{ ref('stg_insights__person_demographic_person_flag') }}
),

insights_values as (
    select
        actor_keys.sis_id_pseudonym,
        codes.subgroup,
        codes.subgroup_value
    from insights_records
    inner join actor_keys
        on insights_records.person_id_pseudonym = actor_keys.actor_key
    left join ref_definitions
        on
            lower(insights_records.ref_definition_id)
            = lower(ref_definitions.ref_definition_id)
    left join codes
        on
            lower(ref_definitions.ref_type) = lower(codes.ref_type)
            and lower(ref_definitions.code) = lower(codes.code)
),

insights_by_student as (
    select
        sis_id_pseudonym,
        max(case when subgroup_value = 'Hispanic' then 1 else 0 end)
            as is_hispanic,
        count(
            distinct case
                when subgroup = 'race' and subgroup_value <> 'Hispanic'
                    then subgroup_value
            end
        ) as races,
        max(
            case
                when subgroup = 'race' and subgroup_value <> 'Hispanic'
                    then subgroup_value
            end
        ) as race,
        max(case when subgroup = 'ell_status' then subgroup_value end)
            as ell_status,
        max(case when subgroup = 'special_education' then subgroup_value end)
            as special_education,
        max(case when subgroup = 'low_income' then subgroup_value end)
            as low_income
    from insights_values
    group by sis_id_pseudonym
),

joined as (
    select
        students.student_id_pseudonym,
        sis.is_low_income as sis_is_low_income,
        insights_by_student.ell_status as insights_ell_status,
        insights_by_student.special_education as insights_special_education,
        insights_by_student.low_income as insights_low_income,
        sis.sis_id_pseudonym is not null as has_sis,
        insights_by_student.sis_id_pseudonym is not null as has_insights,
        nullif(trim(sis.federal_race_category), '') as sis_race,
        nullif(trim(sis.primary_language), '') as sis_language,
        nullif(trim(sis.ell_status), '') as sis_ell_status,
        nullif(trim(sis.special_education), '') as sis_special_education,
        case
            when insights_by_student.is_hispanic = 1 then 'Hispanic'
            when insights_by_student.races > 1 then 'Two or More Races'
            else insights_by_student.race
        end as insights_race
    from students
    left join sis
        on students.student_id_pseudonym = sis.sis_id_pseudonym
    left join insights_by_student
        on students.student_id_pseudonym = insights_by_student.sis_id_pseudonym
),

valued as (
    select
        student_id_pseudonym,
        coalesce(sis_race, insights_race, 'Not reported') as race,
        case
            when sis_race is not null then 'sis'
            when insights_race is not null then 'insights'
            else 'none'
        end as race_source,
        coalesce(sis_language, 'Not reported') as primary_language,
        case when sis_language is not null then 'sis' else 'none' end
            as primary_language_source,
        case
            when has_sis then coalesce(sis_ell_status, 'Not an English learner')
            when has_insights
                then coalesce(insights_ell_status, 'Not an English learner')
            else 'Not reported'
        end as ell_status,
        case
            when has_sis then 'sis'
            when has_insights then 'insights'
            else 'none'
        end as ell_status_source,
        case
            when has_sis
                then coalesce(sis_special_education, 'No special education')
            when has_insights
                then coalesce(insights_special_education, 'No special education')
            else 'Not reported'
        end as special_education,
        case
            when has_sis then 'sis'
            when has_insights then 'insights'
            else 'none'
        end as special_education_source,
        case
            when sis_is_low_income then 'Low income'
            when not sis_is_low_income then 'Not low income'
            when has_insights then coalesce(insights_low_income, 'Not low income')
            else 'Not reported'
        end as low_income,
        case
            when sis_is_low_income is not null then 'sis'
            when has_insights then 'insights'
            else 'none'
        end as low_income_source
    from joined
),

unpivoted as (
    {%- for subgroup in var('equity_subgroups') %}
        select
            student_id_pseudonym,
            '{{ subgroup }}' as subgroup,
            {{ subgroup }} as subgroup_value,
            {{ subgroup }}_source as value_source
        from valued
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from unpivoted
