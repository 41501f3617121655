"""The eval report: a terminal table, results.json, summary.md and a self-contained index.html.

The HTML has inline CSS and inline SVG charts only (no scripts, fonts or links to fetch), and
every piece of record or answer text in it is HTML-escaped: record text is data, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path

from evals.runner import CaseRun, EvalResults, SuiteResult, SystemRun
from evals.scorer import MetricSummary

# (attribute, short label) of the metrics shown side by side, system vs baseline.
COLUMNS: list[tuple[str, str]] = [
    ("exact_set_accuracy", "exact set"),
    ("f1", "F1"),
    ("value_accuracy", "values"),
    ("abstention_accuracy", "abstention"),
    ("citation_validity", "citations"),
    ("overall", "overall"),
]
SYSTEM_COLOUR = "#1f6fb2"
BASELINE_COLOUR = "#b0b7bf"


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _rows(suite: SuiteResult) -> Iterable[tuple[str, MetricSummary, MetricSummary]]:
    for category, summary in suite.system.by_category.items():
        yield category, summary, suite.baseline.by_category[category]
    yield "OVERALL", suite.system.summary, suite.baseline.summary


# ---------------------------------------------------------------- terminal table


def format_table(results: EvalResults) -> str:
    lines: list[str] = []
    for suite in results.suites:
        lines.append(f"\n{suite.name}: {suite.description} (system / baseline)")
        header = f"{'category':<18}{'n':>4}" + "".join(f"{label:>15}" for _, label in COLUMNS)
        lines.append(header + f"{'p50/p95 ms':>16}")
        lines.append("-" * (len(header) + 16))
        for category, system, baseline in _rows(suite):
            cells = "".join(
                f"{_number(system.metric(attr)) + ' / ' + _number(baseline.metric(attr)):>15}"
                for attr, _ in COLUMNS
            )
            latency = f"{_number(system.latency_p50_ms, 0)}/{_number(system.latency_p95_ms, 0)}"
            lines.append(f"{category:<18}{system.cases:>4}{cells}{latency:>16}")
        lines.append(f"passed {suite.system.summary.passed}/{suite.system.summary.cases} cases")
    return "\n".join(lines)


# ---------------------------------------------------------------- files


def write_report(results: EvalResults, report_dir: Path) -> list[Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "results.json": results.model_dump_json(indent=2),
        "summary.md": render_markdown(results),
        "index.html": render_html(results),
    }
    written: list[Path] = []
    for name, content in paths.items():
        path = report_dir / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def render_markdown(results: EvalResults) -> str:
    lines = ["# Eval summary", "", f"Run time: {results.seconds:.1f} s.", ""]
    lines += _gate_lines(results)
    for suite in results.suites:
        lines += ["", f"## {suite.name}: {suite.description}", "", "System / baseline per category.", ""]
        lines.append("| category | n | " + " | ".join(label for _, label in COLUMNS) + " | p50 / p95 ms |")
        lines.append("|---|---:|" + "---:|" * len(COLUMNS) + "---:|")
        for category, system, baseline in _rows(suite):
            cells = " | ".join(
                f"{_number(system.metric(a))} / {_number(baseline.metric(a))}" for a, _ in COLUMNS
            )
            latency = f"{_number(system.latency_p50_ms, 0)} / {_number(system.latency_p95_ms, 0)}"
            lines.append(f"| {category} | {system.cases} | {cells} | {latency} |")
        failing = suite.system.failing()
        lines += ["", f"### Failing system cases ({len(failing)})", ""]
        for run in failing:
            reasons = "; ".join(run.score.failure_reasons())
            lines.append(
                f"- `{run.case.id}` ({run.case.category}): gold {run.case.trials}, "
                f"got {run.answer.trials}: {_md(reasons)}"
            )
    for note in results.skipped:
        lines += ["", f"Skipped: {note}"]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _gate_lines(results: EvalResults) -> list[str]:
    if not results.gate_failures:
        return ["Gate: **passed**."]
    return ["Gate: **FAILED**:", "", *(f"- {_md(f)}" for f in results.gate_failures)]


# ---------------------------------------------------------------- HTML

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2329;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d5dbe1}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0 16px}
th,td{border:1px solid #d5dbe1;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#f1f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.gate-ok{color:#17663a;font-weight:600}.gate-bad{color:#a4161a;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #d5dbe1;padding:8px}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
pre{white-space:pre-wrap;word-break:break-word;margin:0;font:12px/1.4 ui-monospace,monospace;
max-height:320px;overflow:auto}
table.cases{table-layout:fixed;width:100%}th.case{width:16%}th.gold,th.got{width:42%}
ul{margin:0;padding-left:18px}.bad{color:#a4161a}.cites{max-height:200px;overflow:auto;font-size:12px}
"""


def render_html(results: EvalResults) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Trial assistant eval report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Trial assistant eval report</h1>",
        f"<p>Run time {results.seconds:.1f} s. System in "
        f"<span style='color:{SYSTEM_COLOUR}'>blue</span>, naive-RAG baseline in grey.</p>",
        _html_gate(results),
    ]
    for suite in results.suites:
        parts.append(_html_suite(suite))
    for note in results.skipped:
        parts.append(f"<p>Skipped: {escape(note)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_gate(results: EvalResults) -> str:
    if not results.gate_failures:
        return "<p class='gate-ok'>Gate passed.</p>"
    items = "".join(f"<li>{escape(f)}</li>" for f in results.gate_failures)
    return f"<p class='gate-bad'>Gate failed:</p><ul>{items}</ul>"


def _html_suite(suite: SuiteResult) -> str:
    header = "".join(f"<th>{escape(label)}<br>sys / base</th>" for _, label in COLUMNS)
    rows = []
    for category, system, baseline in _rows(suite):
        cells = "".join(
            f"<td class='num'>{_number(system.metric(a))} / {_number(baseline.metric(a))}</td>"
            for a, _ in COLUMNS
        )
        latency = f"{_number(system.latency_p50_ms, 0)} / {_number(system.latency_p95_ms, 0)}"
        rows.append(
            f"<tr><td>{escape(category)}</td><td class='num'>{system.cases}</td>{cells}"
            f"<td class='num'>{latency}</td><td class='num'>{system.passed}</td></tr>"
        )
    charts = "".join(
        f"<div class='chart'><h3>{escape(category)} ({system.cases})</h3>{_bar_chart(system, baseline)}</div>"
        for category, system, baseline in _rows(suite)
    )
    return (
        f"<h2>{escape(suite.name)}: {escape(suite.description)}</h2>"
        f"<p>Indexed {len(suite.records)} records in {suite.index_seconds:.1f} s.</p>"
        f"<table><tr><th>category</th><th>n</th>{header}<th>p50 / p95 ms</th><th>passed</th></tr>"
        f"{''.join(rows)}</table>"
        f"<p class='legend'><span style='background:{SYSTEM_COLOUR}'></span>system"
        f"<span style='background:{BASELINE_COLOUR}'></span>baseline</p>"
        f"<div class='charts'>{charts}</div>"
        + _html_failures(suite.system, open_by_default=True)
        + _html_failures(suite.baseline, open_by_default=False)
    )


def _bar_chart(system: MetricSummary, baseline: MetricSummary) -> str:
    """Grouped bars (0..1) per headline metric: system beside baseline."""
    bar, gap, height, top, bottom = 22, 18, 110, 16, 34
    group = 2 * bar + gap
    width = group * len(COLUMNS) + gap
    shapes = [f"<line x1='0' y1='{top + height}' x2='{width}' y2='{top + height}' stroke='#8a949e'/>"]
    for index, (attr, label) in enumerate(COLUMNS):
        x = gap + index * group
        for offset, (summary, colour) in enumerate(((system, SYSTEM_COLOUR), (baseline, BASELINE_COLOUR))):
            value = summary.metric(attr)
            size = 0.0 if value is None else max(0.0, min(1.0, value)) * height
            bx = x + offset * bar
            shapes.append(
                f"<rect x='{bx}' y='{top + height - size:.1f}' width='{bar - 2}' height='{size:.1f}' "
                f"fill='{colour}'><title>{escape(label)}: {_number(value)}</title></rect>"
            )
            shapes.append(
                f"<text x='{bx + bar / 2 - 1:.1f}' y='{top + height - size - 3:.1f}' font-size='8' "
                f"text-anchor='middle'>{_number(value)}</text>"
            )
        shapes.append(
            f"<text x='{x + bar:.1f}' y='{top + height + 14}' font-size='10' "
            f"text-anchor='middle'>{escape(label)}</text>"
        )
    total = top + height + bottom
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{total}' "
        f"viewBox='0 0 {width} {total}' role='img'>{''.join(shapes)}</svg>"
    )


def _html_failures(run: SystemRun, open_by_default: bool) -> str:
    failing = run.failing()
    rows = "".join(_html_failure_row(case_run) for case_run in failing)
    opened = " open" if open_by_default else ""
    return (
        f"<details{opened}><summary><h3 style='display:inline'>Failing {escape(run.name)} cases "
        f"({len(failing)} of {len(run.runs)})</h3></summary>"
        "<table class='cases'><tr><th class='case'>case</th><th class='gold'>gold</th>"
        f"<th class='got'>answer</th></tr>{rows}</table></details>"
    )


def _html_failure_row(run: CaseRun) -> str:
    case, answer, score = run.case, run.answer, run.score
    turns = "".join(f"<li>{escape(turn)}</li>" for turn in case.turns)
    reasons = "".join(f"<li class='bad'>{escape(r)}</li>" for r in score.failure_reasons())
    sources = "".join(f"<li>{escape(s)}</li>" for s in case.source)
    values = ", ".join(escape(v) for v in case.values) or "—"
    citations = "".join(
        f"<li>{escape(c.nct_id)} · {escape(c.section)}: {escape(c.quote)}</li>" for c in answer.citations
    )
    abstain = "either" if case.must_abstain is None else str(case.must_abstain).lower()
    return (
        f"<tr><td><b>{escape(case.id)}</b><br>{escape(case.category)}<ul>{reasons}</ul></td>"
        f"<td><ol>{turns}</ol><p>trials: {escape(', '.join(case.trials) or '(none)')}<br>"
        f"values: {values}<br>must abstain: {abstain}</p><ul>{sources}</ul></td>"
        f"<td><p>trials: {escape(', '.join(answer.trials) or '(none)')}<br>"
        f"abstained: {str(answer.abstained).lower()}</p><pre>{escape(answer.answer)}</pre>"
        f"<ul class='cites'>{citations}</ul></td></tr>"
    )
