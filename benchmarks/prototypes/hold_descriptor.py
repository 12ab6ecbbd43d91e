"""A measured and rejected idea (issue 16, eighth round): hold the event loop's engine queue
descriptor back for a moment after a wake-up that brought few of many awaited answers, so that
the next wake-up brings more of them (fewer passes of the event loop per step).

hold_descriptor.patch adds that hold to bindings/python/openenv_swift/_engine.py, read from
OPENENV_SWIFT_HOLD_S (seconds; 0: off, the landed behaviour). This script runs the reference's
async GenericEnvClient under asyncio.gather, K sessions on one server, over the reference's
websockets connection and over the engine with each hold, interleaved, and reports client CPU per
step (each run divided by the reference's run beside it), latency and steps per second.

Run (after scripts/setup.sh and `swift build -c release`):
    git apply benchmarks/prototypes/hold_descriptor.patch
    .venv/bin/python benchmarks/prototypes/hold_descriptor.py [--sizes 16,64] [--holds 0,0.0005,0.002] [--repeats 5]
    git apply -R benchmarks/prototypes/hold_descriptor.patch
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from many_bench import (REFERENCE_CONNECTION, REFERENCE_IMPORTS, REPO, SWIFT_IMPORTS, baseline_environment, cpu_per_step,  # noqa: E402
                        gather_runs_by_size, paired_ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16,64")
    parser.add_argument("--holds", default="0,0.0005,0.002", help="seconds the descriptor is held (0: not held)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=400, help="steps per session at K = 16")
    arguments = parser.parse_args()
    if "OPENENV_SWIFT_HOLD_S" not in (REPO / "bindings" / "python" / "openenv_swift" / "_engine.py").read_text():
        sys.exit("apply the prototype first: git apply benchmarks/prototypes/hold_descriptor.patch")
    engine = baseline_environment(REPO)  # this checkout's package and release build, patched
    clients = {REFERENCE_CONNECTION: (REFERENCE_IMPORTS, None)}
    clients.update({f"engine, held {float(hold) * 1e3:g} ms": (SWIFT_IMPORTS, dict(engine, OPENENV_SWIFT_HOLD_S=hold))
                    for hold in arguments.holds.split(",")})
    sizes = [int(size) for size in arguments.sizes.split(",")]
    for size, runs in gather_runs_by_size(clients, sizes, arguments.rounds, arguments.repeats):
        print(f"\n## K = {size}\n\n| connection | client CPU per step | run by run vs reference: median (lowest to highest) "
              "| p50 latency | p99 latency | steps/s |\n|---|---|---|---|---|---|")
        for name, results in runs.items():
            paired = paired_ratios(results, runs[REFERENCE_CONNECTION])
            median = lambda key: statistics.median(run[key] for run in results)  # noqa: E731
            print(f"| {name} | {statistics.median(map(cpu_per_step, results)):.1f} us | {statistics.median(paired):.2f}x "
                  f"({paired[0]:.2f}x to {paired[-1]:.2f}x) | {median('p50_us'):.0f} us | {median('p99_us'):.0f} us | "
                  f"{median('steps_per_second'):.0f} |")


if __name__ == "__main__":
    main()
