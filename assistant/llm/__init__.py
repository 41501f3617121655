"""The optional chat model (`TRIALS_LLM`, default `none`): a LangChain `BaseChatModel` that may read
what the rule-based reader left unread and word verified answers as cited claims. It never decides
which trials match: the engine does, and every contribution is checked in code before it is used.

- `model.py`: the chat model built from settings with `init_chat_model`.
- `calls.py`: one model call within a timeout, its retries and the per-answer budget.
- `reading.py`: the parts of a question the rules did not read, the model's structured reading of
  them and the deterministic resolver that validates it before it joins the `Query`.
- `wording.py`: the model's wording of an answer as claims, each kept only when its cited quotes
  hold every number, comparator, drug and NCT ID in it (`assistant.verify.claim_problems`).
- `data.py`: question and record text put into prompts (prompts/*.txt) as tagged data.
- `steps.py`: the two hooks the answer chain calls, and the sink a streaming caller sets
  (`ui/model_stream.py`: the Gradio chat; `ui/stream_api.py`: the widget's `/api/ask/stream`).
"""

from assistant.llm.model import get_chat_model

__all__ = ["get_chat_model"]
