{#
    Raw comprehensive_student_lesson_activity rows of the current version of each delivered file (restricted).
#}
{{ current_version_rows('iready', 'comprehensive_student_lesson_activity') }}
