/*
 * The report's charts, headline figures and filters, drawn in the browser from the
 * data embedded in the page (<script id="report-data">), with plotly (embedded too).
 * No server, no network.
 *
 * Suppression. The embedded groups are the published rollup rows (school x grade x
 * week; Clever's schools and days) and the school x grade groups the report counted;
 * a group of fewer than `settings.minimum` students carries no measure at all. Every
 * figure here adds up groups that are not suppressed and counts those left out; no
 * figure is ever derived from a total and its parts.
 *
 * Each chart has one function in CHARTS, keyed by the id of its <div>; `update`
 * reads the filters and calls them all, then counts the update in
 * document.body.dataset.updates (the tests wait for it).
 */
(function () {
  "use strict";

  const D = JSON.parse(document.getElementById("report-data").textContent);
  const S = D.settings;
  const SUPPRESSED = S.suppressed_text;
  const WEEKS = D.weeks || [];
  const RATES = [
    ["in_person", "In-person rate", "#1f77b4"],
    ["digital", "Digital rate", "#ff7f0e"],
    ["hybrid", "Hybrid rate", "#2ca02c"],
  ];
  const CATEGORIES = [
    ["both", "In person and digital", "#1b7837"],
    ["inPersonOnly", "In person only", "#7fbf7b"],
    ["digitalOnly", "Digital only", "#6baed6"],
    ["none", "Not engaged", "#d6604d"],
  ];
  const DROPS = [
    ["in_person", "In person", "#1f77b4"],
    ["digital", "Digital", "#ff7f0e"],
    ["both", "Both", "#d6604d"],
  ];
  const PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
  ];
  const TARGET_COLOR = "#b2182b";
  // The toolbar keeps only "download as PNG"; legends sit under the plot, so the
  // toolbar (top right) never covers them.
  const CONFIG = { displaylogo: false, responsive: true, modeBarButtons: [["toImage"]] };

  const state = { school: "", grade: "", from: 0, to: Math.max(WEEKS.length - 1, 0) };

  // -- formatting ----------------------------------------------------------------------

  const pct = (v) => (v == null ? "" : (v * 100).toFixed(1) + "%");
  const pct0 = (v) => Math.round(v * 100) + "%";
  const num = (v) => (v == null ? "" : Number(v).toLocaleString("en-US"));
  const dec = (v) => (v == null ? "" : Number(v).toFixed(2));
  const esc = (text) =>
    String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  const N = (text) => ({ text: text, number: true });
  const SUPPRESSED_CELL = (span, text) => ({ suppressed: true, span: span, text: text });
  const ratio = (part, whole) => (whole > 0 ? part / whole : null);

  function addDays(iso, days) {
    const date = new Date(iso + "T00:00:00Z");
    date.setUTCDate(date.getUTCDate() + days);
    return date.toISOString().slice(0, 10);
  }

  // -- the selection -------------------------------------------------------------------

  const schoolOk = (s) => state.school === "" || s === Number(state.school);
  const gradeOk = (g) => state.grade === "" || g === Number(state.grade);
  const weekOk = (w) => WEEKS.length === 0 || (w >= state.from && w <= state.to);
  const schoolName = (s) => D.schools[s];
  const gradeName = (g) => D.grades[g];

  function weekCells() {
    return (D.weekCells || [])
      .filter((c) => schoolOk(c[0]) && gradeOk(c[1]) && weekOk(c[2]))
      .map((c) => ({
        s: c[0], g: c[1], w: c[2], students: c[3], days: c[4], suppressed: c[5] === 1,
        both: c[6], inPersonOnly: c[7], digitalOnly: c[8], none: c[9],
      }));
  }

  function studentCells() {
    return (D.studentCells || [])
      .filter((c) => schoolOk(c[0]) && gradeOk(c[1]))
      .map((c) => ({
        s: c[0], g: c[1], students: c[2], suppressed: c[3] === 1,
        eligible: c[4], absent: c[5], atTarget: c[6],
      }));
  }

  function dropCells() {
    return (D.dropCells || [])
      .filter((c) => schoolOk(c[0]) && gradeOk(c[1]))
      .map((c) => ({
        s: c[0], g: c[1], students: c[2], flagged: c[3],
        in_person: c[4], digital: c[5], both: c[6],
      }));
  }

  function sourceCells() {
    return (D.sourceCells || [])
      .filter((c) => schoolOk(c[0]) && gradeOk(c[1]) && weekOk(c[2]))
      .map((c) => ({ s: c[0], g: c[1], w: c[2], source: c[3], active: c[4], students: c[5] }));
  }

  /** The groups' student-days added up, suppressed groups left out and counted. */
  function pool(cells) {
    const p = { days: 0, both: 0, inPersonOnly: 0, digitalOnly: 0, none: 0, groups: 0, leftOut: 0 };
    for (const c of cells) {
      if (c.suppressed) {
        p.leftOut += 1;
        continue;
      }
      p.groups += 1;
      p.days += c.days;
      for (const [key] of CATEGORIES) p[key] += c[key];
    }
    p.in_person = ratio(p.both + p.inPersonOnly, p.days);
    p.digital = ratio(p.both + p.digitalOnly, p.days);
    p.hybrid = ratio(p.days - p.none, p.days);
    return p;
  }

  function groupBy(items, key) {
    const groups = new Map();
    for (const item of items) {
      const k = key(item);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(item);
    }
    return groups;
  }

  // -- drawing -------------------------------------------------------------------------

  function layout(extra) {
    const base = {
      height: Number(document.getElementById(extra.id).dataset.height) || 380,
      margin: { l: 70, r: 20, t: 30, b: 50 },
      font: { family: "system-ui, sans-serif", size: 12 },
      paper_bgcolor: "#fff",
      plot_bgcolor: "#fff",
      // At the very bottom, under the axis titles: the toolbar (top right) never
      // covers it.
      legend: { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0, yanchor: "bottom", traceorder: "normal" },
      xaxis: { automargin: true, gridcolor: "#eee" },
      yaxis: { automargin: true, gridcolor: "#eee" },
    };
    const merged = Object.assign(base, extra);
    delete merged.id;
    return merged;
  }

  const drawn = [];

  function draw(id, traces, extra) {
    const div = document.getElementById(id);
    document.getElementById(id + "-empty").textContent = "";
    div.hidden = false;
    drawn.push(Plotly.react(div, traces, layout(Object.assign({ id: id }, extra)), CONFIG));
  }

  function nothing(id, why) {
    const div = document.getElementById(id);
    Plotly.purge(div);
    div.hidden = true;
    document.getElementById(id + "-empty").textContent = "Nothing to draw: " + why;
  }

  function note(id, lines) {
    document.getElementById(id + "-note").innerHTML = lines.filter(Boolean).map(esc).join(" ");
  }

  function table(id, headers, rows) {
    const head = headers.map((h) => "<th>" + esc(h) + "</th>").join("");
    const body = rows
      .map(
        (row) =>
          "<tr>" +
          row
            .map((cell) => {
              if (cell && cell.suppressed) {
                return '<td class="suppressed" colspan="' + cell.span + '">' + esc(cell.text || SUPPRESSED) + "</td>";
              }
              if (cell && cell.number) return '<td class="number">' + esc(cell.text) + "</td>";
              return "<td>" + esc(cell == null ? "" : cell) + "</td>";
            })
            .join("") +
          "</tr>",
      )
      .join("");
    document.getElementById(id + "-table").innerHTML =
      "<table><thead><tr>" + head + "</tr></thead><tbody>" + body + "</tbody></table>";
  }

  function notDrawn(names) {
    return names.length ? "Not drawn, " + SUPPRESSED + ": " + names.join(", ") + "." : "";
  }

  function leftOut(p, total) {
    return p.leftOut
      ? p.leftOut + " of " + total + " school-grade-week groups have fewer than " + S.minimum +
          " students and are left out."
      : "";
  }

  /** A rate axis that starts just below the lowest value shown (and the target). */
  function rateAxis(values, withTarget, title) {
    const shown = values.filter((v) => v != null);
    if (withTarget) shown.push(S.target);
    const low = shown.length ? Math.min.apply(null, shown) : 0;
    const start = Math.max(0, Math.floor((low - 0.02) * 20) / 20);
    const label = (title || "rate") + (start > 0 ? " (axis starts at " + pct0(start) + ")" : "");
    return { range: [start, 1.0001], tickformat: ".0%", title: { text: label }, gridcolor: "#eee", automargin: true };
  }

  function targetLine(axis) {
    const shape = { type: "line", line: { color: TARGET_COLOR, width: 1.5, dash: "dash" } };
    const label = { text: "target " + pct0(S.target), showarrow: false, font: { color: TARGET_COLOR, size: 11 } };
    if (axis === "x") {
      return {
        shapes: [Object.assign(shape, { xref: "x", x0: S.target, x1: S.target, yref: "paper", y0: 0, y1: 1 })],
        annotations: [Object.assign(label, { xref: "x", x: S.target, yref: "paper", y: 1, yanchor: "bottom" })],
      };
    }
    return {
      shapes: [Object.assign(shape, { xref: "paper", x0: 0, x1: 1, yref: "y", y0: S.target, y1: S.target })],
      annotations: [
        Object.assign(label, { xref: "paper", x: 1, xanchor: "right", yref: "y", y: S.target, yanchor: "bottom" }),
      ],
    };
  }

  // -- hybrid engagement ---------------------------------------------------------------

  function pooledBy(dimension) {
    const cells = weekCells();
    const key = dimension === "school" ? (c) => c.s : (c) => c.g;
    const name = dimension === "school" ? schoolName : gradeName;
    const groups = groupBy(cells, key);
    const keys = Array.from(groups.keys()).sort((a, b) => a - b);
    const rows = keys.map((k) => Object.assign({ key: k, name: name(k) }, pool(groups.get(k))));
    return { cells: cells, rows: rows, total: pool(cells) };
  }

  function ratesBy(dimension, id) {
    const { cells, rows, total } = pooledBy(dimension);
    const shown = rows.filter((r) => r.groups > 0);
    const label = dimension === "school" ? "School" : "Grade";
    table(
      id,
      [label, "Student-days", "In-person rate", "Digital rate", "Hybrid rate", "Groups left out"],
      rows.map((r) =>
        r.groups
          ? [r.name, N(num(r.days)), N(pct(r.in_person)), N(pct(r.digital)), N(pct(r.hybrid)), N(num(r.leftOut))]
          : [r.name, SUPPRESSED_CELL(5)],
      ),
    );
    note(id, [notDrawn(rows.filter((r) => !r.groups).map((r) => r.name)), leftOut(total, cells.length)]);
    if (!shown.length) return nothing(id, "every group in the selection is suppressed.");
    const traces = RATES.map(([key, title, color]) => ({
      type: "bar", name: title, marker: { color: color },
      x: shown.map((r) => r.name), y: shown.map((r) => r[key]),
    }));
    const values = [].concat.apply([], RATES.map(([key]) => shown.map((r) => r[key])));
    draw(id, traces, Object.assign({ barmode: "group", yaxis: rateAxis(values, true), xaxis: { type: "category", automargin: true } }, targetLine("y")));
  }

  function categoriesBy(dimension, id) {
    const { cells, rows, total } = pooledBy(dimension);
    const shown = rows.filter((r) => r.groups > 0);
    const label = dimension === "school" ? "School" : "Grade";
    table(
      id,
      [label, "Student-days"].concat(CATEGORIES.map(([, title]) => title)),
      rows.map((r) =>
        r.groups
          ? [r.name, N(num(r.days))].concat(CATEGORIES.map(([key]) => N(pct(ratio(r[key], r.days)) + " (" + num(r[key]) + ")")))
          : [r.name, SUPPRESSED_CELL(1 + CATEGORIES.length)],
      ),
    );
    note(id, [notDrawn(rows.filter((r) => !r.groups).map((r) => r.name)), leftOut(total, cells.length)]);
    if (!shown.length) return nothing(id, "every group in the selection is suppressed.");
    const traces = CATEGORIES.map(([key, title, color]) => ({
      type: "bar", name: title, marker: { color: color },
      x: shown.map((r) => r.name), y: shown.map((r) => ratio(r[key], r.days)),
      hovertemplate: "%{x}: %{y:.1%}<extra>" + title + "</extra>",
    }));
    draw(id, traces, {
      barmode: "stack",
      yaxis: { range: [0, 1], tickformat: ".0%", title: { text: "share of student-days" }, gridcolor: "#eee" },
      xaxis: { type: "category", automargin: true },
    });
  }

  function trendBySchool(id) {
    const rate = document.getElementById("trend-rate").value;
    const title = RATES.find(([key]) => key === rate)[1];
    const cells = weekCells();
    const bySchool = groupBy(cells, (c) => c.s);
    const schools = Array.from(bySchool.keys()).sort((a, b) => a - b);
    const weeks = WEEKS.slice(state.from, state.to + 1);
    const rows = [];
    const traces = [];
    const hidden = [];
    let values = [];
    schools.forEach((s, n) => {
      const byWeek = groupBy(bySchool.get(s), (c) => c.w);
      const y = weeks.map((_, i) => {
        const week = state.from + i;
        if (!byWeek.has(week)) return null;
        const p = pool(byWeek.get(week));
        rows.push(
          p.groups
            ? [schoolName(s), WEEKS[week], N(pct(p[rate])), N(num(p.days)), N(num(p.leftOut))]
            : [schoolName(s), WEEKS[week], SUPPRESSED_CELL(3)],
        );
        return p.groups ? p[rate] : null;
      });
      if (y.every((v) => v == null)) {
        hidden.push(schoolName(s));
        return;
      }
      values = values.concat(y);
      traces.push({
        type: "scatter", mode: "lines+markers", name: schoolName(s), x: weeks, y: y,
        line: { color: PALETTE[n % PALETTE.length] }, connectgaps: false,
      });
    });
    table(id, ["School", "Week of", title, "Student-days", "Groups left out"], rows);
    note(id, [notDrawn(hidden), leftOut(pool(cells), cells.length)]);
    if (!traces.length) return nothing(id, "every group in the selection is suppressed.");
    const withTarget = rate === "in_person";
    draw(
      id,
      traces,
      Object.assign(
        { yaxis: rateAxis(values, withTarget, title), xaxis: { type: "category", title: { text: "week of (Monday)" }, automargin: true } },
        withTarget ? targetLine("y") : {},
      ),
    );
  }

  function scatterBySchool(id) {
    const { cells, rows, total } = pooledBy("school");
    const shown = rows.filter((r) => r.groups > 0);
    table(
      id,
      ["School", "In-person rate", "Digital rate", "Hybrid rate", "Student-days"],
      rows.map((r) =>
        r.groups
          ? [r.name, N(pct(r.in_person)), N(pct(r.digital)), N(pct(r.hybrid)), N(num(r.days))]
          : [r.name, SUPPRESSED_CELL(4)],
      ),
    );
    note(id, [notDrawn(rows.filter((r) => !r.groups).map((r) => r.name)), leftOut(total, cells.length)]);
    if (!shown.length) return nothing(id, "every group in the selection is suppressed.");
    const trace = {
      type: "scatter", mode: "markers+text", name: "Schools",
      x: shown.map((r) => r.in_person), y: shown.map((r) => r.digital),
      text: shown.map((r) => r.name),
      // Alternate the labels above and below the points, so neighbours overlap less.
      textposition: shown.map((r, n) => (n % 2 ? "bottom center" : "top center")),
      marker: { size: 12, color: "#1f77b4" },
      hovertemplate: "%{text}<br>in person %{x:.1%}<br>digital %{y:.1%}<extra></extra>",
    };
    const x = rateAxis(shown.map((r) => r.in_person), true, "in-person rate");
    const y = rateAxis(shown.map((r) => r.digital), false, "digital rate");
    draw(id, [trace], Object.assign({ xaxis: x, yaxis: y, showlegend: false }, targetLine("x")));
  }

  // -- digital engagement by source ------------------------------------------------------

  function sourceShares() {
    const cells = weekCells().filter((c) => !c.suppressed);
    const students = cells.reduce((sum, c) => sum + c.students, 0);
    const weekly = groupBy(cells, (c) => c.w);
    const active = sourceCells();
    return { cells: cells, students: students, weekly: weekly, active: active };
  }

  /** Weeks in which a source has activity anywhere: a week without its report
   * (e.g. Graph's weekly report not yet delivered) is left out, not a zero. */
  const delivered = new Set((D.sourceCells || []).map((c) => c[2] + ":" + c[3]));

  function bySource(id) {
    const { cells, students, active } = sourceShares();
    const all = weekCells();
    const sums = D.sources.map((_, n) => active.filter((c) => c.source === n).reduce((sum, c) => sum + c.active, 0));
    const bases = D.sources.map((_, n) =>
      cells.filter((c) => delivered.has(c.w + ":" + n)).reduce((sum, c) => sum + c.students, 0),
    );
    table(
      id,
      ["Source", "Students active (student-weeks)", "Students (student-weeks)", "Share"],
      D.sources.map((name, n) => [name, N(num(sums[n])), N(num(bases[n])), N(pct(ratio(sums[n], bases[n])))]),
    );
    note(id, [leftOut({ leftOut: all.length - cells.length }, all.length)]);
    if (!students) return nothing(id, "every group in the selection is suppressed.");
    draw(
      id,
      [{
        type: "bar", name: "Share of students active in a week", x: D.sources,
        y: sums.map((s, n) => ratio(s, bases[n])),
        marker: { color: D.sources.map((_, n) => PALETTE[n % PALETTE.length]) },
        hovertemplate: "%{x}: %{y:.1%}<extra></extra>",
      }],
      { yaxis: { range: [0, 1], tickformat: ".0%", title: { text: "share of students active in a week" }, gridcolor: "#eee" }, showlegend: false, xaxis: { type: "category" } },
    );
  }

  function bySourceTrend(id) {
    const { cells, weekly, active } = sourceShares();
    const all = weekCells();
    const weeks = WEEKS.slice(state.from, state.to + 1);
    const activeByWeek = groupBy(active, (c) => c.w + ":" + c.source);
    const rows = [];
    const traces = D.sources.map((name, n) => {
      const y = weeks.map((week, i) => {
        const w = state.from + i;
        const students = (weekly.get(w) || []).reduce((sum, c) => sum + c.students, 0);
        const count = (activeByWeek.get(w + ":" + n) || []).reduce((sum, c) => sum + c.active, 0);
        if (!delivered.has(w + ":" + n)) return null;
        if (students) rows.push([name, week, N(num(count)), N(num(students)), N(pct(ratio(count, students)))]);
        return ratio(count, students);
      });
      return { type: "scatter", mode: "lines+markers", name: name, x: weeks, y: y, line: { color: PALETTE[n % PALETTE.length] } };
    });
    table(id, ["Source", "Week of", "Students active", "Students", "Share"], rows);
    note(id, [leftOut({ leftOut: all.length - cells.length }, all.length)]);
    if (!cells.length) return nothing(id, "every group in the selection is suppressed.");
    draw(id, traces, {
      yaxis: { range: [0, 1], tickformat: ".0%", title: { text: "share of students active" }, gridcolor: "#eee" },
      xaxis: { type: "category", title: { text: "week of (Monday)" }, automargin: true },
    });
  }

  // -- engagement drop -----------------------------------------------------------------

  function dropList(id) {
    const cells = dropCells().sort((a, b) => b.flagged - a.flagged || a.s - b.s || a.g - b.g);
    const label = (c) => schoolName(c.s) + " · grade " + gradeName(c.g);
    table(
      id,
      ["School", "Grade", "Students", "Flagged", "In person dropped", "Digital dropped", "Both dropped"],
      cells.map((c) => [schoolName(c.s), gradeName(c.g), N(num(c.students)), N(num(c.flagged)), N(num(c.in_person)), N(num(c.digital)), N(num(c.both))]),
    );
    note(id, []);
    if (!cells.length) return nothing(id, "no student on the list in the groups selected.");
    const traces = DROPS.map(([key, title, color]) => ({
      type: "bar", orientation: "h", name: title, marker: { color: color },
      y: cells.map(label), x: cells.map((c) => c[key]),
    }));
    draw(id, traces, {
      barmode: "stack",
      height: Math.max(240, 90 + 28 * cells.length),
      yaxis: { autorange: "reversed", type: "category", automargin: true },
      xaxis: { title: { text: "students on the list" }, dtick: 1, gridcolor: "#eee", rangemode: "tozero" },
    });
  }

  // -- equity breakdowns and absence types ---------------------------------------------

  const YEARS = D.years || [];
  // A subgroup's category is suppressed when it has too few students, or with one
  // (complementary suppression): the text says both, never which.
  const PROTECTED = "suppressed (fewer than " + S.minimum + " students, or to protect a smaller group)";
  const SUBGROUP_NAMES = {
    race: "Race", primary_language: "Primary language", ell_status: "English learner status",
    special_education: "Special education", low_income: "Low income",
  };

  /** The school year of the equity charts: the latest one the date range reaches. */
  function selectedYear() {
    if (WEEKS.length && D.weekYears && D.weekYears.length) return D.weekYears[state.to];
    return YEARS.length - 1;
  }

  function subgroupCells() {
    const picker = document.getElementById("equity-subgroup");
    const subgroup = (D.subgroups || []).indexOf(picker ? picker.value : "");
    const year = selectedYear();
    const school = state.school === "" ? -1 : Number(state.school);
    return (D.subgroupCells || [])
      .filter((c) => c[0] === year && c[1] === school && c[2] === subgroup)
      .map((c) => ({
        value: c[3], suppressed: c[4] === 1, students: c[5], absent: c[6], days: c[7],
        in_person: c[8], digital: c[9], hybrid: c[10], absence: c[11], excused: c[12], unexcused: c[13],
      }));
  }

  function bySubgroup(id) {
    const cells = subgroupCells();
    const shown = cells.filter((c) => !c.suppressed);
    const where = state.school === "" ? "the district" : schoolName(Number(state.school));
    table(
      id,
      ["Category", "Students", "In-person rate", "Digital rate", "Hybrid rate", "Absence rate", "Chronically absent", "Excused absence days", "Unexcused absence days"],
      cells.map((c) =>
        c.suppressed
          ? [c.value, SUPPRESSED_CELL(8, PROTECTED)]
          : [c.value, N(num(c.students)), N(pct(c.in_person)), N(pct(c.digital)), N(pct(c.hybrid)), N(pct(c.absence)), N(num(c.absent)), N(num(c.excused)), N(num(c.unexcused))],
      ),
    );
    const hidden = cells.filter((c) => c.suppressed).map((c) => c.value);
    note(id, [
      YEARS.length ? "School year " + YEARS[selectedYear()] + ", " + where + "." : "",
      hidden.length ? "Not drawn, " + PROTECTED + ": " + hidden.join(", ") + "." : "",
    ]);
    if (!cells.length) return nothing(id, "no published category for this subgroup, school and school year.");
    if (!shown.length) return nothing(id, "every category in the selection is suppressed.");
    const traces = RATES.map(([key, title, color]) => ({
      type: "bar", name: title, marker: { color: color },
      x: shown.map((c) => c.value), y: shown.map((c) => c[key]),
    }));
    const values = [].concat.apply([], RATES.map(([key]) => shown.map((c) => c[key])));
    draw(id, traces, Object.assign({ barmode: "group", yaxis: rateAxis(values, true), xaxis: { type: "category", automargin: true } }, targetLine("y")));
  }

  const ABSENCES = [
    ["excused", "Excused absence", "#6baed6"],
    ["unexcused", "Unexcused absence", "#d6604d"],
    ["partialMissed", "Partial days (missed share)", "#fdae61"],
  ];

  function absenceTypes(id) {
    const year = selectedYear();
    const cells = (D.absenceCells || [])
      .filter((c) => c[0] === year && schoolOk(c[1]))
      .map((c) => ({
        s: c[1], suppressed: c[2] === 1, students: c[3], days: c[4], excused: c[5], unexcused: c[6],
        partial: c[7], tardy: c[8], unrecorded: c[9], absenceDays: c[10], absence: c[11],
        partialMissed: c[2] === 1 ? null : c[10] - c[5] - c[6],
      }));
    const shown = cells.filter((c) => !c.suppressed);
    table(
      id,
      ["School", "Students", "Student-days", "Excused absence days", "Unexcused absence days", "Partial days", "Missed share of partial days (days)", "Tardy days", "Unrecorded days", "Absence rate"],
      cells.map((c) =>
        c.suppressed
          ? [schoolName(c.s), N(num(c.students)), N(num(c.days)), SUPPRESSED_CELL(7)]
          : [schoolName(c.s), N(num(c.students)), N(num(c.days)), N(num(c.excused)), N(num(c.unexcused)), N(num(c.partial)), N(dec(c.partialMissed)), N(num(c.tardy)), N(num(c.unrecorded)), N(pct(c.absence))],
      ),
    );
    note(id, [
      YEARS.length ? "School year " + YEARS[year] + "." : "",
      notDrawn(cells.filter((c) => c.suppressed).map((c) => schoolName(c.s))),
    ]);
    if (!cells.length) return nothing(id, "no school in the selection has school days in this school year.");
    if (!shown.length) return nothing(id, "every school in the selection is suppressed.");
    const traces = ABSENCES.map(([key, title, color]) => ({
      type: "bar", name: title, marker: { color: color },
      x: shown.map((c) => schoolName(c.s)), y: shown.map((c) => ratio(c[key], c.days)),
      hovertemplate: "%{x}: %{y:.1%}<extra>" + title + "</extra>",
    }));
    draw(id, traces, {
      barmode: "stack",
      yaxis: { tickformat: ".0%", rangemode: "tozero", title: { text: "share of student-days" }, gridcolor: "#eee" },
      xaxis: { type: "category", automargin: true },
    });
  }

  // -- headline figures ----------------------------------------------------------------

  function tile(name, value, share) {
    const element = document.getElementById("tile-" + name);
    if (!element) return;
    element.querySelector(".value").textContent = value;
    element.querySelector(".share").textContent = share || "";
  }

  function tiles() {
    const students = studentCells();
    const open = students.filter((c) => !c.suppressed);
    const sum = (cells, key) => cells.reduce((total, c) => total + c[key], 0);
    const eligible = sum(open, "eligible");
    const small = students.filter((c) => c.suppressed);
    const left = small.length
      ? sum(small, "students").toLocaleString("en-US") + " students in " + small.length +
        " school-grade groups of fewer than " + S.minimum + " are not counted here."
      : "";
    tile("students", num(sum(students, "students")), "");
    if (D.studentCells) {
      if (!open.length) {
        tile("chronic", SUPPRESSED, "");
        tile("at-target", SUPPRESSED, "");
      } else {
        const absent = sum(open, "absent");
        const atTarget = sum(open, "atTarget");
        tile("chronic", num(absent), pct(ratio(absent, eligible)) + " of " + num(eligible) + " students");
        tile("at-target", num(atTarget), pct(ratio(atTarget, eligible)) + " of " + num(eligible) + " students");
      }
    }
    const p = pool(weekCells());
    tile("in-person", p.groups ? pct(p.in_person) : SUPPRESSED, p.groups ? num(p.days) + " student-days" : "");
    if (D.dropCells) {
      const flagged = sum(dropCells(), "flagged");
      const base = sum(open, "students");
      tile("drop", open.length ? num(flagged) : SUPPRESSED, open.length ? pct(ratio(flagged, base)) + " of " + num(base) + " students" : "");
    }
    const leftNote = document.getElementById("tiles-note");
    if (leftNote) leftNote.textContent = left;
  }

  // -- Clever app usage ----------------------------------------------------------------

  const clever = D.clever || {};
  const cleverSchoolOk = (name) => state.school === "" || name === schoolName(Number(state.school));

  function cleverBySchool(id) {
    const rows = clever.usage.filter((r) => cleverSchoolOk(r.school));
    const shown = rows.filter((r) => !r.suppressed);
    table(
      id,
      ["School", "Students", "Active students", "Logins", "Resources accessed", "Logins per student-day", "Resources per student-day"],
      rows.map((r) =>
        r.suppressed
          ? [r.school, N(num(r.students)), SUPPRESSED_CELL(5)]
          : [r.school, N(num(r.students)), N(num(r.active_students)), N(num(r.logins)), N(num(r.resources)), N(dec(r.avg_logins)), N(dec(r.avg_resources))],
      ),
    );
    note(id, [notDrawn(rows.filter((r) => r.suppressed).map((r) => r.school))]);
    if (!rows.length) return nothing(id, "Clever reports no school of that name.");
    if (!shown.length) return nothing(id, "every school in the selection is suppressed.");
    draw(
      id,
      [
        { type: "bar", name: "Logins", x: shown.map((r) => r.school), y: shown.map((r) => r.avg_logins), marker: { color: "#1f77b4" } },
        { type: "bar", name: "Resources accessed", x: shown.map((r) => r.school), y: shown.map((r) => r.avg_resources), marker: { color: "#ff7f0e" } },
      ],
      { barmode: "group", yaxis: { title: { text: "per student per day" }, rangemode: "tozero", gridcolor: "#eee" }, xaxis: { type: "category", automargin: true } },
    );
  }

  function cleverTop(id) {
    const students = new Map(clever.usage.map((r) => [r.school, r.students]));
    const schools = Array.from(new Set(clever.topBySchool.map((r) => r.school))).filter(cleverSchoolOk);
    const district = state.school === "" && clever.top ? "All schools" : null;
    const columns = (district ? [district] : []).concat(schools);
    const cells = new Map();
    const rows = [];
    for (const r of clever.topBySchool.filter((r) => cleverSchoolOk(r.school))) {
      cells.set(r.resource + "\u0000" + r.school, r);
      rows.push(r.suppressed
        ? [r.school, String(r.rank), r.resource, SUPPRESSED_CELL(3)]
        : [r.school, String(r.rank), r.resource, N(num(r.students)), N(pct(ratio(r.students, students.get(r.school)))), N(num(r.accesses))]);
    }
    const allStudents = clever.usage.reduce((sum, r) => sum + r.students, 0);
    if (district) {
      for (const r of clever.top) {
        cells.set(r.resource + "\u0000" + district, r);
        rows.push(r.suppressed
          ? [district, String(r.rank), r.resource, SUPPRESSED_CELL(3)]
          : [district, String(r.rank), r.resource, N(num(r.students)), N(pct(ratio(r.students, allStudents))), N(num(r.accesses))]);
      }
    }
    table(id, ["School", "Rank", "Resource", "Students", "Share of the school's students", "Accesses"], rows);
    note(id, [district ? "'All schools': the district's top " + clever.top.length + " resources by accesses, with their students." : ""]);
    const resources = new Map();
    for (const key of cells.keys()) {
      const [resource, school] = key.split("\u0000");
      const r = cells.get(key);
      const weight = r.suppressed ? 0 : (school === district ? 0 : r.students);
      resources.set(resource, (resources.get(resource) || 0) + weight);
    }
    const order = Array.from(resources.keys()).sort((a, b) => resources.get(b) - resources.get(a) || a.localeCompare(b));
    if (!order.length) return nothing(id, "no Clever resource for the schools selected.");
    const base = (school) => (school === district ? allStudents : students.get(school));
    const z = order.map((resource) => columns.map((school) => {
      const r = cells.get(resource + "\u0000" + school);
      return r && !r.suppressed ? ratio(r.students, base(school)) : null;
    }));
    const text = order.map((resource) => columns.map((school) => {
      const r = cells.get(resource + "\u0000" + school);
      if (!r) return "";
      if (r.suppressed) return "suppressed";
      return school === district ? num(r.students) : num(r.students) + " (#" + r.rank + ")";
    }));
    draw(
      id,
      [{
        type: "heatmap", x: columns, y: order, z: z, text: text, texttemplate: "%{text}",
        colorscale: [[0, "#f7fbff"], [0.5, "#9ecae1"], [1, "#2171b5"]], zmin: 0, zmax: 1, xgap: 2, ygap: 2,
        colorbar: { tickformat: ".0%", title: { text: "share of students" } },
        hovertemplate: "%{y} at %{x}: %{text}, %{z:.1%} of its students<extra></extra>",
      }],
      {
        height: Math.max(300, 120 + 30 * order.length),
        yaxis: { autorange: "reversed", type: "category", automargin: true },
        xaxis: { type: "category", side: "top", automargin: true },
        margin: { l: 70, r: 20, t: 60, b: 20 },
      },
    );
  }

  function cleverDaily(id) {
    const first = WEEKS.length ? WEEKS[state.from] : null;
    const last = WEEKS.length ? addDays(WEEKS[state.to], 6) : null;
    const rows = clever.daily.filter((r) => first === null || (r.date >= first && r.date <= last));
    table(
      id,
      ["Day", "Students", "Active students", "Logins", "Resources accessed", "Logins per student", "Resources per student"],
      rows.map((r) =>
        r.suppressed
          ? [r.date, N(num(r.students)), SUPPRESSED_CELL(5)]
          : [r.date, N(num(r.students)), N(num(r.active_students)), N(num(r.logins)), N(num(r.resources)), N(dec(r.avg_logins)), N(dec(r.avg_resources))],
      ),
    );
    note(id, [notDrawn(rows.filter((r) => r.suppressed).map((r) => r.date))]);
    if (!rows.some((r) => !r.suppressed)) return nothing(id, "no day in the date range, or every day is suppressed.");
    const x = rows.map((r) => r.date);
    draw(
      id,
      [
        { type: "scatter", mode: "lines+markers", name: "Logins per student", x: x, y: rows.map((r) => (r.suppressed ? null : r.avg_logins)), connectgaps: false },
        { type: "scatter", mode: "lines+markers", name: "Resources per student", x: x, y: rows.map((r) => (r.suppressed ? null : r.avg_resources)), connectgaps: false },
      ],
      { yaxis: { title: { text: "per student that day" }, rangemode: "tozero", gridcolor: "#eee" }, xaxis: { type: "date", automargin: true } },
    );
  }

  // -- the filters ---------------------------------------------------------------------

  const CHARTS = {
    "hybrid-rates-by-school": (id) => ratesBy("school", id),
    "hybrid-categories-by-school": (id) => categoriesBy("school", id),
    "hybrid-trend-by-school": trendBySchool,
    "hybrid-in-person-vs-digital": scatterBySchool,
    "hybrid-rates-by-grade": (id) => ratesBy("grade", id),
    "hybrid-categories-by-grade": (id) => categoriesBy("grade", id),
    "digital-by-source": bySource,
    "digital-by-source-trend": bySourceTrend,
    "engagement-drop-by-school-grade": dropList,
    "equity-by-subgroup": bySubgroup,
    "absence-types-by-school": absenceTypes,
    "clever-usage-by-school": cleverBySchool,
    "clever-top-resources": cleverTop,
    "clever-daily-usage": cleverDaily,
  };

  function summary() {
    const parts = [
      state.school === "" ? "all schools" : schoolName(Number(state.school)),
      state.grade === "" ? "all grades" : "grade " + gradeName(Number(state.grade)),
    ];
    if (WEEKS.length) {
      parts.push("weeks of " + WEEKS[state.from] + " to " + WEEKS[state.to] + " (" + (state.to - state.from + 1) + " weeks)");
    }
    if (YEARS.length && D.subgroupCells) parts.push("school year " + YEARS[selectedYear()] + " in the equity charts");
    return "Showing " + parts.join(", ") + ".";
  }

  function readFilters() {
    const value = (id) => {
      const element = document.getElementById(id);
      return element ? element.value : "";
    };
    state.school = value("filter-school");
    state.grade = value("filter-grade");
    if (WEEKS.length) {
      let from = Number(value("filter-from"));
      let to = Number(value("filter-to"));
      if (from > to) [from, to] = [to, from];
      state.from = from;
      state.to = to;
    }
  }

  function update() {
    readFilters();
    drawn.length = 0;
    document.getElementById("filter-summary").textContent = summary();
    tiles();
    for (const id of Object.keys(CHARTS)) {
      if (document.getElementById(id)) CHARTS[id](id);
    }
    Promise.all(drawn).then(() => {
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    });
  }

  function reset() {
    const set = (id, value) => {
      const element = document.getElementById(id);
      if (element) element.value = value;
    };
    set("filter-school", "");
    set("filter-grade", "");
    set("filter-from", "0");
    set("filter-to", String(Math.max(WEEKS.length - 1, 0)));
    update();
  }

  const subgroupPicker = document.getElementById("equity-subgroup");
  if (subgroupPicker) {
    subgroupPicker.innerHTML = (D.subgroups || [])
      .map((name) => '<option value="' + esc(name) + '">' + esc(SUBGROUP_NAMES[name] || name) + "</option>")
      .join("");
  }
  for (const id of ["filter-school", "filter-grade", "filter-from", "filter-to", "trend-rate", "equity-subgroup"]) {
    const element = document.getElementById(id);
    if (element) element.addEventListener("change", update);
  }
  document.getElementById("filter-reset").addEventListener("click", reset);
  update();
})();
