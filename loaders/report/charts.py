"""The report's charts: what each one shows, from which published tables, and which
filters change it.

The charts are drawn in the browser by report.js (plotly, embedded in the page),
from the data the sections embed: a chart here is its place on the page, its title,
its sources and its notes; report.js holds one drawing function per `chart_id`.
Every chart redraws when a filter changes, and its numbers table (under it) with
it.
"""

from __future__ import annotations

from dataclasses import dataclass

from loaders.report import queries

SCHOOL, GRADE, DATES = "school", "grade", "dates"
FILTERS = (SCHOOL, GRADE, DATES)
FILTER_NAMES = {SCHOOL: "school", GRADE: "grade", DATES: "date range"}


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    sources: tuple[str, ...]
    filters: tuple[str, ...]  # the filters that change it
    note: str = ""
    controls: str = ""  # extra HTML controls drawn above the chart (e.g. a picker)
    height: int = 380

    def filters_text(self) -> str:
        """'School, grade and date range filters apply.' or which do not."""
        applies = [FILTER_NAMES[name] for name in FILTERS if name in self.filters]
        ignored = [FILTER_NAMES[name] for name in FILTERS if name not in self.filters]
        if not ignored:
            return "Every filter applies."
        if not applies:
            return "The filters do not apply."
        return f"Filters that apply: {', '.join(applies)}; not: {', '.join(ignored)}."


WEEKS = queries.ENGAGEMENT_BY_WEEK
POOLED = (
    "Pooled over the school-grade-week groups in the selection; groups of too few "
    "students are left out (counted below the chart), never estimated."
)

# -- hybrid engagement -----------------------------------------------------------------

RATES_BY_SCHOOL = Chart(
    "hybrid-rates-by-school",
    "In-person, digital and hybrid rates by school",
    (WEEKS,),
    FILTERS,
    POOLED + " The dashed line is the 90% in-person target; the axis starts where "
    "the lowest rate shown needs it to (see its title).",
)
CATEGORIES_BY_SCHOOL = Chart(
    "hybrid-categories-by-school",
    "Engagement categories by school (share of student-days)",
    (WEEKS,),
    FILTERS,
    POOLED,
)
RATES_BY_GRADE = Chart(
    "hybrid-rates-by-grade",
    "In-person, digital and hybrid rates by grade",
    (WEEKS,),
    FILTERS,
    POOLED,
)
CATEGORIES_BY_GRADE = Chart(
    "hybrid-categories-by-grade",
    "Engagement categories by grade (share of student-days)",
    (WEEKS,),
    FILTERS,
    POOLED,
)
TREND_BY_SCHOOL = Chart(
    "hybrid-trend-by-school",
    "Weekly trend by school",
    (WEEKS,),
    FILTERS,
    POOLED + " One line per school; pick the rate above the chart.",
    controls=(
        '<label>Rate <select id="trend-rate">'
        '<option value="in_person">In-person rate</option>'
        '<option value="digital">Digital rate</option>'
        '<option value="hybrid">Hybrid rate</option>'
        "</select></label>"
    ),
    height=420,
)
SCATTER_BY_SCHOOL = Chart(
    "hybrid-in-person-vs-digital",
    "In person against digital, per school",
    (WEEKS,),
    FILTERS,
    POOLED + " Each point is a school; the dashed line is the 90% in-person target.",
    height=420,
)
SOURCES = Chart(
    "digital-by-source",
    "Digital engagement by source (share of students active in a week)",
    (queries.DIGITAL_ACTIVITY, queries.ATTENDANCE, WEEKS),
    FILTERS,
    "Of the students with a school day in a week, the share with at least one "
    "activity row of the source that week showing use (used, or an access count "
    "above zero); averaged over the selected weeks, weighted by students. Microsoft "
    "Graph reports cover a period and count in the week of their report date; a "
    "week without any row of a source (its report not delivered yet) is left out "
    "of that source's share.",
)
SOURCES_TREND = Chart(
    "digital-by-source-trend",
    "Digital engagement by source, week by week",
    (queries.DIGITAL_ACTIVITY, queries.ATTENDANCE, WEEKS),
    FILTERS,
    "The same share, one line per source.",
)
DROP_LIST = Chart(
    "engagement-drop-by-school-grade",
    "Students whose engagement dropped, by school and grade",
    (queries.DROP_VIEW, queries.STUDENT_ENGAGEMENT),
    (SCHOOL, GRADE),
    "Counts only: the list of students is for the data team "
    "(sqls3_hybrid_engagement.engagement_drop in serving.duckdb). The window is "
    "always the latest school weeks, so the date range does not apply. Groups "
    "(school and grade) of too few students are never shown.",
    height=420,
)
HYBRID_CHARTS = (
    RATES_BY_SCHOOL,
    CATEGORIES_BY_SCHOOL,
    TREND_BY_SCHOOL,
    SCATTER_BY_SCHOOL,
    RATES_BY_GRADE,
    CATEGORIES_BY_GRADE,
)
DIGITAL_CHARTS = (SOURCES, SOURCES_TREND)
DROP_CHARTS = (DROP_LIST,)

# -- equity breakdowns and absence types ----------------------------------------------

YEAR_NOTE = (
    "One school year: the latest the date range reaches (the filter bar says which)."
)
SUBGROUP_RATES = Chart(
    "equity-by-subgroup",
    "In-person, digital and hybrid rates by student subgroup",
    (queries.SUBGROUP_VIEW,),
    (SCHOOL, DATES),
    YEAR_NOTE
    + " All schools: the district's published cells; one school: that school's. "
    "A category of too few students is suppressed, and so is the next smallest "
    "category of the same subgroup (and school), so that no suppressed figure can "
    "be worked out by subtracting the others from a total. Suppressed categories "
    "are named below the chart, never drawn. Pick the subgroup above the chart.",
    controls='<label>Subgroup <select id="equity-subgroup"></select></label>',
    height=420,
)
ABSENCE_TYPES = Chart(
    "absence-types-by-school",
    "Absence by type, per school (share of school days)",
    (queries.ENGAGEMENT_BY_SCHOOL,),
    (SCHOOL, DATES),
    YEAR_NOTE
    + " Excused and unexcused absence days and the missed share of partial days, "
    "as shares of the school's student-days: together the absence rate (chronic "
    "absence counts all three). Tardy days count as present. Schools of too few "
    "students are named below the chart, never drawn.",
    height=420,
)
EQUITY_CHARTS = (SUBGROUP_RATES, ABSENCE_TYPES)

# -- Clever app usage ------------------------------------------------------------------

CLEVER_BY_SCHOOL = Chart(
    "clever-usage-by-school",
    "Clever logins and resources accessed per student-day, by school",
    (queries.CLEVER_USAGE_BY_SCHOOL,),
    (SCHOOL,),
    "Over every day Clever reported. Schools are matched to the school filter by name.",
)
CLEVER_DAILY = Chart(
    "clever-daily-usage",
    "Clever logins and resources accessed per student, day by day (district)",
    (queries.CLEVER_DAILY_USAGE,),
    (DATES,),
    "District-wide, every calendar day Clever reported, weekends included.",
)
CLEVER_TOP = Chart(
    "clever-top-resources",
    "Top Clever resources: share of each school's students who opened them",
    (queries.CLEVER_TOP_BY_SCHOOL, queries.CLEVER_USAGE_BY_SCHOOL),
    (SCHOOL,),
    "One scale for every school: the colour is the share of the school's Clever "
    "students who opened the resource, the label the number of students and the "
    "school's rank (1 = most students). Each school lists its top 5; rows are "
    "ordered by students over the schools shown. A blank cell is not in that "
    "school's top 5.",
    height=460,
)
CLEVER_CHARTS = (CLEVER_BY_SCHOOL, CLEVER_TOP, CLEVER_DAILY)
