"""Where the blind development sets live, whether CI is on, and the gate over the dev suites.

The sets are not part of the project: they sit beside it in ``../shared/evals/`` (resolved from
the repository root, not the working directory), or wherever ``TRIALS_DEV_EVALS`` points (a
relative value is taken from the repository root too). When they are absent the dev suites are
skipped and the report says so; under CI (the ``CI`` variable set, as CI services do) a skipped
dev suite fails the gate, so a CI run can never pass without them.

Thresholds (evals/thresholds.json):
- ``seeds_dev_matching``: ``verdicts`` -> ``unsafe_max`` / ``over_excluded_max`` in matching answers,
- ``seeds_dev``: scope ``D-S``/``D-Q``/``D-P``/``D-M``/``D-X``/``overall`` -> ``{"passed": n}``,
  the least number of passing conversations.
- ``ctgov_criteria_dev``: scope = question key (``ecog2``, ``brain_mets``, ``platelets_75``...) ->
  ``{"precision": p, "recall": r}`` minima.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV_ENV = "TRIALS_DEV_EVALS"
DEFAULT_DEV_DIR = REPO.parent / "shared" / "evals"
SEEDS_DEV_FILE = "seeds_blind_dev.jsonl"
CTGOV_DEV_FILE = "ctgov_criteria_dev.json"
# The classic-XML records the CT.gov labels are for, relative to the dev folder (its README).
CTGOV_DEV_RECORDS = Path("..") / "data" / "ctgov" / "xml_classic_1000"
SEEDS_DEV = "seeds_dev"
SEEDS_DEV_MATCHING = "seeds_dev_matching"  # unsafe verdicts and over-exclusions in matching answers
CTGOV_DEV = "ctgov_criteria_dev"
DEV_SUITES = (SEEDS_DEV, CTGOV_DEV)
OVERALL = "overall"

Thresholds = dict[str, dict[str, dict[str, float]]]


def dev_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder holding the blind dev sets: $TRIALS_DEV_EVALS, else ../shared/evals."""
    env = os.environ if environ is None else environ
    given = env.get(DEV_ENV, "").strip()
    if not given:
        return DEFAULT_DEV_DIR
    path = Path(given).expanduser()
    return path if path.is_absolute() else REPO / path


@dataclass
class DevSets:
    """What of the dev folder is present: the files to score, and why a missing suite is skipped."""

    seeds: Path | None = None  # seeds_blind_dev.jsonl
    ctgov_labels: Path | None = None  # ctgov_criteria_dev.json
    ctgov_records: Path | None = None  # the classic-XML folder the labels are for
    skipped: dict[str, str] = field(default_factory=dict)  # suite -> reason


def locate_dev_sets(folder: Path) -> DevSets:
    found = DevSets()
    seeds = folder / SEEDS_DEV_FILE
    if seeds.is_file():
        found.seeds = seeds
    else:
        found.skipped[SEEDS_DEV] = _missing(seeds)
    labels, records = folder / CTGOV_DEV_FILE, (folder / CTGOV_DEV_RECORDS).resolve()
    if not labels.is_file():
        found.skipped[CTGOV_DEV] = _missing(labels)
    elif not records.is_dir():
        found.skipped[CTGOV_DEV] = _missing(records)
    else:
        found.ctgov_labels, found.ctgov_records = labels, records
    return found


def _missing(path: Path) -> str:
    return (
        f"{path} not found (the blind dev sets live in ../shared/evals beside the project; "
        f"set {DEV_ENV} to their folder)"
    )


def ci_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when the CI variable is set to anything but an explicit no (``false``, ``0``, ``no``)."""
    env = os.environ if environ is None else environ
    value = env.get("CI", "").strip().lower()
    return value not in ("", "0", "false", "no")


def check_dev_gate(
    seeds_passed: Mapping[str, tuple[int, int]] | None,
    ctgov_scores: Mapping[str, tuple[float, float]] | None,
    skipped: Mapping[str, str],
    thresholds: Thresholds,
    ci: bool,
    verdict_errors: tuple[int, int] | None = None,
) -> list[str]:
    """One message per dev threshold not met, and one per dev suite skipped under CI.

    `seeds_passed`: scope -> (passed, cases), with "overall"; `ctgov_scores`: question key ->
    (precision, recall); None for a suite that did not run, whose reason is in `skipped`.
    """
    failures: list[str] = []
    for suite, ran in ((SEEDS_DEV, seeds_passed is not None), (CTGOV_DEV, ctgov_scores is not None)):
        if not ran:
            reason = skipped.get(suite, "not run")
            if ci:
                failures.append(f"{suite}: SKIPPED under CI ({reason}); the dev suites must run in CI")
    if verdict_errors is not None:
        maxima = thresholds.get(SEEDS_DEV_MATCHING, {}).get("verdicts", {})
        for metric, count in zip(("unsafe_max", "over_excluded_max"), verdict_errors, strict=True):
            if metric in maxima and count > maxima[metric]:
                failures.append(
                    f"{SEEDS_DEV_MATCHING} {metric}: {count}, above the maximum {maxima[metric]:g}"
                )
    if seeds_passed is not None:
        for scope, bounds in thresholds.get(SEEDS_DEV, {}).items():
            if scope not in seeds_passed:
                failures.append(f"{SEEDS_DEV}/{scope}: no cases in this category")
                continue
            passed, cases = seeds_passed[scope]
            for metric, bound in bounds.items():
                if metric != "passed":
                    failures.append(f"{SEEDS_DEV}/{scope}: unknown metric {metric!r} in thresholds")
                elif passed < bound:
                    shown = f"passed {passed}/{cases}, below the minimum {bound:g}"
                    failures.append(f"{SEEDS_DEV}/{scope} {shown}")
    if ctgov_scores is not None:
        for scope, bounds in thresholds.get(CTGOV_DEV, {}).items():
            if scope not in ctgov_scores:
                failures.append(f"{CTGOV_DEV}/{scope}: no such question was scored")
                continue
            precision, recall = ctgov_scores[scope]
            for metric, bound in bounds.items():
                actual = {"precision": precision, "recall": recall}.get(metric)
                if actual is None:
                    failures.append(f"{CTGOV_DEV}/{scope}: unknown metric {metric!r} in thresholds")
                elif actual < bound:
                    failures.append(f"{CTGOV_DEV}/{scope} {metric} = {actual:.3f}, below the minimum {bound}")
    return failures
