{#
    Purpose: the "latest version from the newest snapshot" step of a roster staging
    model (full-snapshot deliveries such as Insights' roster): of the rows of
    `relation` (a CTE with snapshot_at, _loaded_at and _source_row), keep one per
    key, from the newest snapshot (then the latest load, then the last line). In an
    incremental run a snapshot loaded late never replaces a newer one the model
    already holds. Selects every column of `relation` plus `version_rank` (always
    1): the model's final CTE lists the columns it keeps.
#}
{% macro latest_snapshot_version(relation, key_columns) -%}
    {%- set keys = [key_columns] if key_columns is string else key_columns %}
    select ranked.*
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by snapshot_at desc, _loaded_at desc, _source_row desc
            ) as version_rank
        from {{ relation }}
    ) as ranked
    where
        ranked.version_rank = 1
        {%- if is_incremental() %}
        -- a snapshot loaded late never replaces a newer one
        and not exists (
            select 1
            from {{ this }} as built
            where
                {%- for key in keys %}
                built.{{ key }} = ranked.{{ key }}
                and {% endfor -%}
                built.snapshot_at > ranked.snapshot_at
        )
        {%- endif %}
{%- endmacro %}
