"""The Gradio chat for clinicians: ask, read cited answers, see the trials, rate the answer.

Messages are HTML built by `ui.render` from escaped text; the Chatbot gets them with its own
Markdown rendering off (so nothing from a record is read as Markdown or HTML a second time) and
its sanitiser on, as a second fence. Each browser session holds its own assistant session id.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import gradio as gr
from pydantic import BaseModel, ConfigDict

from assistant.models import Answer
from index.errors import QuestionError
from index.models import Trial
from index.seams import TrialReader
from index.settings import Settings
from ui.api import INTERNAL_ERROR, question_problem
from ui.feedback import FeedbackRecord, Rating, append_feedback, feedback_path
from ui.model_stream import Claims, with_claims
from ui.render import (
    answer_plain_text,
    render_answer,
    render_answer_body,
    render_error,
    render_side_panel,
    render_user_message,
    result_table,
    results_csv,
    shown_trials,
)
from ui.seams import ConversationalAssistant

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = (
    "Which trials accept ECOG 2?",
    "Which trials exclude patients with brain metastases?",
    "What platelet count do the trials require?",
    "Could a 68-year-old woman, ECOG 1, platelets 45 x10^9/L, enter any trial?",
)
STREAM_STEPS = 12  # the answer appears in about this many growing pieces
STREAM_PAUSE_S = 0.03
# A results CSV is deleted once this old (the conversation itself is kept in memory only).
# ui.api.GradioGuard serves no other file than those named like RESULTS_CSV_NAME.
RESULTS_CSV_KEEP_S = 3600
RESULTS_CSV_NAME = "trial-results-{token}.csv"
WORD = re.compile(r"\S+\s*")

# Clipboard access needs a secure context (https or localhost); elsewhere fall back to a selection copy.
COPY_JS = """(text) => {
  if (!text) { return; }
  const fallback = () => {
    const area = document.createElement('textarea');
    area.value = text; document.body.appendChild(area); area.select();
    document.execCommand('copy'); area.remove();
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).catch(fallback);
  } else { fallback(); }
}"""

CSS = """
#trial-panel .trial-card { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 8px 12px; margin-bottom: 10px; background: var(--background-fill-secondary); }
#trial-panel .trial-card h4 { margin: 0 0 2px 0; }
#trial-panel .trial-title { margin: 0 0 6px 0; font-weight: 600; }
#trial-panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
#trial-panel dt { color: var(--body-text-color-subdued); }
#trial-panel dd { margin: 0; }
#trial-panel ul.facts { margin: 6px 0 0 0; padding-left: 18px; }
#trial-panel ul.facts li { cursor: help; }
#trial-panel details summary { cursor: pointer; color: var(--body-text-color-subdued); margin-top: 4px; }
#trial-panel table { border-collapse: collapse; width: 100%; font-size: 0.9em; margin-bottom: 10px; }
#trial-panel th, #trial-panel td { border: 1px solid var(--border-color-primary); padding: 3px 6px;
  text-align: left; vertical-align: top; }
#trial-panel td.met { color: #15803d; font-weight: 600; }
#trial-panel td.not-met { color: #b91c1c; font-weight: 600; }
#trial-panel td.unknown { color: #a16207; font-weight: 600; }
#trial-panel .verdict-likely-eligible { color: #15803d; }
#trial-panel .verdict-excluded { color: #b91c1c; }
#trial-panel .verdict-needs-checking { color: #a16207; }
#chat a.cite { text-decoration: none; font-weight: 600; }
#chat ul, #chat ol { padding-left: 1.4em; margin: 4px 0; }
#chat p { margin: 0 0 6px 0; }
#chat .references { margin-top: 10px; font-size: 0.92em; }
#chat .references ol { margin: 4px 0 0 0; padding-left: 0; list-style: none; }
#chat .references blockquote { margin: 4px 0 6px 12px; padding-left: 8px;
  border-left: 3px solid var(--border-color-primary); }
#chat .references .section { color: var(--body-text-color-subdued); }
#chat p.note { color: var(--body-text-color-subdued); font-size: 0.9em; }
#chat p.error { color: #b91c1c; }
"""

SYSTEM_FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


def chat_theme() -> gr.themes.Base:
    """Gradio's default look with system fonts only: nothing is fetched from outside."""
    return gr.themes.Default(primary_hue="blue", font=SYSTEM_FONTS, font_mono=MONO_FONTS)


_SKIP_REST = (gr.skip(), gr.skip(), gr.skip())  # copy text, results table, results download


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str
    reply_html: str
    answer: Answer | None = None  # None when the question could not be answered (error shown)


def _messages(turns: list[ChatTurn]) -> list[dict[str, str]]:
    """Chatbot messages: a user and an assistant message per turn (assistant = index 2i+1)."""
    messages = []
    for turn in turns:
        messages.append({"role": "user", "content": render_user_message(turn.question)})
        messages.append({"role": "assistant", "content": turn.reply_html})
    return messages


def _prefixes(text: str) -> Iterator[str]:
    """Growing prefixes of `text` on word boundaries, ending with the whole text."""
    words = WORD.findall(text)
    step = max(1, len(words) // STREAM_STEPS)
    for end in range(step, len(words), step):
        yield "".join(words[:end])
    yield text


class ChatHandlers:
    """The event handlers, bound to one assistant and one trial reader."""

    def __init__(self, assistant: ConversationalAssistant, trials: TrialReader, settings: Settings) -> None:
        self.assistant = assistant
        self.trials = trials
        self.settings = settings
        self.csv_folder = Path(tempfile.mkdtemp(prefix="trials-results-"))

    def answer_trials(self, answer: Answer) -> tuple[list[Trial], dict[str, str]]:
        """The trials for the side panel's cards and the titles of every cited trial (references).

        The cards show the result trials the answer text shows (every result is a row of the
        results table); when it gives none (nothing matched), the trials it cites to show why.
        """
        cited = list(dict.fromkeys(c.nct_id for c in answer.citations))
        shown = shown_trials(answer)
        found = {nct_id: self.trials.get_trial(nct_id) for nct_id in dict.fromkeys([*shown, *cited])}
        known = {nct_id: trial for nct_id, trial in found.items() if trial is not None}
        panel = [known[nct_id] for nct_id in (shown or cited) if nct_id in known]
        return panel, {nct_id: trial.title for nct_id, trial in known.items()}

    def results_outputs(self, answer: Answer | None) -> tuple[Any, Any]:
        """The sortable table of every result and the button that downloads it as CSV; both hidden
        for an answer without a result list."""
        if answer is None or not answer.results:
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        headers, rows = result_table(answer)
        table = gr.update(
            value={"data": rows, "headers": headers}, label=f"All {len(rows)} results", visible=True
        )
        label = f"Download all {len(rows)} results (CSV)"
        return table, gr.update(value=self._write_csv(results_csv(headers, rows)), label=label, visible=True)

    def _write_csv(self, text: str) -> str:
        """A new CSV file (Gradio serves it from where it is); those older than RESULTS_CSV_KEEP_S go."""
        cutoff = time.time() - RESULTS_CSV_KEEP_S
        for old in self.csv_folder.glob("*.csv"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)
        path = self.csv_folder / RESULTS_CSV_NAME.format(token=uuid4().hex)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def respond(
        self, question: str, session_id: str | None, turns: list[ChatTurn], request: gr.Request | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Ask, then stream the answer in; outputs: chatbot, question box, panel, session, turns, copy,
        results table, results download.
        `request` (given by Gradio) names the client, which bounds the conversations it keeps."""
        question = (question or "").strip()
        if not question:
            yield _messages(turns), "", gr.skip(), session_id, turns, *_SKIP_REST
            return
        session_id = session_id or uuid4().hex
        pending = [
            *turns,
            ChatTurn(question=question, reply_html='<p class="note">Searching the records…</p>'),
        ]
        yield _messages(pending), "", gr.skip(), session_id, turns, *_SKIP_REST

        # Only the first update empties the question box: the clinician may already be typing the next one.
        client = request.client.host if request is not None and request.client else None
        answer, failure, streamed = None, "", False
        for update in with_claims(lambda: self._ask(question, session_id, client)):
            if isinstance(update, Claims):  # the chat model's wording, shown claim by claim once checked
                streamed = True
                body = render_answer_body("\n".join(update), Answer(answer=""))
                pending[-1] = ChatTurn(question=question, reply_html=body)
                yield _messages(pending), gr.skip(), gr.skip(), session_id, turns, *_SKIP_REST
            else:
                answer, failure = update
        if answer is None:
            done = [*turns, ChatTurn(question=question, reply_html=render_error(failure))]
            yield _messages(done), gr.skip(), gr.skip(), session_id, done, "", gr.skip(), gr.skip()
            return

        shown, titles = self.answer_trials(answer)
        for prefix in [answer.answer] if streamed else _prefixes(answer.answer):
            pending[-1] = ChatTurn(question=question, reply_html=render_answer(answer, titles, text=prefix))
            yield _messages(pending), gr.skip(), gr.skip(), session_id, turns, *_SKIP_REST
            time.sleep(STREAM_PAUSE_S)
        final = ChatTurn(question=question, reply_html=render_answer(answer, titles), answer=answer)
        done = [*turns, final]
        panel = render_side_panel(answer, shown)
        yield (
            _messages(done),
            gr.skip(),
            panel,
            session_id,
            done,
            answer_plain_text(answer),
            *self.results_outputs(answer),
        )

    def _ask(self, question: str, session_id: str, client: str | None) -> tuple[Answer | None, str]:
        """The answer, or None and the message to show instead."""
        problem = question_problem(question, self.settings.max_question_chars)
        if problem:
            return None, problem
        try:
            return self.assistant.ask(question, session_id=session_id, client=client), ""
        except QuestionError as exc:
            return None, str(exc)
        except Exception:
            log.exception("assistant failed on a chat question of %d characters", len(question))
            return None, INTERNAL_ERROR

    def ask_example(
        self,
        session_id: str | None,
        turns: list[ChatTurn],
        selected: gr.SelectData,
        request: gr.Request | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        yield from self.respond(str(selected.value.get("text", "")), session_id, turns, request)

    def new_conversation(self, session_id: str | None) -> tuple[Any, ...]:
        """Forget the conversation on both sides; outputs as `respond`, plus the comment box."""
        if session_id:
            self.assistant.reset(session_id)
        return [], "", render_side_panel(None, []), None, [], "", *self.results_outputs(None), ""

    def record_feedback(
        self, session_id: str | None, turns: list[ChatTurn], comment: str, liked: gr.LikeData
    ) -> str:
        """Append the rating (and comment) of one answer to feedback.jsonl; clears the comment box."""
        index = liked.index if isinstance(liked.index, int) else liked.index[0]
        turn_number = (index - 1) // 2  # assistant messages sit at 1, 3, 5...
        turn = turns[turn_number] if 0 <= turn_number < len(turns) else None
        if turn is None or turn.answer is None:  # an error message: nothing to rate
            return comment
        rating: Rating = "up" if liked.liked is True else "down" if liked.liked is False else "withdrawn"
        record = FeedbackRecord(
            session_id=session_id,
            rating=rating,
            comment=comment.strip() or None,
            question=turn.question,
            answer=turn.answer.answer,
            trials=turn.answer.trials,
        )
        path = feedback_path(self.settings.home)
        try:
            append_feedback(path, record)
        except OSError as exc:
            # Say so: a rating that silently vanishes is worse than one refused.
            log.error("feedback not saved to %s: %s", path, exc.strerror or exc)
            gr.Warning(f"Your feedback could not be saved ({exc.strerror or 'write failed'} on the server).")
            return comment
        gr.Info("Thank you: feedback saved.")
        return ""


def build_chat(assistant: ConversationalAssistant, trials: TrialReader, settings: Settings) -> gr.Blocks:
    handlers = ChatHandlers(assistant, trials, settings)
    with gr.Blocks(title="Clinical-trial assistant", analytics_enabled=False) as chat:
        session = gr.State(None)
        turns = gr.State([])
        gr.Markdown(
            "## Clinical-trial assistant\n"
            "Ask about eligibility, design or patient fit. Every claim cites the trial record "
            "(hover or open a reference to read the quoted criterion); check the record before acting."
        )
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Conversation",
                    elem_id="chat",
                    height=640,
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=("Like", "Dislike"),
                    examples=[{"text": question} for question in EXAMPLE_QUESTIONS],
                    placeholder="Pick an example or type a question below.",
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask about the indexed trials…",
                        show_label=False,
                        elem_id="question",
                        scale=5,
                        lines=1,
                        max_lines=4,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    new_button = gr.Button("New conversation", size="sm", elem_id="new-conversation")
                    copy_button = gr.Button("Copy answer", size="sm", elem_id="copy-answer")
                    comment = gr.Textbox(
                        placeholder="Optional comment for your rating",
                        show_label=False,
                        elem_id="feedback-comment",
                        scale=3,
                    )
                copy_text = gr.Textbox(visible="hidden", elem_id="copy-text")
            with gr.Column(scale=2):
                gr.Markdown("### Trials in this answer")
                # every result, sortable by any column (the text shows and cites the first ones)
                results_table = gr.Dataframe(
                    interactive=False,
                    datatype="str",
                    wrap=True,
                    max_height=360,
                    column_widths=[120, 300, 120, 80, 130, 170],  # px: the title wraps, the rest fit
                    show_search="search",
                    visible=False,
                    elem_id="results-table",
                )
                results_download = gr.DownloadButton(visible=False, size="sm", elem_id="results-csv")
                panel = gr.HTML(render_side_panel(None, []), elem_id="trial-panel")

        outputs = [chatbot, question, panel, session, turns, copy_text, results_table, results_download]
        # Every event is private: the page runs them through the queue, nothing else may call them.
        # A question sent while an answer is still streaming runs right after it, not dropped.
        question.submit(
            handlers.respond,
            [question, session, turns],
            outputs,
            trigger_mode="always_last",
            api_visibility="private",
        )
        ask_button.click(
            handlers.respond,
            [question, session, turns],
            outputs,
            trigger_mode="always_last",
            api_visibility="private",
        )
        chatbot.example_select(handlers.ask_example, [session, turns], outputs, api_visibility="private")
        new_button.click(handlers.new_conversation, [session], [*outputs, comment], api_visibility="private")
        chatbot.clear(handlers.new_conversation, [session], [*outputs, comment], api_visibility="private")
        copy_button.click(None, [copy_text], None, js=COPY_JS)
        chatbot.like(handlers.record_feedback, [session, turns, comment], [comment], api_visibility="private")
    return chat
