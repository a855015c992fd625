{#
    Equity breakdowns: hybrid engagement and absence per student subgroup, per
    school and district-wide, per school year. One row (a cell) per school year,
    scope (`school` or `district`), school (NULL district-wide), subgroup (race,
    primary_language, ...: the `equity_subgroups` dbt var) and category, from the
    student-years of rpt_student_year_engagement and dim_student_subgroups; every
    student-year is in exactly one category of each subgroup, so a school's (or the
    district's) cells of a subgroup add up to its total.

    Suppression, decided here and applied by the serving view:
    * primary: a cell of fewer than `small_cell_min_students` students;
    * complementary, so that no suppressed cell can be recovered by subtracting
      the published cells from a published total: in a row (one school's, or the
      district's, cells of a subgroup; its total is the school's or district's row
      of engagement_by_school) a single suppressed cell takes the next smallest
      with it; in a column (one category's school cells, whose total is the
      published district cell) a single suppressed cell takes the next smallest
      school cell of a school with more than one cell, or else the district cell.
      Rows and columns take turns for `complementary_suppression_rounds` rounds
      (dbt var), then rows once more; a singular test proves the result.
#}

{%- set min_students = var('small_cell_min_students') %}
{%- set day_counts = [
    'school_days', 'present_days', 'digital_days', 'engaged_days',
    'in_person_and_digital_days', 'in_person_only_days', 'digital_only_days',
    'not_engaged_days', 'excused_absence_days', 'unexcused_absence_days',
    'absence_days',
] %}
{%- set cell_columns = [
    'scope', 'school_year', 'school_id', 'school_name', 'subgroup',
    'subgroup_value', 'students', 'chronically_absent_students',
] + day_counts + ['row_cells', 'is_primary_suppressed'] %}
{%- set row_group = 'school_year, scope, school_id, subgroup' %}
{%- set column_group = 'school_year, subgroup, subgroup_value' %}

with student_years as (
    select
        student_id_pseudonym,
        school_year,
        school_id,
        school_name,
        is_chronically_absent,
        {{ day_counts | join(',\n        ') }}
    from {{ ref('rpt_student_year_engagement') }}
),

subgroups as (
    select
        student_id_pseudonym,
        subgroup,
        subgroup_value
    from {{ ref('dim_student_subgroups') }}
),

joined as (
    select
        student_years.*,
        subgroups.subgroup,
        subgroups.subgroup_value,
        case when student_years.is_chronically_absent then 1 else 0 end
            as chronic
    from student_years
    inner join subgroups
        on student_years.student_id_pseudonym = subgroups.student_id_pseudonym
),

school_cells as (
    select
        'school' as scope,
        school_year,
        school_id,
        max(school_name) as school_name,
        subgroup,
        subgroup_value,
        {%- for measure in day_counts %}
            sum({{ measure }}) as {{ measure }},
        {%- endfor %}
        sum(chronic) as chronically_absent_students,
        count(*) as students
    from joined
    group by
        school_year,
        school_id,
        subgroup,
        subgroup_value
),

district_cells as (
    select
        'district' as scope,
        school_year,
        cast(null as {{ dbt.type_string() }}) as school_id,
        cast(null as {{ dbt.type_string() }}) as school_name,
        subgroup,
        subgroup_value,
        {%- for measure in day_counts %}
            sum({{ measure }}) as {{ measure }},
        {%- endfor %}
        sum(chronic) as chronically_absent_students,
        count(*) as students
    from joined
    group by
        school_year,
        subgroup,
        subgroup_value
),

cells as (
    select
        *,
        count(*) over (partition by {{ row_group }}) as row_cells,
        students < {{ min_students }} as is_primary_suppressed
    from (
        select * from school_cells
        union all
        select * from district_cells
    ) as all_cells
),

round_0 as (
    select
        {{ cell_columns | join(',\n        ') }},
        is_primary_suppressed as is_suppressed
    from cells
),

{%- set rounds = var('complementary_suppression_rounds') | int %}
{%- for round in range(1, rounds + 2) %}

    rows_ranked_{{ round }} as (
        select
            *,
            sum(case when is_suppressed then 1 else 0 end)
                over (partition by {{ row_group }})
                as row_suppressed,
            row_number() over (
                partition by {{ row_group }}
                order by
                    case when is_suppressed then 1 else 0 end,
                    students,
                    subgroup_value
            ) as row_open_rank
        from round_{{ round - 1 }}
    ),

    rows_done_{{ round }} as (
        select
            {{ cell_columns | join(',\n        ') }},
            is_suppressed or (row_suppressed = 1 and row_open_rank = 1)
                as is_suppressed
        from rows_ranked_{{ round }}
    ),
    {%- if round <= rounds %}

        columns_ranked_{{ round }} as (
            select
                *,
                sum(
                    case when scope = 'school' and is_suppressed then 1 else 0 end
                ) over (partition by {{ column_group }}) as column_suppressed,
                max(
                    case when scope = 'district' and not is_suppressed then 1 else 0 end
                ) over (partition by {{ column_group }}) as column_total_published,
                sum(
                    case
                        when scope = 'school' and not is_suppressed and row_cells > 1
                            then 1
                        else 0
                    end
                ) over (partition by {{ column_group }}) as column_open_cells,
                row_number() over (
                    partition by {{ column_group }}
                    order by
                        case
                            when
                                scope = 'school' and not is_suppressed and row_cells > 1
                                then 0
                            else 1
                        end,
                        students,
                        school_id
                ) as column_open_rank
            from rows_done_{{ round }}
        ),

        round_{{ round }} as (
            select
                {{ cell_columns | join(',\n        ') }},
                is_suppressed
                or (
                    column_suppressed = 1
                    and column_total_published = 1
                    and (
                        (
                            scope = 'school'
                            and column_open_cells > 0
                            and column_open_rank = 1
                        )
                        or (scope = 'district' and column_open_cells = 0)
                    )
                ) as is_suppressed
            from columns_ranked_{{ round }}
        ),
    {%- endif %}
{%- endfor %}

final as (
    select
        scope,
        school_year,
        school_id,
        school_name,
        subgroup,
        subgroup_value,
        students,
        cast(chronically_absent_students as bigint) as chronically_absent_students,
        {%- for measure in day_counts if measure != 'absence_days' %}
            cast({{ measure }} as bigint) as {{ measure }},
        {%- endfor %}
        cast(absence_days as decimal(18, 4)) as absence_days,
        is_primary_suppressed,
        is_suppressed,
        cast(present_days as double) / nullif(school_days, 0) as in_person_rate,
        cast(digital_days as double) / nullif(school_days, 0) as digital_rate,
        cast(engaged_days as double) / nullif(school_days, 0) as hybrid_rate,
        cast(absence_days as double) / nullif(school_days, 0) as absence_rate
    from rows_done_{{ rounds + 1 }}
)

select * from final
