"""The eval report: a terminal table, results.json, summary.md and a self-contained index.html.

The HTML has inline CSS and inline SVG charts only (no scripts, fonts or links to fetch), and
every piece of record or answer text in it is HTML-escaped: record text is data, never markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path

from evals.dev_ctgov import CtgovDevResult, SetScore
from evals.dev_seeds import DevRun, PassCount, SeedsDevResult
from evals.dev_sets import CTGOV_DEV, SEEDS_DEV
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
    lines += _dev_table(results)
    return "\n".join(lines)


def _dev_table(results: EvalResults) -> list[str]:
    lines: list[str] = []
    seeds = results.seeds_dev
    if seeds is not None:
        lines.append(f"\n{SEEDS_DEV}: {seeds.description} (passed: system / baseline)")
        lines.append(f"{'category':<10}{'n':>4}{'system':>10}{'baseline':>10}")
        lines.append("-" * 34)
        for scope, count, base in _dev_rows(seeds):
            lines.append(f"{scope:<10}{count.cases:>4}{count.passed:>10}{base:>10}")
        unsafe, over = seeds.system.verdict_errors()
        lines.append(f"matching answers: {unsafe} unsafe verdicts, {over} over-exclusions")
        failing = seeds.system.failing()
        lines.append(f"failing system cases ({len(failing)}):")
        lines += [f"  {c.id}: {'; '.join(c.reasons)}" for c in failing]
    ctgov = results.ctgov_dev
    if ctgov is not None:
        lines.append(
            f"\n{CTGOV_DEV}: {ctgov.description} (read {ctgov.read_seconds:.1f} s, "
            f"asked {ctgov.ask_seconds:.1f} s; system / keyword baseline)"
        )
        lines.append(
            f"{'question':<15}{'wanted':>7}{'neutral':>8}{'precision':>15}{'recall':>15}{'FP':>5}{'FN':>5}"
        )
        lines.append("-" * 70)
        for q in ctgov.questions:
            precision = f"{q.system.precision:.3f} / {q.baseline.precision:.3f}"
            recall = f"{q.system.recall:.3f} / {q.baseline.recall:.3f}"
            lines.append(
                f"{q.key:<15}{q.wanted:>7}{q.neutral:>8}{precision:>15}{recall:>15}"
                f"{len(q.system.false_positives):>5}{len(q.system.false_negatives):>5}"
            )
        for q in ctgov.questions:
            if q.system.error:
                lines.append(f"  {q.key}: error: {q.system.error}")
            if q.system.false_positives:
                lines.append(f"  {q.key} false positives: {_ids(q.system.false_positives)}")
    return lines


def _dev_rows(seeds: SeedsDevResult) -> Iterable[tuple[str, PassCount, str]]:
    base = seeds.baseline
    for category, count in seeds.system.by_category.items():
        yield category, count, _base_count(base, category)
    yield "OVERALL", seeds.system.total, _base_count(base, None)


def _base_count(base: DevRun | None, category: str | None) -> str:
    if base is None:
        return "n/a"
    count = base.total if category is None else base.by_category.get(category)
    return "n/a" if count is None else str(count.passed)


def _ids(ids: list[str], limit: int = 12) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


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
    lines += _dev_markdown(results)
    for note in results.skipped:
        lines += ["", f"Skipped: {note}"]
    return "\n".join(lines) + "\n"


def _dev_markdown(results: EvalResults) -> list[str]:
    lines = ["", "## Blind dev sets", ""]
    for suite, reason in results.dev_skipped.items():
        lines.append(
            f"- **{suite} SKIPPED**: {_md(reason)}" + (" (fails the gate: CI is set)" if results.ci else "")
        )
    seeds = results.seeds_dev
    if seeds is not None:
        lines += ["", f"### {SEEDS_DEV}: {_md(seeds.description)}", ""]
        lines += [f"Passing conversations, system / baseline ({_md(seeds.baseline_note or 'n/a')}).", ""]
        lines += ["| category | n | system | baseline |", "|---|---:|---:|---:|"]
        for scope, count, base in _dev_rows(seeds):
            lines.append(f"| {scope} | {count.cases} | {count.passed} | {base} |")
        unsafe, over = seeds.system.verdict_errors()
        lines += [
            "",
            f"Matching answers: **{unsafe} unsafe verdicts** (a trial offered that a stated fact "
            f"excludes), {over} over-exclusions.",
        ]
        failing = seeds.system.failing()
        lines += ["", f"Failing system cases ({len(failing)}):", ""]
        lines += [
            f"- `{c.id}`: got {c.trials}{' (abstained)' if c.abstained else ''}: {_md('; '.join(c.reasons))}"
            for c in failing
        ]
    ctgov = results.ctgov_dev
    if ctgov is not None:
        lines += ["", f"### {CTGOV_DEV}: {_md(ctgov.description)}", ""]
        lines.append(
            f"Read and enriched in {ctgov.read_seconds:.1f} s, answered in {ctgov.ask_seconds:.1f} s "
            f"(suite {ctgov.seconds:.1f} s). System / naive keyword baseline; neutral records "
            "(conditional, KPS-only, ambiguous side notes) are neither required nor counted wrong."
        )
        lines += [
            "",
            "| question | wanted | neutral | precision | recall | FP | FN |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for q in ctgov.questions:
            lines.append(
                f"| {_md(q.question)} | {q.wanted} | {q.neutral} | "
                f"{q.system.precision:.3f} / {q.baseline.precision:.3f} | "
                f"{q.system.recall:.3f} / {q.baseline.recall:.3f} | "
                f"{len(q.system.false_positives)} | {len(q.system.false_negatives)} |"
            )
        lines.append("")
        for q in ctgov.questions:
            lines += _set_errors_md(q.key, q.system)
        if ctgov.missing:
            lines.append(f"- labelled records no file yielded: {', '.join(ctgov.missing)}")
    return lines


def _set_errors_md(key: str, score: SetScore) -> list[str]:
    lines = []
    if score.error:
        lines.append(f"- `{key}` error: {_md(score.error)}")
    if score.false_positives:
        lines.append(f"- `{key}` false positives: {', '.join(score.false_positives)}")
    if score.false_negatives:
        lines.append(f"- `{key}` false negatives: {', '.join(score.false_negatives)}")
    return lines


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
    parts.append(_html_dev(results))
    for note in results.skipped:
        parts.append(f"<p>Skipped: {escape(note)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_dev(results: EvalResults) -> str:
    parts = ["<h2>Blind dev sets</h2>"]
    for suite, reason in results.dev_skipped.items():
        under_ci = " It fails the gate: CI is set." if results.ci else ""
        parts.append(f"<p class='gate-bad'>{escape(suite)} SKIPPED: {escape(reason)}.{under_ci}</p>")
    if results.seeds_dev is not None:
        parts.append(_html_seeds_dev(results.seeds_dev))
    if results.ctgov_dev is not None:
        parts.append(_html_ctgov_dev(results.ctgov_dev))
    return "\n".join(parts)


def _html_seeds_dev(seeds: SeedsDevResult) -> str:
    rows = "".join(
        f"<tr><td>{escape(scope)}</td><td class='num'>{count.cases}</td>"
        f"<td class='num'>{count.passed}</td><td class='num'>{escape(base)}</td></tr>"
        for scope, count, base in _dev_rows(seeds)
    )
    failing = seeds.system.failing()
    items = "".join(
        f"<tr><td><b>{escape(c.id)}</b></td><td>{escape(c.asked)}</td>"
        f"<td>{escape(', '.join(c.trials) or '(none)')}{' (abstained)' if c.abstained else ''}</td>"
        f"<td><ul>{''.join(f'<li class=bad>{escape(r)}</li>' for r in c.reasons)}</ul></td></tr>"
        for c in failing
    )
    return (
        f"<h3>{escape(SEEDS_DEV)}: {escape(seeds.description)}</h3>"
        f"<p>Passing conversations, system / baseline ({escape(seeds.baseline_note or 'n/a')}).</p>"
        "<table><tr><th>category</th><th>n</th><th>system</th><th>baseline</th></tr>"
        f"{rows}</table>"
        f"<details open><summary><b>Failing system cases ({len(failing)} of {seeds.system.total.cases})</b>"
        "</summary><table class='cases'><tr><th>case</th><th>asked</th><th>answer trials</th>"
        f"<th>why</th></tr>{items}</table></details>"
    )


def _html_ctgov_dev(ctgov: CtgovDevResult) -> str:
    rows = []
    for q in ctgov.questions:
        wrong = "".join(
            f"<li class='bad'>{label}: {escape(', '.join(ids))}</li>"
            for label, ids in (("FP", q.system.false_positives), ("FN", q.system.false_negatives))
            if ids
        ) + (f"<li class='bad'>error: {escape(q.system.error)}</li>" if q.system.error else "")
        rows.append(
            f"<tr><td>{escape(q.question)}</td><td class='num'>{q.wanted}</td>"
            f"<td class='num'>{q.neutral}</td>"
            f"<td class='num'>{q.system.precision:.3f} / {q.baseline.precision:.3f}</td>"
            f"<td class='num'>{q.system.recall:.3f} / {q.baseline.recall:.3f}</td>"
            f"<td><ul class='cites'>{wrong}</ul></td></tr>"
        )
    return (
        f"<h3>{escape(CTGOV_DEV)}: {escape(ctgov.description)}</h3>"
        f"<p>Read and enriched in {ctgov.read_seconds:.1f} s, answered in {ctgov.ask_seconds:.1f} s. "
        "System / naive keyword baseline; conditional, KPS-only and ambiguous records are neither "
        "required nor counted wrong.</p>"
        "<table><tr><th>question</th><th>wanted</th><th>neutral</th><th>precision<br>sys / base</th>"
        f"<th>recall<br>sys / base</th><th>system errors</th></tr>{''.join(rows)}</table>"
    )


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
