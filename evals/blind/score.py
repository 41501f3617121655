#!/usr/bin/env python3
"""Score a blind set against the assistant's CLI.

Run from the project root (N = 11 or 12):
    python3 evals/blind/score.py evals/blind/blindN/seeds_blind.jsonl --home /tmp/bNs \
        --records ../shared/seeds
    python3 evals/blind/score.py evals/blind/blindN/ctgov_blind.jsonl --home /tmp/bNc \
        --records evals/blind/blindN/ctgov_records.txt

- sets TRIALS_HOME=--home, HF_HUB_OFFLINE=1, TRANSFORMERS_OFFLINE=1 (and PYTHONUNBUFFERED=1);
- runs `.venv/bin/trials index PATH...` (the paths listed in the .txt file, or the records folder):
  incremental, so quick when nothing changed, and a rebuild when the code shaping the index did;
- runs ONE `.venv/bin/trials chat --jsonl` process for the whole file: per case, writes its turns
  one per line, reading one Answer JSON line after each, then an empty line (new conversation);
- scores the answer to the last turn of each case:
    trials  gold ⊆ answer.trials ⊆ gold ∪ allow
    answer  every regex matches the answer text (case-insensitive)
    abstain abstained is true or answer.trials is empty
    forbid  no forbidden string in the answer text or its trial IDs (case-insensitive)
    quotes  every ID in answer.trials has >= 1 citation whose quote occurs verbatim in that
            trial's record (see records.py for the normalisation)
- prints PASS/FAIL per case with reasons, a total per category and overall.
"""

import argparse
import collections
import json
import os
import pathlib
import queue
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from records import load_records, record_paths


def category(case_id: str) -> str:
    m = re.search(r"(?:^|[-_])([SQPMX])\d", case_id) or re.match(r"([A-Za-z])", case_id)
    return m.group(1).upper() if m else "?"


def ensure_index(cli, home: pathlib.Path, spec: str, env) -> None:
    home.mkdir(parents=True, exist_ok=True)
    p = pathlib.Path(spec)
    paths = [str(p)] if p.is_dir() else [str(x) for x in record_paths(spec)]
    t0 = time.time()
    r = subprocess.run([str(cli), "index", *paths], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"[index] failed (rc={r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    print(f"[index] indexed {len(paths)} path(s) in {time.time() - t0:.0f}s", flush=True)


class Chat:
    """One `trials chat --jsonl` process; ask() writes a line and waits for one JSON line."""

    def __init__(self, cli, env, home: pathlib.Path):
        self.err = open(home / "chat_stderr.log", "a", encoding="utf-8")  # noqa: SIM115  (closed in close())
        self.p = subprocess.Popen(
            [str(cli), "chat", "--jsonl"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
            encoding="utf-8",
            bufsize=1,
            env=env,
        )
        assert self.p.stdin is not None and self.p.stdout is not None  # both piped above
        self.stdin, self.stdout = self.p.stdin, self.p.stdout
        self.q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.stdout:
            self.q.put(line)
        self.q.put(None)

    def alive(self):
        return self.p.poll() is None

    def send(self, line: str):
        self.stdin.write(line + "\n")
        self.stdin.flush()

    def ask(self, question: str, timeout: float):
        self.send(" ".join(question.split()))
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(f"no answer within {timeout:.0f}s") from None
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                raise TimeoutError(f"no answer within {timeout:.0f}s") from None
            if line is None:
                raise RuntimeError(f"chat process ended (rc={self.p.poll()})")
            s = line.strip()
            if not s.startswith("{"):
                continue  # log noise on stdout
            try:
                return json.loads(s)
            except json.JSONDecodeError:
                continue

    def close(self):
        try:
            self.stdin.close()
            self.p.wait(timeout=60)
        except Exception:
            self.p.kill()
        self.err.close()


def score_case(c, a, recs):
    why = []
    got = [t for t in (a.get("trials") or []) if isinstance(t, str)]
    gs, exp, allow = set(got), set(c.get("trials", [])), set(c.get("allow", []))
    text = a.get("answer") or ""
    if not isinstance(text, str):
        text = json.dumps(text)
    if not (exp <= gs <= exp | allow):
        miss, extra = sorted(exp - gs), sorted(gs - exp - allow)
        why.append("trials" + (f" missing {miss}" if miss else "") + (f" extra {extra}" if extra else ""))
    for rx in c.get("answer", []):
        if not re.search(rx, text, re.I):
            why.append(f"answer lacks /{rx}/")
    if c.get("abstain") and not (a.get("abstained") is True or not gs):
        why.append(f"did not abstain (trials {sorted(gs)})")
    for bad in c.get("forbid", []):
        b = bad.lower()
        if b in text.lower() or any(b in t.lower() for t in gs):
            why.append(f"names forbidden {bad!r}")
    cits = [q for q in (a.get("citations") or []) if isinstance(q, dict)]
    for nct in sorted(gs):
        rec = recs.get(nct)
        if rec is None:
            why.append(f"{nct}: no such record")
            continue
        qs = [q.get("quote") or "" for q in cits if q.get("nct_id") == nct]
        if not qs:
            why.append(f"{nct}: no citation")
        elif not any(rec.has(q) for q in qs):
            why.append(f"{nct}: no verbatim cited quote (e.g. {qs[0][:80]!r})")
    return why


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--home", required=True, help="TRIALS_HOME for this run (index lives here)")
    ap.add_argument("--records", required=True, help="records folder (seeds) or .txt listing record paths")
    ap.add_argument(
        "--cli",
        default=".venv/bin/trials",
        help="assistant CLI (default .venv/bin/trials, run from the project root)",
    )
    ap.add_argument("--timeout", type=float, default=900, help="seconds to wait for one answer")
    ap.add_argument("--answers", help="write raw answers here (default HOME/answers_<file>.jsonl)")
    args = ap.parse_args()

    cli = pathlib.Path(args.cli)
    if not cli.exists():
        sys.exit(f"score: {cli} not found (run from the project root after the install)")
    home = pathlib.Path(args.home).resolve()
    env = dict(
        os.environ, TRIALS_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1"
    )
    cases = [
        json.loads(line)
        for line in pathlib.Path(args.file).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    recs = load_records(args.records)
    ensure_index(cli, home, args.records, env)

    ans_path = (
        pathlib.Path(args.answers) if args.answers else home / f"answers_{pathlib.Path(args.file).stem}.jsonl"
    )
    ans_out = open(ans_path, "w", encoding="utf-8")  # noqa: SIM115  (written per case, closed at the end)
    chat = Chat(cli, env, home)
    by_cat: collections.defaultdict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    total = 0
    broken = None
    t_start = time.time()
    for c in cases:
        cat = category(c["id"])
        by_cat[cat][1] += 1
        last = None
        t0 = time.time()
        if broken is None:
            try:
                for turn in c["turns"]:
                    last = None
                    last = chat.ask(turn, args.timeout)
                chat.send("")  # end of conversation
            except Exception as e:  # timeout or process death: the rest cannot be asked
                broken = f"{type(e).__name__}: {e}"
                last = None
        ans_out.write(json.dumps({"id": c["id"], "answer": last}, ensure_ascii=False) + "\n")
        ans_out.flush()
        q = " / ".join(c["turns"])
        q = q if len(q) <= 170 else q[:167] + "..."
        if last is None:
            print(f"FAIL {c['id']} | {q} | no answer ({broken})", flush=True)
            continue
        reasons = score_case(c, last, recs)
        if reasons:
            print(
                f"FAIL {c['id']} | {q} | " + "; ".join(reasons) + f" | got {last.get('trials')}", flush=True
            )
        else:
            by_cat[cat][0] += 1
            total += 1
            print(f"PASS {c['id']} | {q} | {time.time() - t0:.0f}s", flush=True)
    chat.close()
    ans_out.close()
    order = "SQPMX"
    cats = sorted(by_cat, key=lambda k: (order.find(k) if k in order else 99, k))
    print("\nper category: " + "  ".join(f"{k} {by_cat[k][0]}/{by_cat[k][1]}" for k in cats))
    print(
        f"TOTAL {pathlib.Path(args.file).name}: {total}/{len(cases)} pass  "
        f"({time.time() - t_start:.0f}s; answers in {ans_path})"
    )
    if broken:
        print(f"NOTE: chat process problem: {broken}")


if __name__ == "__main__":
    main()
