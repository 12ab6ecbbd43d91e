"""Idle-session benchmark: what keeping sessions alive costs the client while they idle.

1000 sessions (by default) of the `openenv init` template spread over 4 servers that ping every
client every second (uvicorn `--ws-ping-interval 1 --ws-ping-timeout 1`, so a client that does
not answer within a second loses its session); each client opens them, steps each once, idles
for a while, and steps each once more (every session must still be in its first episode).
Side by side in one run, interleaved:

- the reference: openenv's GenericEnvClient (websockets) under asyncio, the loop idling;
- openenv_swift's GenericEnvClient under asyncio (the engine's event-loop queue), the loop idling;
- openenv_swift's make_vec (the engine's I/O thread), the Python thread sleeping.

Reports the client process's CPU (user + system) over the idle window as a share of one core,
and per ping answered.

Run: .venv/bin/python benchmarks/idle_bench.py [--sessions 1000] [--servers 4] [--seconds 30] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))

COMMON = """
import asyncio, json, resource, time
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
def report(before, after, seconds, alive):
    print(json.dumps({{"cpu_seconds": after - before, "seconds": seconds, "alive": alive}}))
"""

GATHER = COMMON + """
from {module} import GenericEnvClient
async def main():
    urls = {urls!r}
    envs = [GenericEnvClient(base_url=urls[index % len(urls)]) for index in range({sessions})]
    await asyncio.gather(*(env.connect() for env in envs))
    await asyncio.gather(*(env.step({{"message": "before"}}) for env in envs))
    before, started = cpu(), time.monotonic()
    await asyncio.sleep({seconds})
    after, seconds = cpu(), time.monotonic() - started
    results = await asyncio.gather(*(env.step({{"message": "after"}}) for env in envs), return_exceptions=True)
    states = await asyncio.gather(*(env.state() for env in envs), return_exceptions=True)
    alive = sum(1 for state in states if isinstance(state, dict) and state.get("step_count") == 2)
    await asyncio.gather(*(env.close() for env in envs), return_exceptions=True)
    report(before, after, seconds, alive)
asyncio.run(main())
"""

VECTOR = COMMON + """
from openenv_swift import AutoEnv
envs = AutoEnv.make_vec("many", num_envs={sessions}, base_url={urls!r}, skip_install=True)
envs.step([{{"message": "before"}}] * {sessions})
before, started = cpu(), time.monotonic()
time.sleep({seconds})
after, seconds = cpu(), time.monotonic() - started
alive = 0
try:
    envs.step([{{"message": "after"}}] * {sessions})
    alive = sum(1 for state in envs.state() if state["step_count"] == 2)
except Exception as error:
    alive = sum(1 for result in getattr(error, "results", []) if result is not None)
envs.close()
report(before, after, seconds, alive)
"""

CLIENTS = {
    "reference: GenericEnvClient (websockets), asyncio idling": ("gather", "openenv.core"),
    "openenv_swift: GenericEnvClient, asyncio idling": ("gather", "openenv_swift"),
    "openenv_swift: make_vec, thread sleeping": ("vector", None),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--servers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the sessions idle")
    parser.add_argument("--repeats", type=int, default=2)
    arguments = parser.parse_args()
    from servers import Server, many_env_source, template_maker

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))  # the clients and servers inherit it
    per_server = -(-arguments.sessions // arguments.servers)
    samples: dict[str, list[dict]] = {name: [] for name in CLIENTS}
    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "templates").mkdir()
        source = many_env_source(template_maker(Path(scratch) / "templates"))
        servers = [Server("many_env.server.app:app", source, env={"MAX_ENVS": str(per_server + 10)},
                          extra_arguments=["--ws-ping-interval", "1", "--ws-ping-timeout", "1", "--log-level", "warning"])
                   for _ in range(arguments.servers)]
        try:
            urls = [server.url for server in servers]
            for _ in range(arguments.repeats):
                for name, (kind, module) in CLIENTS.items():
                    template = GATHER if kind == "gather" else VECTOR
                    script = template.format(module=module, urls=urls, sessions=arguments.sessions, seconds=arguments.seconds)
                    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
                    samples[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            for server in servers:
                server.stop()

    pings = arguments.sessions  # each server pings each of its clients once a second
    print(f"# Idle-session benchmark\n\n{arguments.sessions} sessions over {arguments.servers} servers pinging every client every "
          f"second, idle {arguments.seconds:.0f} s; Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d')}; median of {arguments.repeats} interleaved runs.\n")
    print("| client | client CPU while idle (share of one core) | CPU per ping answered | sessions alive after | vs reference |")
    print("|---|---|---|---|---|")
    reference = None
    for name, runs in samples.items():
        share = statistics.median(run["cpu_seconds"] / run["seconds"] for run in runs)
        reference = reference if reference is not None else share
        alive = min(run["alive"] for run in runs)
        print(f"| {name} | {share * 100:.2f} % | {share * 1e6 / pings:.1f} us | {alive} of {arguments.sessions} | {share / reference:.2f}x |")


if __name__ == "__main__":
    main()
