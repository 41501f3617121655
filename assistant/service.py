"""The assistant as the UI, HTTP API, CLI and evals use it."""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections import OrderedDict

from assistant.chain import AnswerChain
from assistant.llm import get_chat_model
from assistant.models import CANNOT_ANSWER, Answer
from index.errors import QuestionError
from index.seams import ChatModel, TrialReader
from index.settings import Settings, get_settings

# Invisible format characters (zero-width space and joiners, word joiner, BOM, soft hyphen) that a
# paste carries into "E\u200bCOG 2": they would split a word the reader must see whole.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# Full-width forms ("ＥＣＯＧ ２") and the ideographic space. Only these are folded: full NFKC would
# also turn "10⁹/L" into "109/L".
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]")
EXPIRED_MESSAGE = (
    "This conversation expired: the server keeps only a limited number of conversations, and "
    "this one was forgotten, so words such as “those” or “it” can no longer be resolved. "
    "Please restate your question in full."
)


def normalise_question(text: str) -> str:
    """The question as the reader should see it: invisible characters removed, full-width letters,
    digits and punctuation folded to their ordinary forms."""
    text = _INVISIBLE.sub("", text)
    return _FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


class SessionRegistry:
    """Which conversations are open, per client, so one client cannot evict everyone else's.

    Each client address holds at most `per_client` conversations and the server `total`; opening
    one more forgets that client's least recently used conversation (or, at the server bound, the
    least recently used of all). A forgotten session id is remembered as expired (ids only, up to
    `expired_kept`), so its next question is told so instead of being silently answered without the
    earlier turns. Registers only: the turns themselves live in the chain's memory."""

    def __init__(self, total: int, per_client: int, expired_kept: int) -> None:
        self.total = total
        self.per_client = per_client
        self.expired_kept = expired_kept
        self._open: OrderedDict[str, str] = OrderedDict()  # session id -> client, least recent first
        self._expired: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def use(self, session_id: str, client: str) -> tuple[bool, list[str]]:
        """Mark a question in this session; returns (had it expired?, sessions forgotten to make room)."""
        with self._lock:
            if session_id in self._open:
                self._open.move_to_end(session_id)
                return False, []
            expired = session_id in self._expired
            self._expired.pop(session_id, None)
            forgotten = []
            mine = [s for s, owner in self._open.items() if owner == client]
            if len(mine) >= self.per_client:
                forgotten.append(mine[0])
            elif len(self._open) >= self.total:
                forgotten.append(next(iter(self._open)))
            for old in forgotten:
                del self._open[old]
                self._expired[old] = None
            while len(self._expired) > self.expired_kept:
                self._expired.popitem(last=False)
            self._open[session_id] = client
            return expired, forgotten

    def forget(self, session_id: str) -> None:
        """The user started over: not an expiry."""
        with self._lock:
            self._open.pop(session_id, None)
            self._expired.pop(session_id, None)


class Assistant:
    """Answers questions over one trial reader; conversation history is kept per session id."""

    def __init__(
        self, store: TrialReader, settings: Settings | None = None, chat_model: ChatModel | None = None
    ) -> None:
        self.settings = settings or get_settings()
        self.store = store
        self.chain = AnswerChain(store, self.settings, chat_model)
        self.sessions = SessionRegistry(
            total=self.settings.max_sessions,
            per_client=self.settings.max_sessions_per_client,
            expired_kept=10 * self.settings.max_sessions,
        )
        # The registry decides what is forgotten; the chain's own least-recently-used bound must
        # never drop a session first (questions in flight can briefly add a few more).
        self.chain.memory.max_sessions = 2 * self.settings.max_sessions

    def ask(self, question: str, session_id: str | None = None, client: str | None = None) -> Answer:
        """One answer. Raises QuestionError only for an empty or too-long question. `client` (the
        caller's address) bounds how many conversations one caller keeps open."""
        text = normalise_question(question).strip()
        if not text:
            raise QuestionError("the question is empty")
        limit = self.settings.max_question_chars
        if len(text) > limit:
            raise QuestionError(
                f"the question is {len(text)} characters long; the limit is {limit} "
                "(TRIALS_MAX_QUESTION_CHARS)"
            )
        if session_id is not None:
            expired, forgotten = self.sessions.use(session_id, client or "local")
            for old in forgotten:
                self.chain.memory.reset(old)
            if expired:
                self.chain.memory.reset(session_id)  # anything a late write left behind
                return Answer(
                    answer=EXPIRED_MESSAGE,
                    abstained=True,
                    kind=CANNOT_ANSWER,
                    notes=["conversation expired"],
                )
        started = time.perf_counter()
        answer = self.chain.invoke(text, session_id)
        return answer.model_copy(update={"timing_ms": round((time.perf_counter() - started) * 1000, 2)})

    def reset(self, session_id: str) -> None:
        """Forget a conversation: the next question starts without follow-up context."""
        self.sessions.forget(session_id)
        self.chain.memory.reset(session_id)

    def warm_up(self) -> None:
        """Load what the first questions would otherwise wait for: the embedding model (~12 s), the
        trial records, and the fact store brought up to the index (if another process left it behind)."""
        embedder = getattr(self.store, "embedder", None)
        if embedder is not None:
            embedder.embed_query("warm up")
        self.store.all_trials()
        facts = self.store.facts()
        if facts is not None:
            facts.sync()


def build_assistant(settings: Settings | None = None) -> Assistant:
    """An assistant over the real index (local folder, or the Chroma server at CHROMA_URL)."""
    from index.store import open_store  # chromadb is imported only when a real store is wanted

    settings = settings or get_settings()
    return Assistant(open_store(settings), settings, get_chat_model(settings))
