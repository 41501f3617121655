"""Which trial a question means when it describes one instead of giving its NCT ID.

Clinicians name trials the way they remember them: "the Tianjin herombopag trial", "the romiplostim
N01 study", "the T-DM1 prevention study", or the bare number "05394285". Each trial gets a set of
identifying words from the fields people remember it by (titles, acronym and organisation ID,
sponsors, sites, interventions, conditions); a question's words are weighed by how few trials hold
them (idf), and a trial is the subject only when it clearly outscores every other.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, KeysView, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.identity import DESCRIBING_FIELDS, GENERIC, identity_keys, value_key, word_keys
from index.keywords import content_words, singular
from index.language.registry import values_named
from index.models import Trial
from index.stored_trials import StoredTrials
from index.trial_fields import places_of

# A description must carry at least this much evidence (about one word held by under a third of
# the trials) and beat the runner-up by this factor; otherwise no trial is assumed.
MIN_EVIDENCE = 0.99 * math.log(3)
MIN_MARGIN = 2.0
SPAN_CANDIDATES = 10  # the best-scoring trials whose descriptions are looked for in the question
# One identifying word names a trial only beside a word for a trial: "the romiplostim study" is a
# trial, "does romiplostim cause fibrosis?" is about the drug.
_TRIAL_NOUN = re.compile(
    r"\b(?:stud(?:y|ies)|trials?|protocols?|records?|registr(?:y|ation)|summary|ones?)\b", re.I
)
_WORD = re.compile(r"[\w][\w-]*")
_DEFINITE_BEFORE = re.compile(r"\b(?:the|this|that)\s+$", re.IGNORECASE)
# Words inside a description that name nothing themselves: determiners, and the links within a name
# ("Institute of Hematology & Blood Diseases Hospital").
_DETERMINERS = frozenset({"the", "this", "that", "a", "an", "of", "and"})
# "the study from Hangzhou", "the trial run by Oscar Lambret", "the one that has an rhTPO arm"
_NOUN_THEN_PREPOSITION = re.compile(
    r"\b(?:stud(?:y|ies)|trials?|protocols?|ones?)\s+(?:at|in|from|by|of|with|on|run by|led by"
    r"|(?:that|which) ha(?:s|ve)|having)\s+(?:the\s+|an?\s+)?$",
    re.I,
)
# The part a named organisation plays, said after it: "the one with X as a collaborator".
_ROLE_AFTER = re.compile(
    r"\s+as\s+(?:an?\s+|the\s+|its\s+|one of the\s+)?(?:lead\s+)?"
    r"(?:collaborator|sponsor|funder|site|cent(?:re|er)|partner|investigator|PI)s?\b",
    re.IGNORECASE,
)
_HEADING_END = re.compile(r"\s*(?::|\s-\s|\s--?\s|—)")
_HEADING_REACH = 100  # "SABRE-R (sunitinib +/- bev, mRCC): ...": a heading naming the trial, before this
_BARE_NUMBER = re.compile(r"(?<![\w.])(\d{8})(?![\w.])")


def _outermost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans not inside another ("hetrombopag study" is part of "Zhengzhou hetrombopag study")."""
    unique = set(spans)
    return sorted(s for s in unique if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in unique))


def _joined(question: str, run: list[re.Match[str]], word: re.Match[str]) -> bool:
    """Two words of one description are next to each other, with nothing but a space, a hyphen, a
    slash, an ampersand, a plus or a possessive's apostrophe between."""
    return not run or question[run[-1].end() : word.start()].strip() in ("-", "", "&", "+", "'", "’", "/")


@lru_cache(maxsize=65_536)  # every word of a question is read once per candidate trial
def _named_keys(text: str) -> tuple[tuple[int, int, str], ...]:
    """Where a text names something a trial is described by, as directory keys: its telling words
    (singular) and the registry values it names."""
    keys = [
        (m.start(), m.end(), singular(w))
        for m in _WORD.finditer(text)
        for w in content_words(m.group()) - GENERIC
    ]
    fields = {*DESCRIBING_FIELDS, "intervention_type"}
    keys += [
        (m.start(), m.end(), value_key(v.field, x))
        for v, m in values_named(text)
        if v.field in fields
        for x in v.values
    ]
    return tuple(keys)


@dataclass(frozen=True)
class TrialDirectory:
    """Which trials hold each identifying word (singular forms), built once per set of trials."""

    # A question only ever looks up its own words, so the holders of an index too large to hold
    # (index/stored_trials.py) are asked of the fact store word by word.
    holders: Mapping[str, frozenset[str]]
    order: Mapping[str, int]  # the NCT ID of every trial it was built from, with its place among them
    places: frozenset[str] = frozenset()  # cities, states and countries the records' sites name

    @property
    def ids(self) -> KeysView[str]:
        return self.order.keys()

    @property
    def size(self) -> int:
        return len(self.order)

    def in_order(self, nct_ids: Iterable[str]) -> list[str]:
        """Those of these trials it was built from, in their order (the reader's)."""
        return sorted((nct_id for nct_id in nct_ids if nct_id in self.order), key=self.order.__getitem__)

    @classmethod
    def of(cls, trials: Sequence[Trial]) -> TrialDirectory:
        if isinstance(trials, StoredTrials):  # its keys are in the fact store: no record is read
            return cls(trials.holders, {nct_id: n for n, nct_id in enumerate(trials.nct_ids)}, trials.places)
        holders: dict[str, set[str]] = defaultdict(set)
        for trial in trials:
            for key in identity_keys(trial):
                holders[key].add(trial.nct_id)
        places = frozenset(p for t in trials for p in places_of(t))
        return cls(
            {w: frozenset(ids) for w, ids in holders.items()},
            {t.nct_id: n for n, t in enumerate(trials)},
            places,
        )

    def described(self, question: str, known_ids: Collection[str]) -> str | None:
        """The one trial the question describes, or None when none stands out."""
        for number in _BARE_NUMBER.findall(question):
            if f"NCT{number}" in known_ids:
                return f"NCT{number}"
        if self.size < 2:
            return None
        found = [k for k in _named_keys(question) if k[2] in self.holders]
        # each word of the question counts once for a trial, by its rarest key ("add-on" and "add")
        by_word: dict[tuple[str, int], float] = defaultdict(float)
        for start, _, key in found:
            held_by = self.holders[key]
            for nct_id in held_by:
                by_word[nct_id, start] = max(by_word[nct_id, start], math.log(self.size / len(held_by)))
        scores: dict[str, float] = defaultdict(float)
        words_held: dict[str, int] = defaultdict(int)
        for (nct_id, _), weight in by_word.items():
            scores[nct_id] += weight
            words_held[nct_id] += 1
        # Where the question describes a trial, only trials fitting a whole description are in the
        # running: "which city is the T-DM1 herombopag trial run in?" is not about Sir Run Run Shaw's.
        # The descriptions are read as the best-scoring trials would be described (reading every
        # candidate's is what costs).
        leaders = sorted(scores, key=lambda n: -scores[n])[:SPAN_CANDIDATES]
        spans = _outermost([span for n in leaders for span in self.description_spans(question, n)])
        # ... unless another trial holds more of the question's words ("9-aminocamptothecin gastric ca
        # study": "ca study" fits a trial that holds "ca", the trial meant holds the two other words)
        most = max(words_held.values(), default=0)
        fitting = {n for n in self._fitting(found, spans) if words_held[n] >= most}
        if len(fitting) == 1:  # "the Zhengzhou hetrombopag study": the one trial that fits all of it
            return fitting.pop()
        if fitting:
            scores = defaultdict(float, {n: score for n, score in scores.items() if n in fitting})
        ranked = sorted(scores.items(), key=lambda pair: (-words_held[pair[0]], -pair[1])) + [("", 0.0)] * 2
        (nct_id, best), (runner_up, second) = ranked[0], ranked[1]
        # one identifying word is enough only as part of a description ("the Lyon trial"); a word
        # elsewhere ("is any trial run in Tianjin?") may be the trial's or anyone's
        named_as_trial = self.description_spans(question, nct_id) or len(self._keys_of(question, nct_id)) >= 2
        # a trial holding more of the question's words than any other stands out by that alone
        stands_out = words_held[nct_id] > words_held.get(runner_up, 0) or best >= MIN_MARGIN * second
        if best >= MIN_EVIDENCE and stands_out and named_as_trial:
            return nct_id
        return None

    def _fitting(self, found: list[tuple[int, int, str]], spans: list[tuple[int, int]]) -> set[str]:
        """The trials holding every key of some description in the question."""
        fitting: set[str] = set()
        for start, end in spans:
            keys = {key for s, e, key in found if start <= s and e <= end}
            holders = [self.holders[key] for key in keys]
            fitting |= set(frozenset.intersection(*holders)) if holders else set()
        return fitting

    def description_spans(self, question: str, nct_id: str) -> list[tuple[int, int]]:
        """Where the question names `nct_id` by description, so those words are not read as what is
        asked of it: a run of the trial's identifying words ending in a word for a trial ("the
        Tianjin herombopag trial": Tianjin is not a place filter there, nor "prevention" a purpose
        asked about), or such a run heading the question before ':' or ' - ' ("romiplostim N01: ...")."""
        spans = []
        run: list[re.Match[str]] = []
        for word in [*_WORD.finditer(question), None]:
            if word is not None and self._describes(word.group(), nct_id) and _joined(question, run, word):
                run.append(word)
                if not _TRIAL_NOUN.fullmatch(word.group().lower()):
                    continue
                word = None  # a word for a trial ends its description: "...trial define HER2"
            spans += self._run_span(question, run, nct_id)
            run = [word] if word is not None and self._describes(word.group(), nct_id) else []
        return spans

    def named_definitely(self, question: str, nct_id: str) -> bool:
        """Whether a description of the trial is definite ("the herombopag prevention study"), not a
        kind of trial ("any prevention study")."""
        heading = _HEADING_END.search(question[:_HEADING_REACH])
        return any(
            _DEFINITE_BEFORE.search(question[:start]) for start, _ in self.description_spans(question, nct_id)
        ) or (heading is not None and bool(self._keys_of(question[: heading.start()], nct_id)))

    def _describes(self, word: str, nct_id: str) -> bool:
        lowered = word.lower()
        keys = {key for _, _, key in _named_keys(word)}
        if any(nct_id in self.holders.get(k, ()) for k in keys):
            return True
        if lowered in _DETERMINERS or _TRIAL_NOUN.fullmatch(lowered) or lowered in GENERIC or lowered == "s":
            return True  # "s": of a possessive, "Tangshan People's Hospital"
        # a word no trial holds may be part of the description ("the Nantes MDS study"); a word
        # another trial holds is not
        return bool(keys) and not any(k in self.holders for k in keys)

    def _run_span(self, question: str, run: list[re.Match[str]], nct_id: str) -> list[tuple[int, int]]:
        identifying = [w for w in run if self._keys_of(w.group(), nct_id)]
        if not identifying:
            return []
        ends_in_noun = bool(_TRIAL_NOUN.fullmatch(run[-1].group().lower()))
        heading = run[0].start() == 0 and _HEADING_END.match(question, run[-1].end()) is not None
        after_noun = _NOUN_THEN_PREPOSITION.search(question[: identifying[0].start()]) is not None
        if not (ends_in_noun or heading or after_noun):
            return []
        end = run[-1].end()
        end += 2 if question[end : end + 2] in ("'s", "’s") else 0  # "the Lyon study's contact"
        role = _ROLE_AFTER.match(question, end)  # "... Hospital as a collaborator"
        end = role.end() if role else end
        return [(identifying[0].start(), end)]  # "join the Lyon study": from "Lyon"

    def words_of(self, question: str, nct_id: str) -> set[str]:
        """The question's words that identify this trial (singular forms)."""
        return {w for w in word_keys(question) if nct_id in self.holders.get(w, ())}

    def _keys_of(self, text: str, nct_id: str) -> set[str]:
        """The words and registry values of `text` that this trial holds."""
        return {key for _, _, key in _named_keys(text) if nct_id in self.holders.get(key, ())}
