"""HTML for the chat: answers with numbered citations, trial cards, patient-matching tables.

Record text and user text are data. Everything here is built from escaped text: answers go
through a Markdown renderer with raw HTML, links, images and autolinks switched off (so a record
containing `<script>` or `[text](url)` shows as text), and every other value passes `escape`.
The only links on the page are the ones built here, to ClinicalTrials.gov.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Mapping, Sequence

from markdown_it import MarkdownIt

from assistant.models import Answer, Citation, CriterionCheck, Verdict
from index.facts.kinds import registry, spec
from index.models import Fact, Trial

CTGOV_STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
CITATION_MARKER = re.compile(r"\[(NCT\d{8})\]")
_BLOCK_STARTS = ("<p>", "<li>", "<br", "<h", "\n")

# Without raw HTML, links, images, autolinks and fences (whose info string becomes a class
# attribute), the rendered answer has no attribute a record could write into.
# Entities stay text too: "&lt;" in a record shows as "&lt;" in the answer, as in its reference.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(
    ["link", "image", "autolink", "html_inline", "html_block", "fence", "entity"]
)

# Facts shown on a trial card, in display order, with their clinical labels. The first group is
# always visible; organ-function and other limits sit behind a <details>.
_COMPARATOR_SIGNS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}


def escape(text: object) -> str:
    """HTML-escape, and also neutralise `$` and backticks: Gradio's HTML component fills a
    `${value}` template, so template syntax in a record must reach it as plain characters."""
    return html.escape(str(text), quote=True).replace("$", "&#36;").replace("`", "&#96;")


def study_url(nct_id: str) -> str:
    return CTGOV_STUDY_URL.format(nct_id=nct_id)


def citation_numbers(answer: Answer) -> dict[str, int]:
    """1-based reference numbers per trial: first the order the answer text cites them, then
    any cited trial the text does not mention."""
    order = [*CITATION_MARKER.findall(answer.answer), *(c.nct_id for c in answer.citations)]
    numbers: dict[str, int] = {}
    for nct_id in order:
        numbers.setdefault(nct_id, len(numbers) + 1)
    return numbers


def quotes_by_trial(citations: Iterable[Citation]) -> dict[str, list[Citation]]:
    grouped: dict[str, list[Citation]] = {}
    for citation in citations:
        grouped.setdefault(citation.nct_id, []).append(citation)
    return grouped


def _hover_text(citations: list[Citation]) -> str:
    return "\n".join(f"{c.section}: “{c.quote}”" for c in citations)


def _citation_link(nct_id: str, number: int, citations: list[Citation]) -> str:
    return (
        f'<a class="cite" href="{escape(study_url(nct_id))}" target="_blank" rel="noopener noreferrer" '
        f'title="{escape(_hover_text(citations) or nct_id)}">[{number}]</a>'
    )


def render_answer_body(text: str, answer: Answer) -> str:
    """The answer text (or a streamed prefix of it) as HTML, citation markers as numbered links."""
    numbers = citation_numbers(answer)
    grouped = quotes_by_trial(answer.citations)

    def link(match: re.Match[str]) -> str:
        nct_id = match.group(1)
        if nct_id not in numbers or _inside_quote(_line_before(match.string, match.start())):
            return match.group(0)
        cite = _citation_link(nct_id, numbers[nct_id], grouped.get(nct_id, []))
        # "NCT06433830: ECOG 0-2 [NCT06433830]" reads better without the ID twice.
        named = nct_id in _line_before(match.string, match.start())
        return cite if named else f"{nct_id} {cite}"

    # Markdown output escapes <, >, & and quotes; "[NCT…]" survives as text and becomes a link.
    # Newlines between block tags are dropped: the Chatbot shows messages with pre-wrap.
    rendered = re.sub(r">\n+", ">", _MARKDOWN.render(text)).strip()
    return CITATION_MARKER.sub(link, rendered)


def _inside_quote(before: str) -> bool:
    """Whether a marker follows an opened “ quote: the record's own words, where a "[NCT…]" is
    text the record wrote, not a citation the answer made."""
    return before.count("“") > before.count("”")


def _line_before(rendered: str, position: int) -> str:
    """The text of the current paragraph or list item up to `position`."""
    start = max(rendered.rfind(boundary, 0, position) for boundary in _BLOCK_STARTS)
    return rendered[max(start, 0) : position]


def render_references(answer: Answer, titles: Mapping[str, str]) -> str:
    """Numbered references: each trial linked to ClinicalTrials.gov, its quotes behind <details>."""
    grouped = quotes_by_trial(answer.citations)
    items = []
    for nct_id, number in citation_numbers(answer).items():
        quotes = "".join(
            f'<blockquote><span class="section">{escape(c.section)}</span> “{escape(c.quote)}”</blockquote>'
            for c in grouped.get(nct_id, [])
        )
        title = titles.get(nct_id)
        heading = f"{escape(nct_id)}{' · ' + escape(title) if title else ''}"
        items.append(
            f'<li value="{number}"><details><summary>[{number}] <a href="{escape(study_url(nct_id))}" '
            f'target="_blank" rel="noopener noreferrer">{heading}</a></summary>{quotes}</details></li>'
        )
    if not items:
        return ""
    return f'<div class="references"><strong>References</strong><ol>{"".join(items)}</ol></div>'


def render_answer(answer: Answer, titles: Mapping[str, str], text: str | None = None) -> str:
    """The whole chat message: the body (of `text`, a streamed prefix, when given), then the
    references once the full text is shown."""
    shown = answer.answer if text is None else text
    body = render_answer_body(shown, answer)
    if text is not None and text != answer.answer:
        return body
    notes = "".join(f'<p class="note">{escape(note)}</p>' for note in answer.notes)
    return body + notes + render_references(answer, titles)


def render_user_message(question: str) -> str:
    return f'<p class="question">{escape(question)}</p>'


def render_error(message: str) -> str:
    return f'<p class="error">{escape(message)}</p>'


def answer_plain_text(answer: Answer) -> str:
    """What "Copy answer" puts on the clipboard: the text, then the references with their quotes."""
    lines = [answer.answer]
    grouped = quotes_by_trial(answer.citations)
    numbers = citation_numbers(answer)
    if numbers:
        lines.append("\nReferences")
    for nct_id, number in numbers.items():
        lines.append(f"[{number}] {nct_id} {study_url(nct_id)}")
        lines.extend(f"    {c.section}: “{c.quote}”" for c in grouped.get(nct_id, []))
    return "\n".join(lines)


def describe_fact(fact: Fact) -> str:
    """A short clinical reading of a fact: "ECOG 0–2", "Platelets < 75 x10^9/L (exclusion)"."""
    label = spec(fact.kind).card_name
    if fact.low is not None or fact.high is not None:
        low = "" if fact.low is None else f"{fact.low:g}"
        high = "" if fact.high is None else f"{fact.high:g}"
        bound = f"{low}–{high}" if low and high else (f"≥ {low}" if low else f"≤ {high}")
        value = f"{bound} {fact.unit}" if fact.unit else bound
    elif fact.comparator is not None and fact.value is not None:
        sign = _COMPARATOR_SIGNS.get(fact.required_comparator() or fact.comparator, fact.comparator)
        value = f"{sign} {fact.value:g}{' ' + fact.unit if fact.unit else ''}"
    else:
        value = fact.term or "stated"
    return f"{label} {value}{f' ({fact.qualifier})' if fact.qualifier else ''}"


def _card_row(label: str, value: str | None) -> str:
    if not value:
        return ""
    return f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>"


def _age_sex(trial: Trial) -> str | None:
    if trial.min_age and trial.max_age:
        ages = f"{trial.min_age} – {trial.max_age}"
    elif trial.min_age:
        ages = f"{trial.min_age} and over"
    elif trial.max_age:
        ages = f"up to {trial.max_age}"
    else:
        ages = "age not stated"
    return f"{ages}; {trial.sex.lower() if trial.sex else 'sex not stated'}"


def _enrolment(trial: Trial) -> str | None:
    if trial.enrollment is None:
        return None
    kind = f" ({trial.enrollment_type.lower()})" if trial.enrollment_type else ""
    return f"{trial.enrollment}{kind}"


def _fact_list(trial: Trial, card: str) -> tuple[str, int]:
    """List items for the trial's facts of the kinds a card lists in `card` ("key", "more": each
    kind's module says), what the patient must meet, each with the criterion it was read from on
    hover; and how many there are."""
    order = [name for name, kind in registry().items() if kind.card == card]
    facts = sorted((f for f in trial.facts if f.kind in order), key=lambda f: order.index(f.kind))
    items = "".join(
        f'<li title="{escape(f"{f.source.capitalize()}: {f.quote}")}">{escape(describe_fact(f))}</li>'
        for f in facts
    )
    return items, len(facts)


def render_trial_card(trial: Trial) -> str:
    """One card: what a clinician scans first; every fact shows its source criterion on hover."""
    key_items, _ = _fact_list(trial, "key")
    other_items, others = _fact_list(trial, "more")
    key_facts = f'<ul class="facts">{key_items}</ul>' if key_items else ""
    other_facts = (
        f"<details><summary>Organ function and other limits ({others})</summary>"
        f'<ul class="facts">{other_items}</ul></details>'
        if others
        else ""
    )
    rows = "".join(
        [
            _card_row("Status", trial.status.replace("_", " ").lower() if trial.status else None),
            _card_row("Phase", ", ".join(trial.phases) or None),
            _card_row("Enrolment", _enrolment(trial)),
            _card_row("Age / sex", _age_sex(trial)),
            _card_row("Last updated", trial.last_updated),
        ]
    )
    return (
        f'<article class="trial-card" data-nct="{escape(trial.nct_id)}">'
        f'<h4><a href="{escape(study_url(trial.nct_id))}" target="_blank" rel="noopener noreferrer">'
        f"{escape(trial.nct_id)}</a></h4>"
        f'<p class="trial-title">{escape(trial.title)}</p><dl>{rows}</dl>{key_facts}{other_facts}</article>'
    )


def _check_row(check: CriterionCheck) -> str:
    css = check.status.replace(" ", "-")
    return (
        f"<tr><td>{escape(check.criterion)}</td>"
        f'<td class="status {escape(css)}">{escape(check.status)}</td>'
        f"<td>{escape(check.detail or '')}</td>"
        f'<td class="quote">{escape(check.quote or "")}</td></tr>'
    )


def render_verdict(verdict: Verdict) -> str:
    rows = "".join(_check_row(check) for check in verdict.checks)
    label = escape(verdict.verdict)
    return (
        f'<section class="verdict"><h4>{escape(verdict.nct_id)}: '
        f'<span class="verdict-{label.replace(" ", "-")}">{label}</span></h4>'
        "<table><thead><tr><th>Criterion</th><th>Status</th><th>Detail</th><th>Record says</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></section>"
    )


def shown_trials(answer: Answer) -> list[str]:
    """The result trials the answer text shows (the rest are rows of the results table)."""
    return answer.trials if answer.shown is None else answer.trials[: answer.shown]


def render_side_panel(answer: Answer | None, trials: Iterable[Trial]) -> str:
    """The side panel under the results table: the verdict tables of the result trials the text
    shows (patient matching), then one card per trial shown."""
    if answer is None:
        return '<p class="panel-empty">Trials cited in an answer appear here.</p>'
    shown = set(shown_trials(answer))
    verdicts = "".join(render_verdict(v) for v in answer.verdicts if v.nct_id in shown)
    cards = "".join(render_trial_card(t) for t in trials)
    if not verdicts and not cards:
        return '<p class="panel-empty">No trials in this answer.</p>'
    return verdicts + cards


RESULT_HEADERS = ["NCT ID", "Title", "Status", "Phase", "Location"]
# A cell starting with one of these is run as a formula by spreadsheet programs ("=HYPERLINK(...)"
# in a record title): the CSV gives it a leading apostrophe, which shows it as the text it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def result_table(answer: Answer) -> tuple[list[str], list[list[str]]]:
    """Every result as a table row (headers, rows): the verdict for patient matching, the deciding
    criterion for set questions. Plain strings: the table shows them as text, never as markup."""
    last = "Verdict" if answer.kind == "match" else "Key criterion"
    rows = [
        [
            r.nct_id,
            r.title,
            (r.status or "").replace("_", " ").lower(),
            r.phase or "",
            r.location or "",
            r.verdict or r.criterion or "",
        ]
        for r in answer.results
    ]
    return [*RESULT_HEADERS, last], rows


def results_csv(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(
        [f"'{cell}" if cell.startswith(_FORMULA_START) else cell for cell in row] for row in rows
    )
    return out.getvalue()
