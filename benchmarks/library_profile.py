"""Where the client's CPU per step goes, library by library: `perf record` of the client process
while it steps (and only then), its samples summed per shared object, for the reference's
async GenericEnvClient under asyncio.gather, K sessions on one `openenv init` template server,
over three connections interleaved in one run: websockets (the reference), the engine
(openenv_swift) and the raw socket of transport_floor.py (the least a connection doing its I/O on
the event loop's thread could cost). Each library's share times the run's CPU per step gives its
microseconds per step; what the engine's connection costs beyond the raw socket's shows as
libopenenv, the Swift runtime and ctypes.

Needs `perf` (linux-perf) and permission to record the client (root, or
kernel.perf_event_paranoid <= 1). The engine is the installed package's library unless
OPENENV_SWIFT_LIB names another (a build with symbols, for `perf report` by function).

Run: .venv/bin/python benchmarks/library_profile.py [--sizes 16] [--rounds 800] [--repeats 3]   (after scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_bench import GATHER_STEPS, PYTHON, REFERENCE_CONNECTION, REFERENCE_IMPORTS, SWIFT_IMPORTS, many_env_server, steps_per_session  # noqa: E402
from transport_floor import RAW_SOCKET  # noqa: E402

# Stands in for many_bench's measuring prelude: the first cpu() (before the steps) starts
# `perf record` on this process, the second (after them) stops it; report() prints CPU per step.
RECORDED = """
import asyncio, json, os, resource, signal, subprocess, time
RECORDER = []
def cpu():
    if not RECORDER:
        RECORDER.append(subprocess.Popen(["perf", "record", "-q", "-F", "2000", "-p", str(os.getpid()), "-o", {output!r}],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)  # perf attaches before the first step
    else:
        RECORDER[0].send_signal(signal.SIGINT)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime * 1e6, usage.ru_stime * 1e6
def report(steps, elapsed, latencies, before, after):
    RECORDER[0].wait()
    print(json.dumps({{"cpu_us_per_step": (after[0] - before[0] + after[1] - before[1]) / steps}}))
"""

SHARE = re.compile(r"^\s+([0-9.]+)%\s+(\S+)")


def shares(recording: Path) -> dict[str, float]:
    """Each shared object's share of a recording's samples (0 to 1)."""
    text = subprocess.run(["perf", "report", "-i", str(recording), "--stdio", "--no-children", "--sort", "dso", "-g", "none"],
                          check=True, capture_output=True, text=True).stdout
    return {match.group(2): float(match.group(1)) / 100 for match in map(SHARE.match, text.splitlines()) if match}


def library_group(name: str) -> str:
    """The row a shared object is counted in."""
    if name.startswith("libpython"):
        return "Python interpreter"
    if name == "[kernel.kallsyms]":
        return "kernel"
    if name.startswith(("libc.so", "ld-linux")):
        return "C library"
    if name == "libopenenv.so" or name.startswith("libswift") or name.startswith("libdispatch"):
        return "engine (libopenenv, Swift runtime)"
    if name.startswith(("_ctypes", "libffi")):
        return "ctypes"
    return "other extension modules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16")
    parser.add_argument("--rounds", type=int, default=800, help="steps per session at K = 16 (fewer for larger K)")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    imports = {REFERENCE_CONNECTION: REFERENCE_IMPORTS, "openenv_swift (the engine)": SWIFT_IMPORTS,
               "raw socket on the event loop": RAW_SOCKET}
    with many_env_server(max(sizes)) as server, tempfile.TemporaryDirectory() as scratch:
        recording = Path(scratch) / "perf.data"
        for size in sizes:
            rounds = steps_per_session(arguments.rounds, size)
            per_step: dict[str, dict[str, list[float]]] = {name: defaultdict(list) for name in imports}
            for _ in range(arguments.repeats):  # interleaved, so drift hits every client alike
                for name, connection in imports.items():
                    script = RECORDED.format(output=str(recording)) + GATHER_STEPS.format(imports=connection, urls=[server.url],
                                                                                         sessions=size, rounds=rounds)
                    cpu = json.loads(subprocess.run([PYTHON, "-c", script], check=True, capture_output=True, text=True).stdout)["cpu_us_per_step"]
                    grouped: dict[str, float] = defaultdict(float)
                    for library, share in shares(recording).items():
                        grouped[library_group(library)] += share
                    per_step[name]["total"].append(cpu)
                    for group, share in grouped.items():
                        per_step[name][group].append(share * cpu)
            groups = sorted({group for rows in per_step.values() for group in rows if group != "total"},
                            key=lambda group: -statistics.median(per_step[REFERENCE_CONNECTION].get(group) or [0.0]))
            print(f"\n## K = {size}\n\nClient CPU per step, median of {arguments.repeats} interleaved runs, split by where "
                  f"`perf` found it (us per step).\n\n| | {' | '.join(imports)} |\n|---|{'---|' * len(imports)}")
            for group in ["total", *groups]:
                cells = [f"{statistics.median(per_step[name].get(group) or [0.0]):.1f}" for name in imports]
                print(f"| {group} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
