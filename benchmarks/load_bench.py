"""What shipping costs and saves: sizes, and the time to load libopenenv.so in a fresh process.

Libraries compared, loaded in interleaved rounds (one fresh Python process per load, timing
`ctypes.CDLL` alone):
- shipped: the wheel's library (scripts/build_library.sh: Swift runtime linked in, stripped);
- development: `swift build -c release` (.build/release), the Swift runtime loaded from the
  toolchain;
- before (optional, `--before PATH`): a library built from an earlier commit, such as the last
  one that still linked Foundation (03f9b7c).

Run: .venv/bin/python benchmarks/load_bench.py [--before PATH] [--rounds N]   (after scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

REPO = Path(__file__).resolve().parents[1]
PYTHON = str(REPO / ".venv" / "bin" / "python")
LOAD = "import ctypes, sys, time\nstart = time.perf_counter()\nctypes.CDLL(sys.argv[1])\nprint(time.perf_counter() - start)"


def load_seconds(path: Path) -> float:
    return float(subprocess.run([PYTHON, "-c", LOAD, str(path)], check=True, capture_output=True, text=True).stdout)


def dependencies(path: Path) -> int:
    """How many shared libraries the loader maps for ``path`` (ldd's lines but the vDSO)."""
    lines = subprocess.run(["ldd", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    return sum(1 for line in lines if "vdso" not in line)


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a libopenenv.so built from an earlier commit")
    parser.add_argument("--rounds", type=int, default=30)
    arguments = parser.parse_args()

    shipped = Path(subprocess.run(["bash", str(REPO / "scripts" / "build_library.sh")], check=True, capture_output=True, text=True).stdout.strip())
    libraries: Dict[str, Path] = {"shipped (wheel)": shipped, "development (.build/release)": REPO / ".build" / "release" / "libopenenv.so"}
    if arguments.before:
        libraries[f"before ({arguments.before})"] = arguments.before
    wheels = sorted((REPO / ".work" / "wheel").glob("swift_openenv-*.whl"))
    if not wheels:
        sys.exit("run scripts/setup.sh first: it builds the wheel this benchmark measures")

    times: Dict[str, List[float]] = {label: [] for label in libraries}
    for _ in range(arguments.rounds):
        for label, path in libraries.items():
            times[label].append(load_seconds(path))

    print(f"# Load benchmark\n\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, "
          f"{arguments.rounds} interleaved rounds, one fresh process per load.\n")
    print(f"Wheel: {wheels[-1].name}, {megabytes(wheels[-1].stat().st_size)}.\n")
    print("| library | size | shared libraries mapped | dlopen, median | dlopen, min |")
    print("|---|---|---|---|---|")
    for label, path in libraries.items():
        print(f"| {label} | {megabytes(path.stat().st_size)} | {dependencies(path)} | "
              f"{statistics.median(times[label]) * 1e3:.2f} ms | {min(times[label]) * 1e3:.2f} ms |")
    base = statistics.median(times["shipped (wheel)"])
    print("\nRatio (other / shipped, median dlopen): " + ", ".join(
        f"{label} {statistics.median(values) / base:.1f}x" for label, values in times.items() if label != "shipped (wheel)"))


if __name__ == "__main__":
    main()
