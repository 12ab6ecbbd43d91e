"""Step benchmark: the reference Python client (the installed OpenEnv's EnvClient, awaited and
through its sync wrapper) against openenv_swift (the same package client with the engine as
its connection, awaited and through .sync()), and the plain Swift and C loops, one after another against the same
server in one run. Prints a Markdown report with ratios.

Run: .venv/bin/python benchmarks/step_bench.py [--steps 5000] [--baseline DIR]   (after scripts/setup.sh)
(openenv-core 0.3.0), or .venv-openenv-0.10/bin/python ... for openenv 0.10.0; every client
runs in the interpreter that runs this script. --baseline adds the openenv_swift rows again,
run from another checkout of this repository (built with `swift build -c release`): before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))

# Runs inside a fresh interpreter; {client} builds `env` and `action`.
PYTHON_LOOP = """
import json, resource, time
{client}
step = env.step
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime * 1e6, usage.ru_stime * 1e6
env.reset()
latencies = []
cpu_before, started = cpu(), time.perf_counter()
for _ in range({steps}):
    before = time.perf_counter()
    step(action)
    latencies.append((time.perf_counter() - before) * 1e6)
elapsed, cpu_after = time.perf_counter() - started, cpu()
env.close()
latencies.sort()
print(json.dumps({{"steps": {steps}, "steps_per_second": {steps} / elapsed, "p50_us": latencies[len(latencies) // 2],
                  "p99_us": latencies[int(len(latencies) * 0.99)],
                  "user_us_per_step": (cpu_after[0] - cpu_before[0]) / {steps}, "system_us_per_step": (cpu_after[1] - cpu_before[1]) / {steps}}}))
"""

# The same loop awaited in one event loop; {client} builds `env` (an async client) and `action`.
PYTHON_ASYNC_LOOP = """
import asyncio, json, resource, time
{client}
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime * 1e6, usage.ru_stime * 1e6
async def run():
    async with env:
        step = env.step
        await env.reset()
        latencies = []
        cpu_before, started = cpu(), time.perf_counter()
        for _ in range({steps}):
            before = time.perf_counter()
            await step(action)
            latencies.append((time.perf_counter() - before) * 1e6)
        return latencies, time.perf_counter() - started, cpu_before, cpu()
latencies, elapsed, cpu_before, cpu_after = asyncio.run(run())
latencies.sort()
print(json.dumps({{"steps": {steps}, "steps_per_second": {steps} / elapsed, "p50_us": latencies[len(latencies) // 2],
                  "p99_us": latencies[int(len(latencies) * 0.99)],
                  "user_us_per_step": (cpu_after[0] - cpu_before[0]) / {steps}, "system_us_per_step": (cpu_after[1] - cpu_before[1]) / {steps}}}))
"""

REFERENCE_ASYNC_CLIENT = """
from parrot_env import ParrotAction, ParrotEnv
env = ParrotEnv(base_url={url!r})
action = ParrotAction(message="hello")
"""

SWIFT_ASYNC_CLIENT = """
from openenv_swift import AutoEnv
from parrot_env import ParrotAction
env = AutoEnv.from_env("parrot", base_url={url!r})
action = ParrotAction(message="hello")
"""

REFERENCE_CLIENT = """
from parrot_env import ParrotAction, ParrotEnv
env = ParrotEnv(base_url={url!r}).sync()
env.connect()
action = ParrotAction(message="hello")
"""

# The floor of any ctypes binding: the engine's step call with the action's JSON bytes and the
# answer's bytes, and no Python objects made from either.
BARE_CALL_CLIENT = """
from openenv_swift import _native
class Bare:
    def __init__(self, url):
        self.handle = _native.open_session("openenv_connect", url, {{}})
        self.native_step = _native.session_function("openenv_step")
    def reset(self):
        _native.call_json("openenv_reset", self.handle, "{{}}")
    def step(self, action):
        return self.native_step(self.handle, action)
    def close(self):
        _native.close(self.handle)
env = Bare({url!r})
action = b'{{"message":"hello"}}'
"""

SWIFT_CLIENT = """
from openenv_swift import AutoEnv
from parrot_env import ParrotAction
env = AutoEnv.from_env("parrot", base_url={url!r}).sync()
env.connect()
action = ParrotAction(message="hello")
"""


def measure(command: list[str], environment: Optional[dict] = None) -> dict:
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout of this repository, built (swift build -c release): "
                        "its openenv_swift rows run beside the installed ones")
    arguments = parser.parse_args()
    steps, rounds = arguments.steps, arguments.rounds
    from many_bench import baseline_environment
    from servers import Server

    compiler = shutil.which("cc") or "gcc"
    with tempfile.TemporaryDirectory() as scratch:
        loop = Path(scratch) / "step_loop"
        library = REPO / ".build" / "release"
        subprocess.run([compiler, "-O2", "-I", str(REPO / "include"), str(REPO / "benchmarks" / "step_loop.c"), "-L", str(library),
                        "-lopenenv", f"-Wl,-rpath,{library}", "-o", str(loop)], check=True)
        server = Server("parrot_env.server.app:app")
        try:
            url = server.url
            commands = {
                "reference (EnvClient, sync)": [PYTHON, "-c", PYTHON_LOOP.format(client=REFERENCE_CLIENT.format(url=url), steps=steps)],
                "openenv_swift (Python)": [PYTHON, "-c", PYTHON_LOOP.format(client=SWIFT_CLIENT.format(url=url), steps=steps)],
                "reference, awaited": [PYTHON, "-c", PYTHON_ASYNC_LOOP.format(client=REFERENCE_ASYNC_CLIENT.format(url=url), steps=steps)],
                "openenv_swift, awaited": [PYTHON, "-c", PYTHON_ASYNC_LOOP.format(client=SWIFT_ASYNC_CLIENT.format(url=url), steps=steps)],
                "bare ctypes call (no Python objects)": [PYTHON, "-c", PYTHON_LOOP.format(client=BARE_CALL_CLIENT.format(url=url), steps=steps)],
                "Swift loop (openenv-swift bench)": [str(REPO / ".build" / "release" / "openenv-swift"), "bench", "--base-url", url,
                                                     "--steps", str(steps), "--action", '{"message": "hello"}'],
                "C loop (libopenenv.so)": [str(loop), url, '{"message": "hello"}', str(steps)],
            }
            environments: dict[str, dict] = {}
            if arguments.baseline is not None:
                for name in ["openenv_swift (Python)", "openenv_swift, awaited"]:
                    commands[f"baseline {name}"] = commands[name]
                    environments[f"baseline {name}"] = baseline_environment(arguments.baseline)
            # Rounds interleave the clients, so drift in the machine's speed hits all of them alike.
            samples: dict[str, list[dict]] = {name: [] for name in commands}
            for _ in range(rounds):
                for name, command in commands.items():
                    samples[name].append(measure(command, environments.get(name)))
            rows = {name: {key: statistics.median(sample[key] for sample in runs) for key in runs[0]} for name, runs in samples.items()}
        finally:
            server.stop()
    print(f"# Step benchmark\n\n{steps} steps of ParrotAction(message='hello') against one `openenv init` template server "
          f"(uvicorn, loopback), Python {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}; "
          f"median of {rounds} interleaved rounds.\n")
    print("| client | steps/s | p50 latency | p99 latency | client CPU per step (user + system) |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        total = row["user_us_per_step"] + row["system_us_per_step"]
        print(f"| {name} | {row['steps_per_second']:.0f} | {row['p50_us']:.0f} us | {row['p99_us']:.0f} us | "
              f"{total:.1f} us ({row['user_us_per_step']:.1f} + {row['system_us_per_step']:.1f}) |")
    reference, swift = rows["reference (EnvClient, sync)"], rows["openenv_swift (Python)"]
    total = lambda row: row["user_us_per_step"] + row["system_us_per_step"]
    print(f"\nopenenv_swift .sync() against the reference's sync wrapper: {swift['steps_per_second'] / reference['steps_per_second']:.2f}x the steps/s, "
          f"{total(reference) / total(swift):.1f}x less client CPU per step, "
          f"{reference['user_us_per_step'] / swift['user_us_per_step']:.1f}x less user-space CPU.")
    awaited_reference, awaited_swift = rows["reference, awaited"], rows["openenv_swift, awaited"]
    print(f"openenv_swift awaited against the reference awaited: {awaited_swift['steps_per_second'] / awaited_reference['steps_per_second']:.2f}x "
          f"the steps/s, {total(awaited_reference) / total(awaited_swift):.1f}x less client CPU per step.")
    print("\nEvery client against the reference (steps/s ratio, client CPU ratio):")
    for name, row in rows.items():
        print(f"- {name}: {row['steps_per_second'] / reference['steps_per_second']:.2f}x, {total(reference) / total(row):.1f}x less CPU")


if __name__ == "__main__":
    main()
