"""`make bench`: runs every `benchmarks/bench_*.py` in turn and prints their figures.

Speed and memory targets live here, never in timed tests. Each script prints its own table and may
write JSON under `benchmarks/results/` (ignored by git).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.name}", flush=True)
        failures += subprocess.call([sys.executable, str(script)], cwd=HERE.parent) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
