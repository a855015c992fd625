{#
    Purpose: OEA's pseudonym of an id, the lower-case hex SHA-256 of `value || salt`,
    so a district moving from OEA keeps its pseudonyms. A NULL or blank id gives NULL
    (never the hash of the salt alone). The salt is the DuckDB session variable
    `he_pseudonym_salt`, set from HE_PSEUDONYM_SALT by the loaders.dbt_salt plugin,
    so it never appears in compiled SQL; without it the query fails.
#}
{% macro pseudonymize(column) -%}
    {{ return(adapter.dispatch('pseudonymize')(column)) }}
{%- endmacro %}

{% macro default__pseudonymize(column) -%}
    {{ exceptions.raise_compiler_error(
        "pseudonymize: no implementation for adapter " ~ adapter.type()
        ~ "; add one that reads the salt from a session setting, never a literal."
    ) }}
{%- endmacro %}

{% macro duckdb__pseudonymize(column) -%}
    {#-
        DuckDB's sha256() already returns lower-case hex text: OEA's lower(hex(...)).
        The cast matters: an unset variable is an untyped NULL, which DuckDB folds
        `x || ...` to NULL on before error() could run.
    -#}
    case
        when nullif(trim({{ column }}), '') is not null
            then sha256(
                {{ column }} || coalesce(
                    cast(getvariable('he_pseudonym_salt') as varchar),
                    error('HE_PSEUDONYM_SALT is not set: refusing to pseudonymize')
                )
            )
    end
{%- endmacro %}
