"""A measured prototype (issue 16, ninth round): what the awaited path would cost if its two hot
crossings, submit and drain, were a CPython extension instead of ctypes; and, beside it, the
leanest drains that ctypes allows.

The binding is a ctypes binding by the house rules; the eighth round estimated that a native
crossing is the largest lever left for the K = 16 target (0.6x of the reference's client CPU
per step). This script measures it instead of estimating: it builds _native_completions.c with
the system's C compiler and runs the reference's async GenericEnvClient under asyncio.gather, K
sessions on one server, interleaved, over:

- websockets (the reference);
- the engine as landed (ctypes);
- the engine with each chosen variant of crossing_variants.py under its AsyncEngine (native,
  native-drain, lean-drain, packed-drain; see there), the library and all else the same;
- the raw socket on the event loop (transport_floor.py's), the floor of any connection doing
  its I/O through asyncio.

Run (after scripts/setup.sh and `swift build -c release`; for packed-drain, first
`git apply benchmarks/prototypes/native_completions/packed_drain.patch` and build, and
`git apply -R` it after):
    .venv/bin/python benchmarks/prototypes/native_completions/native_completions.py [--sizes 16,64] [--repeats 7]
        [--variants native,native-drain]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from many_bench import (REFERENCE_CONNECTION, REFERENCE_IMPORTS, REPO, SWIFT_IMPORTS, baseline_environment, cpu_per_step,  # noqa: E402
                        gather_runs_by_size, paired_ratios)
from transport_floor import RAW_SOCKET  # noqa: E402

ENGINE = "openenv_swift (ctypes, as landed)"
RAW = "raw socket on the event loop"
#: The row of each variant of crossing_variants.py.
VARIANTS = {"native": "openenv_swift, submit and drain native", "native-drain": "openenv_swift, drain native (submit through ctypes)",
            "lean-drain": "openenv_swift, leanest ctypes drain", "packed-drain": "openenv_swift, ctypes drain of packed answers"}


def build_extension(into: Path) -> None:
    """Compiles the extension into `into`."""
    output = into / f"_native_completions{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    f"-I{sysconfig.get_paths()['include']}", str(HERE / "_native_completions.c"), "-o", str(output)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16,64")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=400, help="steps per session at K = 16")
    parser.add_argument("--variants", default="native,native-drain", help=f"of {', '.join(VARIANTS)}")
    arguments = parser.parse_args()
    variants = arguments.variants.split(",")
    if unknown := [variant for variant in variants if variant not in VARIANTS]:
        sys.exit(f"unknown variants {unknown}; pass some of {', '.join(VARIANTS)}")
    engine = baseline_environment(REPO)  # this checkout's package and release build, for every engine row
    if "packed-drain" in variants and not hasattr(ctypes.CDLL(engine["OPENENV_SWIFT_LIB"]), "openenv_collect_texts"):
        sys.exit("packed-drain needs openenv_collect_texts: git apply benchmarks/prototypes/native_completions/packed_drain.patch, "
                 "then swift build -c release")
    with tempfile.TemporaryDirectory() as scratch:
        build_extension(Path(scratch))
        prototype = dict(engine, PYTHONPATH=os.pathsep.join([scratch, str(HERE), engine["PYTHONPATH"]]))
        clients = {REFERENCE_CONNECTION: (REFERENCE_IMPORTS, None), ENGINE: (SWIFT_IMPORTS, engine)}
        clients.update({VARIANTS[variant]: ("import crossing_variants\n" + SWIFT_IMPORTS, dict(prototype, OPENENV_PROTOTYPE=variant))
                        for variant in variants})
        clients[RAW] = (RAW_SOCKET, None)
        sizes = [int(size) for size in arguments.sizes.split(",")]
        for size, runs in gather_runs_by_size(clients, sizes, arguments.rounds, arguments.repeats):
            print(f"\n## K = {size}\n\n| connection | client CPU per step | vs reference: CPU | run by run vs reference: "
                  "median (lowest to highest) | p50 latency | steps/s |\n|---|---|---|---|---|---|")
            reference_cpu = statistics.median(map(cpu_per_step, runs[REFERENCE_CONNECTION]))
            for name, results in runs.items():
                paired = paired_ratios(results, runs[REFERENCE_CONNECTION])
                cpu = statistics.median(map(cpu_per_step, results))
                median = lambda key: statistics.median(run[key] for run in results)  # noqa: E731
                print(f"| {name} | {cpu:.1f} us | {cpu / reference_cpu:.2f}x | {statistics.median(paired):.2f}x "
                      f"({paired[0]:.2f}x to {paired[-1]:.2f}x) | {median('p50_us'):.0f} us | {median('steps_per_second'):.0f} |",
                      flush=True)


if __name__ == "__main__":
    main()
