"""The ChatModel seam. `TRIALS_LLM=none` (the default) keeps the deterministic extractive path.

When a chat model is given, it only rewrites an answer that has already been composed and
verified; its output is accepted only if it cites no trial the draft did not, otherwise the
verified draft is kept. The results (`trials`, `citations`) never come from the model.
"""

from __future__ import annotations

import re

import prompts
from assistant.models import Answer
from index.errors import TrialsError
from index.seams import ChatModel
from index.settings import Settings

_NCT = re.compile(r"NCT\d{8}")


def get_chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model; None means the extractive path."""
    if settings.llm.strip().lower() in ("", "none"):
        return None
    raise TrialsError(
        f"TRIALS_LLM={settings.llm!r} is not available in this build: no generative model is installed; "
        "use TRIALS_LLM=none (extractive answers) or pass a ChatModel to Assistant(chat_model=...)"
    )


def rewrite(answer: Answer, question: str, model: ChatModel) -> Answer:
    """The model's wording of a verified answer, or the answer unchanged when the model strays."""
    if answer.abstained or not answer.citations:
        return answer
    quotes = "\n".join(f"- [{c.nct_id}] ({c.section}): {c.quote}" for c in answer.citations)
    user = prompts.load("answer_user").format(question=question, draft=answer.answer, quotes=quotes)
    try:
        text = model.complete(prompts.load("answer_system"), user).strip()
    except Exception as exc:  # a failing model must not lose a verified answer
        return answer.model_copy(update={"notes": [*answer.notes, f"chat model {model.name} failed: {exc}"]})
    allowed = set(_NCT.findall(answer.answer)) | {c.nct_id for c in answer.citations}
    named = set(_NCT.findall(text))
    strays = sorted(named - allowed)
    missing = sorted(set(answer.trials) - named)
    if not text or strays or missing:
        why = (
            f"it named trials not in the draft ({', '.join(strays)})"
            if strays
            else f"it left out result trials ({', '.join(missing)})"
            if missing
            else "it returned nothing"
        )
        return answer.model_copy(update={"notes": [*answer.notes, f"chat model output discarded: {why}"]})
    return answer.model_copy(update={"answer": text})
