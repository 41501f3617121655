"""Short forms a record defines for itself: "non-radiographic axial spondyloarthritis (nr-axSpA)".

The long form is found by Schwartz & Hearst's algorithm ("A simple algorithm for identifying
abbreviation definitions in biomedical text", PSB 2003): walking the short form's letters from the
end, each must occur in the words before the parenthesis in order, the first at a word's start, in
at most min(|A| + 5, 2|A|) words. Written here rather than taken from the `abbreviations` package
(0.2.5), which configures the root logger on import and reads text line by line.
"""

from __future__ import annotations

import re

# "(CF)", "(nr-axSpA)", "(HVPG;": a short form of 2-10 characters with a capital, in parentheses.
_SHORT_IN_PARENTHESES = re.compile(r"\(\s*([A-Za-z][\w-]{1,9})\s*[);,]")
_WORDS_BEFORE = 20  # Schwartz & Hearst look no further back for a long form


def defined_abbreviations(text: str) -> dict[str, str]:
    """Each short form the text defines, with its long form (the first definition wins)."""
    found: dict[str, str] = {}
    for match in _SHORT_IN_PARENTHESES.finditer(text):
        short = match.group(1)
        if short in found or not any(c.isupper() for c in short) or sum(c.isalpha() for c in short) < 2:
            continue
        long_form = _long_form(short, _words_before(text, match.start()))
        if long_form:
            found[short] = long_form
    return found


def _words_before(text: str, end: int) -> str:
    """The up to `_WORDS_BEFORE` words (runs without spaces or parentheses, each followed by spaces)
    that end at `end`. Walked back from `end`: a regular expression anchored there tried every
    earlier position of the text (quadratic: most of enriching a long record)."""
    at, words = end, 0
    while words < _WORDS_BEFORE:
        spaces = at
        while spaces > 0 and text[spaces - 1].isspace():
            spaces -= 1
        word = spaces
        while word > 0 and not text[word - 1].isspace() and text[word - 1] not in "()":
            word -= 1
        if spaces == at or word == spaces:
            break
        at, words = word, words + 1
    return text[at:end].strip()


def _long_form(short: str, before: str) -> str | None:
    letters = [c.lower() for c in short if c.isalnum()]
    words = before.split()
    limit = min(len(short) + 5, 2 * len(short))
    candidate = " ".join(words[-limit:])
    s, position = len(letters) - 1, len(candidate) - 1
    while s >= 0:
        while position >= 0 and (
            candidate[position].lower() != letters[s]
            or (s == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1  # the first letter must open a word; the others may be anywhere in one
        if position < 0:
            return None
        position -= 1
        s -= 1
    start = candidate.rfind(" ", 0, position + 1) + 1
    long_form = candidate[start:].strip(" ,;:")
    if len(long_form) <= len(short) or long_form.lower().startswith(short.lower()):
        return None
    return long_form


# Shorthand worth spelling out from a name: capitals and digits, 3 to 6 of them ("PCOS", "RRMS",
# "T2DM"); two letters ("MS": multiple sclerosis or metabolic syndrome?) are too many things.
_INITIALISM = re.compile(r"[A-Z][A-Z0-9]{2,5}")


def spelt_out_in(short: str, name: str) -> str | None:
    """The words of `name` that `short` abbreviates, by the same walk as a record's own definitions,
    ending at any of its words: "PCOS" in "Oral DCI to Women With Polycystic Ovary Syndrome" is
    "Polycystic Ovary Syndrome". None when `short` is not an initialism or spells nothing there."""
    if not _INITIALISM.fullmatch(short):
        return None
    words = name.replace(",", " ").split()
    for end in range(len(words), 0, -1):
        long_form = _long_form(short, " ".join(words[:end]))
        if long_form and _every_word_initialled(short, long_form):
            return long_form
    return None


_LINKING = frozenset({"of", "the", "and", "in", "with", "for", "to", "a", "an", "on", "or"})


def _every_word_initialled(short: str, long_form: str) -> bool:
    """Whether each content word of the long form opens with a letter of the short form, in order
    (a hyphenated word's later parts may: "Age-Related Macular Degeneration" for AMD), not
    "Laser Surgery of Benign Prostate Hypertrophy" for TURP."""
    initials = [w[0].lower() for w in long_form.split() if w.lower() not in _LINKING]
    letters, at = short.lower(), 0
    for initial in initials:
        at = letters.find(initial, at) + 1
        if at == 0:
            return False
    return len(initials) >= 2


# "CNS (central nervous system) metastases", "central nervous system (CNS) metastases": a parenthesis
# restating the words beside it, as its short or its long form.
_ASIDE = re.compile(r"\s*\(([^()]{2,60})\)")
_SHORT_BEFORE = re.compile(r"([A-Za-z][\w-]{1,9})$")


def restating_asides(text: str) -> list[tuple[int, int]]:
    """Where the text restates the words just before in parentheses (with the spaces before them),
    so that what they name reads as if the parenthesis were not there."""
    spans = []
    for match in _ASIDE.finditer(text):
        inside = match.group(1).strip()
        before = _SHORT_BEFORE.search(text, 0, match.start())
        spells_out = before is not None and _spelt_out(before.group(1), inside)
        shortens = _INITIALISM.fullmatch(inside.replace("-", "")) is not None and bool(
            _long_form(inside, _words_before(text, match.start(1) - 1))
        )
        if spells_out or shortens:
            spans.append(match.span())
    return spans


def _spelt_out(short: str, long_form: str) -> bool:
    return (
        _INITIALISM.fullmatch(short) is not None
        and _every_word_initialled(short, long_form)
        and bool(_long_form(short, long_form))
    )
