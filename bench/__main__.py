"""`python -m bench`: run every benchmark module in bench/ (any `*_bench.py` with `run() -> list[str]`).

Adding a benchmark is adding a file: each module's `run()` returns the lines it wants printed.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

# Offline, like the CLI: set before any ML library is imported by a benchmark.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
}.items():
    os.environ.setdefault(_name, _value)


def benchmark_modules() -> list[str]:
    folder = Path(__file__).resolve().parent
    return sorted(f"bench.{m.name}" for m in pkgutil.iter_modules([str(folder)]) if m.name.endswith("_bench"))


def main(selected: list[str]) -> int:
    """Run all benchmarks, or those whose module name contains one of `selected`."""
    names = [n for n in benchmark_modules() if not selected or any(s in n for s in selected)]
    for name in names:
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        for line in importlib.import_module(name).run():
            print(f"  {line}", flush=True)
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0 if names else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
