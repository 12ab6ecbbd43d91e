"""Fleet benchmark: 256 sessions over 4 servers of the `openenv init` template (64 sessions
each), side by side in one run:

- the time to start the fleet (4 servers and 256 open sessions): `make_vec(provider=...,
  num_servers=4)` against the reference's way, the same 4 servers started in parallel through
  the same provider class and 256 `GenericEnvClient`s connected under `asyncio.gather`;
- stepping it: the reference's async clients under gather, openenv_swift's async clients under
  gather, and `make_vec(...).step`; steps/s and client CPU per step (many_bench's rows).

The provider is the tests' `TemplateRuntime`, a RuntimeProvider as openenv defines one that
runs the template with uvicorn on this machine.

Run: .venv/bin/python benchmarks/fleet_bench.py [--sessions 256] [--servers 4] [--rounds 20] [--repeats 3]   (after scripts/setup.sh)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "bindings" / "python" / "tests"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(REPO / "benchmarks"))

from many_bench import GATHER, PYTHON, REFERENCE_IMPORTS, SWIFT_IMPORTS, VECTOR, measure  # noqa: E402

ENGINE_START = """
import json, sys, time
sys.path.insert(0, {tests!r})
from servers import TemplateRuntime
from openenv_swift import AutoEnv
started = time.perf_counter()
envs = AutoEnv.make_vec("many", num_envs={sessions}, provider=lambda: TemplateRuntime({folder!r}), num_servers={servers},
                        env_vars={{"MAX_ENVS": "{per_server}"}}, skip_install=True)
elapsed = time.perf_counter() - started
envs.close()
print(json.dumps({{"seconds": elapsed}}))
"""

REFERENCE_START = """
import asyncio, json, sys, time
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, {tests!r})
from servers import TemplateRuntime
from openenv.core import GenericEnvClient
started = time.perf_counter()
runtimes = [TemplateRuntime({folder!r}) for _ in range({servers})]
with ThreadPoolExecutor({servers}) as pool:
    urls = list(pool.map(lambda runtime: runtime.start(env_vars={{"MAX_ENVS": "{per_server}"}}), runtimes))
async def main():
    envs = [GenericEnvClient(base_url=urls[index % len(urls)]) for index in range({sessions})]
    await asyncio.gather(*(env.connect() for env in envs))
    elapsed = time.perf_counter() - started
    await asyncio.gather(*(env.close() for env in envs))
    return elapsed
elapsed = asyncio.run(main())
for runtime in runtimes:
    runtime.stop()
print(json.dumps({{"seconds": elapsed}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=256)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=20, help="steps per session")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    from servers import TemplateRuntime, many_env_source, template_maker

    per_server = -(-arguments.sessions // arguments.servers)
    with tempfile.TemporaryDirectory() as scratch:
        folder = str(many_env_source(template_maker(Path(scratch))))
        shape = dict(tests=str(TESTS), folder=folder, sessions=arguments.sessions, servers=arguments.servers, per_server=per_server)
        starts: dict[str, list[float]] = {"reference": [], "openenv_swift": []}
        for _ in range(arguments.repeats):
            for label, script in (("reference", REFERENCE_START), ("openenv_swift", ENGINE_START)):
                result = subprocess.run([PYTHON, "-c", script.format(**shape)], check=True, capture_output=True, text=True)
                starts[label].append(json.loads(result.stdout)["seconds"])
        runtimes = [TemplateRuntime(folder) for _ in range(arguments.servers)]
        urls = [runtime.start(env_vars={"MAX_ENVS": str(per_server)}) for runtime in runtimes]
        try:
            pids = [runtime.server.process.pid for runtime in runtimes]
            commands = {
                "reference, async clients under gather": GATHER.format(imports=REFERENCE_IMPORTS, urls=urls, sessions=arguments.sessions, rounds=arguments.rounds),
                "openenv_swift, async clients under gather": GATHER.format(imports=SWIFT_IMPORTS, urls=urls, sessions=arguments.sessions, rounds=arguments.rounds),
                "openenv_swift, make_vec(...).step": VECTOR.format(urls=urls, sessions=arguments.sessions, rounds=arguments.rounds),
            }
            samples: dict[str, list[dict]] = {name: [] for name in commands}
            for _ in range(arguments.repeats):  # interleaved, so drift hits every client alike
                for name, script in commands.items():
                    samples[name].append(measure([PYTHON, "-c", script], pids))
        finally:
            for runtime in runtimes:
                runtime.stop()

    rows = {name: {key: statistics.median(run[key] for run in runs) for key in runs[0]} for name, runs in samples.items()}
    total = lambda row: row["user_us_per_step"] + row["system_us_per_step"]  # noqa: E731
    reference = rows["reference, async clients under gather"]
    print(f"# Fleet benchmark\n\n{arguments.sessions} sessions over {arguments.servers} servers of the `openenv init` template "
          f"({per_server} sessions each), {arguments.rounds} steps per session; Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}; median of {arguments.repeats} interleaved runs.\n")
    print("| starting the fleet (servers and sessions) | seconds | vs reference |\n|---|---|---|")
    first = statistics.median(starts["reference"])
    for label, times in starts.items():
        print(f"| {label} | {statistics.median(times):.2f} s | {statistics.median(times) / first:.2f}x |")
    print("\n| client | steps/s | client CPU per step (user + system) | vs reference: steps/s, CPU |\n|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['steps_per_second']:.0f} | {total(row):.1f} us ({row['user_us_per_step']:.1f} + {row['system_us_per_step']:.1f}) | "
              f"{row['steps_per_second'] / reference['steps_per_second']:.2f}x, {total(row) / total(reference):.2f}x |")


if __name__ == "__main__":
    main()
