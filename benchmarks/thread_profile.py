"""Where the client's CPU per step goes, thread by thread: CPU (from schedstat, in nanoseconds; the
kernel's part from stat, in clock ticks) and sleeps (voluntary context switches, each a wake-up
paid later) per step of each thread of the client process, for
the reference's async clients under asyncio.gather, openenv_swift's, and make_vec(...).step, K
sessions on one `openenv init` template server, interleaved in one run. From
/proc/self/task/*/schedstat, stat and status, read around the steps that many_bench.py measures
(its client scripts, with this measure in place of its own).

Run: .venv/bin/python benchmarks/thread_profile.py [--sizes 16,64] [--rounds 1000] [--repeats 3] [--baseline DIR]   (after scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from many_bench import GATHER_STEPS, PYTHON, REFERENCE_IMPORTS, SWIFT_IMPORTS, VECTOR_STEPS, baseline_environment, many_env_server, steps_per_session  # noqa: E402

# Stands in for many_bench's measuring prelude: cpu() snapshots each thread's CPU (schedstat,
# ns), kernel time (stat, ticks) and sleeps; report() prints them per step, by thread name
# (threads of one name summed).
THREADS = r"""
import asyncio, json, os, re, time
def cpu():
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for task in os.listdir("/proc/self/task"):
        stat = open(f"/proc/self/task/{task}/stat").read()
        name, fields = stat.split("(", 1)[1].rsplit(")", 1)[0], stat.rsplit(")", 1)[1].split()
        sleeps = int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", open(f"/proc/self/task/{task}/status").read()).group(1))
        on_cpu = int(open(f"/proc/self/task/{task}/schedstat").read().split()[0]) / 1e3
        out[task] = (name, on_cpu, int(fields[12]) * 1e6 / tick, sleeps)
    return out
def report(steps, elapsed, latencies, before, after):
    rows = {}
    for task, (name, on_cpu, system, sleeps) in after.items():
        start = before.get(task, (name, 0.0, 0.0, 0))
        row = rows.setdefault(name, [0.0, 0.0, 0.0])
        row[0] += (on_cpu - start[1]) / steps; row[1] += (system - start[2]) / steps; row[2] += (sleeps - start[3]) / steps
    print(json.dumps({name: row for name, row in rows.items() if row[0] > 0.2}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="16,64")
    parser.add_argument("--rounds", type=int, default=1000, help="measured steps per session at K = 16 (fewer for larger K)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout of this repository, built (swift build -c release): "
                        "its Python package and library run as extra rows, interleaved, for before/after figures")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    with many_env_server(max(sizes)) as server:
        tables = {}
        for size in sizes:
            rounds = steps_per_session(arguments.rounds, size)
            urls = [server.url]
            scripts = {"reference, async clients under gather": THREADS + GATHER_STEPS.format(imports=REFERENCE_IMPORTS, urls=urls, sessions=size, rounds=rounds),
                       "openenv_swift, async clients under gather": THREADS + GATHER_STEPS.format(imports=SWIFT_IMPORTS, urls=urls, sessions=size, rounds=rounds),
                       "openenv_swift, make_vec(...).step": THREADS + VECTOR_STEPS.format(urls=urls, sessions=size, rounds=rounds)}
            environments: dict = {}
            if arguments.baseline is not None:
                for name in [name for name in scripts if name.startswith("openenv_swift")]:
                    scripts[f"baseline {name}"] = scripts[name]
                    environments[f"baseline {name}"] = baseline_environment(arguments.baseline)
            samples: dict = defaultdict(lambda: defaultdict(list))
            for _ in range(arguments.repeats):  # interleaved, so drift hits every client alike
                for name, script in scripts.items():
                    measured = json.loads(subprocess.run([PYTHON, "-c", script], check=True, capture_output=True, text=True,
                                                         env=environments.get(name)).stdout)
                    for thread, row in measured.items():
                        samples[name][thread].append(row)
            tables[size] = {name: {thread: [statistics.median(column) for column in zip(*rows)] for thread, rows in threads.items()}
                            for name, threads in samples.items()}

    print(f"# Client threads per step\n\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; "
          f"median of {arguments.repeats} interleaved runs. Sleeps: voluntary context switches per step.\n")
    for size, table in tables.items():
        print(f"\n## K = {size}\n\n| client | thread | CPU per step | of it in the kernel | sleeps per step |\n|---|---|---|---|---|")
        for name, threads in table.items():
            for thread, (on_cpu, system, sleeps) in sorted(threads.items(), key=lambda item: -item[1][0]):
                print(f"| {name} | {thread} | {on_cpu:.1f} us | {system:.1f} us | {sleeps:.2f} |")
            total = [sum(column) for column in zip(*threads.values())]
            print(f"| {name} | all | {total[0]:.1f} us | {total[1]:.1f} us | {total[2]:.2f} |")


if __name__ == "__main__":
    main()
