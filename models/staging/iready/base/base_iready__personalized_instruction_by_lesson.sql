{#
    Raw personalized_instruction_by_lesson rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('iready', 'personalized_instruction_by_lesson') }}
