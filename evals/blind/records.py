"""Record loading and quote normalisation shared by score.py and check_why.py.

A quote counts as verbatim when norm(quote) occurs in norm(record text), where norm collapses
whitespace, drops backslashes and lowercases. If the plain check fails, the same test is tried
against a lightly de-marked copy of the record (XML/HTML tags removed, character entities
such as &lt; and &#xD; decoded, markdown emphasis/heading marks removed), with the quote
de-marked the same way.
"""

import html
import pathlib
import re

NCT_RX = re.compile(r"NCT\d{8}")


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\\", "")).strip().lower()


def demark(s: str) -> str:
    s = re.sub(r"<!--.*?-->", " ", s, flags=re.S)
    s = re.sub(r"<[^<>]+>", " ", s)
    s = html.unescape(s)
    s = re.sub(r"[*`#]+", "", s)
    return s


class Record:
    def __init__(self, nct, path, text):
        self.nct, self.path, self.raw = nct, path, text
        self.plain = norm(text)
        self.clean = norm(demark(text))

    def has(self, quote: str) -> bool:
        q = norm(quote or "")
        if not q:
            return False
        if q in self.plain:
            return True
        q2 = norm(demark(quote))
        return bool(q2) and (q2 in self.clean or q in self.clean)


def _primary_id(path: pathlib.Path, text: str):
    if path.suffix.lower() == ".xml":
        m = re.search(r"<nct_id>\s*(NCT\d{8})\s*</nct_id>", text)
        if m:
            return m.group(1)
    m = re.search(r"NCT ID:\s*(NCT\d{8})|Trial ID\s*(NCT\d{8})|·\s*(NCT\d{8})", text)
    if m:
        return next(g for g in m.groups() if g)
    m = NCT_RX.search(path.name)
    if m:
        return m.group(0)
    m = NCT_RX.search(text)
    return m.group(0) if m else None


def record_paths(spec: str):
    """spec: a directory of records (e.g. the seeds dir) or a .txt file listing record paths."""
    p = pathlib.Path(spec)
    if p.is_dir():
        return sorted(x for x in p.iterdir() if x.is_file() and not x.name.startswith("."))
    return [
        pathlib.Path(line.strip())
        for line in p.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def load_records(spec: str):
    recs = {}
    for f in record_paths(spec):
        text = f.read_text(encoding="utf-8", errors="replace")
        nct = _primary_id(f, text)
        if nct and nct not in recs:
            recs[nct] = Record(nct, f, text)
    return recs
