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

{% macro spark__pseudonymize(column) -%}
    {#-
        Spark's sha2(..., 256) is lower-case hex too. The salt is the Spark setting
        spark.hybrid_engagement.pseudonym_salt_hex (hex, so any salt survives SQL
        quoting), set at run time by loaders/spark_salt.py (or a cluster profile's
        server_side_parameters) and read through Spark's ${...} substitution, so
        the compiled SQL holds only the setting's name. An unset setting reads as
        '' and fails the query. A view would store the substituted text in the
        catalog: pseudonymizing in a view is refused.
    -#}
    {%- if model is mapping and model.get('config', {}).get('materialized') == 'view' -%}
        {{ exceptions.raise_compiler_error(
            "pseudonymize: " ~ model.unique_id ~ " is a view; on Spark a view keeps its"
            ~ " SQL text, with the salt: pseudonymize in a table"
        ) }}
    {%- endif -%}
    case
        when nullif(trim({{ column }}), '') is not null
            then sha2(
                concat(
                    {{ column }},
                    coalesce(
                        nullif(
                            cast(unhex('${spark.hybrid_engagement.pseudonym_salt_hex}')
                                as string),
                            ''
                        ),
                        raise_error(
                            'HE_PSEUDONYM_SALT is not set: refusing to pseudonymize'
                        )
                    )
                ),
                256
            )
    end
{%- endmacro %}
