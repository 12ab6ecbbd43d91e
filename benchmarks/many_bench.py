"""Many-session benchmark: K sessions, each running its own episode, against one `openenv init`
template server that allows many sessions (max_concurrent_envs), side by side in one run:

- the reference's async GenericEnvClient (openenv-core) under asyncio.gather;
- openenv_swift's async GenericEnvClient under asyncio.gather (engine completions);
- openenv_swift's AutoEnv.make_vec(...).step (one engine batch per round);
- the C call, openenv_run_batch (benchmarks/batch_loop.c).

For each: aggregate steps/s, client CPU per step (user + system), p50/p99 latency of one step
(for the batch rows, of one round, which is a step of every session), and how much of a core
the server and the client took. Then the memory per open session and the time to open 1000.

Run: .venv/bin/python benchmarks/many_bench.py [--rounds 200] [--sizes 1,16,64,256] [--servers 1] [--baseline DIR]   (after scripts/setup.sh)

With --servers N the sessions are spread over N servers of the same environment (round-robin),
so that the machine's cores, not one server process, bound the steps/s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
PYTHON = str(REPO / ".venv" / "bin" / "python")
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))

# What the client scripts below measure with: cpu() before and after the steps, then report().
COMMON = """
import asyncio, json, resource, time
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime * 1e6, usage.ru_stime * 1e6
def report(steps, elapsed, latencies, before, after):
    latencies.sort()
    print(json.dumps({{"steps": steps, "steps_per_second": steps / elapsed, "p50_us": latencies[len(latencies) // 2],
                      "p99_us": latencies[int(len(latencies) * 0.99)], "user_us_per_step": (after[0] - before[0]) / steps,
                      "system_us_per_step": (after[1] - before[1]) / steps}}))
"""

# K async clients, each awaiting its own episode of ROUNDS steps, all under one gather.
GATHER_STEPS = """
{imports}
async def episode(env, latencies):
    for _ in range({rounds}):
        started = time.perf_counter()
        await env.step({{"message": "hello"}})
        latencies.append((time.perf_counter() - started) * 1e6)
async def main():
    urls = {urls!r}
    envs = [GenericEnvClient(base_url=urls[index % len(urls)]) for index in range({sessions})]
    await asyncio.gather(*(env.connect() for env in envs))
    await asyncio.gather(*(env.reset() for env in envs))
    latencies = []
    before, started = cpu(), time.perf_counter()
    await asyncio.gather(*(episode(env, latencies) for env in envs))
    elapsed, after = time.perf_counter() - started, cpu()
    await asyncio.gather(*(env.close() for env in envs))
    report({rounds} * {sessions}, elapsed, latencies, before, after)
asyncio.run(main())
"""

VECTOR_STEPS = """
from openenv_swift import AutoEnv
envs = AutoEnv.make_vec("many", num_envs={sessions}, base_url={urls!r}, skip_install=True)
envs.reset()
actions = [{{"message": "hello"}}] * {sessions}
latencies = []
before, started = cpu(), time.perf_counter()
for _ in range({rounds}):
    round_started = time.perf_counter()
    envs.step(actions)
    latencies.append((time.perf_counter() - round_started) * 1e6)
elapsed, after = time.perf_counter() - started, cpu()
envs.close()
report({rounds} * {sessions}, elapsed, latencies, before, after)
"""

GATHER = COMMON + GATHER_STEPS
VECTOR = COMMON + VECTOR_STEPS

# Opens COUNT sessions at once and reports the time and the resident memory each costs.
OPEN_MANY = """
import asyncio, json, time
{imports}
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
async def main():
    envs = [GenericEnvClient(base_url={url!r}) for _ in range({count})]
    await asyncio.gather(*(envs[index].connect() for index in range(1)))  # load everything once
    before, started = rss_kib(), time.perf_counter()
    await asyncio.gather(*(env.connect() for env in envs[1:]))
    elapsed, after = time.perf_counter() - started, rss_kib()
    await asyncio.gather(*(env.step({{"message": "hi"}}) for env in envs))
    await asyncio.gather(*(env.close() for env in envs))
    print(json.dumps({{"open_seconds": elapsed, "kib_per_session": (after - before) / ({count} - 1)}}))
asyncio.run(main())
"""

REFERENCE_IMPORTS = "from openenv.core import GenericEnvClient"
SWIFT_IMPORTS = "from openenv_swift import GenericEnvClient"
#: The row of the reference's own connection in the tables that set other connections beside it.
REFERENCE_CONNECTION = "websockets (the reference)"


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_step(row: dict) -> float:
    """A row's client CPU per step, user + system, in microseconds."""
    return row["user_us_per_step"] + row["system_us_per_step"]


def paired_ratios(runs: list[dict], reference_runs: list[dict]) -> list[float]:
    """Each run's CPU per step divided by that of the reference's run beside it (the runs are
    interleaved, so the machine's drift cancels), lowest first."""
    return sorted(cpu_per_step(run) / cpu_per_step(reference) for run, reference in zip(runs, reference_runs))


def steps_per_session(rounds: int, sessions: int) -> int:
    """Steps each session takes when `rounds` is the count at K = 16: fewer at larger K, so that
    every K takes about the same steps in all (at least 20 each)."""
    return max(20, rounds * 16 // max(16, sessions))


def interleaved_gather_runs(clients: dict[str, tuple[str, Optional[dict]]], server: Any, sessions: int, rounds: int,
                            repeats: int) -> dict[str, list[dict]]:
    """`repeats` runs of GATHER for each client (its imports and its environment, None: this
    one's), `sessions` sessions of `rounds` steps each on `server`; interleaved, so the machine's
    drift hits every client alike."""
    runs: dict[str, list[dict]] = {name: [] for name in clients}
    for _ in range(repeats):
        for name, (imports, environment) in clients.items():
            script = GATHER.format(imports=imports, urls=[server.url], sessions=sessions, rounds=rounds)
            runs[name].append(measure([PYTHON, "-c", script], [server.process.pid], environment))
    return runs


def gather_runs_by_size(clients: dict[str, tuple[str, Optional[dict]]], sizes: list[int], rounds: int,
                        repeats: int) -> Iterator[tuple[int, dict[str, list[dict]]]]:
    """For each K in `sizes`, `interleaved_gather_runs` of the clients on one many_env server,
    `steps_per_session(rounds, K)` steps per session."""
    with many_env_server(max(sizes)) as server:
        for size in sizes:
            yield size, interleaved_gather_runs(clients, server, size, steps_per_session(rounds, size), repeats)


def cpu_cell(row: dict) -> str:
    """A row's client CPU per step as a table cell: total (user + system)."""
    return f"{cpu_per_step(row):.1f} us ({row['user_us_per_step']:.1f} + {row['system_us_per_step']:.1f})"


def baseline_environment(checkout: Path) -> dict:
    """The environment that runs another checkout's Python package and library (built with
    `swift build -c release`) in place of the installed ones."""
    return dict(os.environ, PYTHONPATH=str(checkout / "bindings" / "python"),
                OPENENV_SWIFT_LIB=str(checkout / ".build" / "release" / "libopenenv.so"))


@contextlib.contextmanager
def many_env_server(sessions: int) -> Iterator[Any]:
    """A server of the template `openenv init many_env` makes, with room for `sessions` sessions
    (and a few more), in a scratch folder; stopped and removed on leaving."""
    from servers import Server, many_env_source, template_maker

    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "templates").mkdir()
        template = template_maker(Path(scratch) / "templates")
        server = Server("many_env.server.app:app", many_env_source(template), env={"MAX_ENVS": str(sessions + 10)})
        try:
            yield server
        finally:
            server.stop()


def measure(command: list[str], server_pids: list[int], environment: Optional[dict] = None) -> dict:
    """One client run, with the server's CPU per step (the server does nothing else meanwhile
    but the run's handshakes and resets) and the share of a core each side takes while stepping."""
    server_before = sum(process_cpu_seconds(pid) for pid in server_pids)
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True, env=environment).stdout)
    server_us_per_step = (sum(process_cpu_seconds(pid) for pid in server_pids) - server_before) * 1e6 / result["steps"]
    result["server_core_share"] = result["steps_per_second"] * server_us_per_step / 1e6
    result["client_core_share"] = result["steps_per_second"] * (result["user_us_per_step"] + result["system_us_per_step"]) / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200, help="steps per session")
    parser.add_argument("--sizes", default="1,16,64,256")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--open", type=int, default=1000, help="sessions for the memory and open-time row")
    parser.add_argument("--servers", type=int, default=1, help="servers to spread the sessions over")
    parser.add_argument("--baseline", type=Path, help="another checkout of this repository, built (swift build -c release): "
                        "its Python package and library run as extra rows, interleaved, for before/after figures")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    from servers import Server, many_env_source, template_maker

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    compiler = shutil.which("cc") or "gcc"
    with tempfile.TemporaryDirectory() as scratch:
        library = REPO / ".build" / "release"
        loop = Path(scratch) / "batch_loop"
        subprocess.run([compiler, "-O2", "-I", str(REPO / "include"), str(REPO / "benchmarks" / "batch_loop.c"), "-L", str(library),
                        "-lopenenv", f"-Wl,-rpath,{library}", "-o", str(loop)], check=True)
        # The template made by `openenv init many_env`, allowing many sessions.
        (Path(scratch) / "templates").mkdir()
        template = template_maker(Path(scratch) / "templates")
        servers = [Server("many_env.server.app:app", many_env_source(template), env={"MAX_ENVS": str(max(sizes + [arguments.open]) + 10)})
                   for _ in range(arguments.servers)]
        try:
            urls, pids = [server.url for server in servers], [server.process.pid for server in servers]
            url = urls[0]
            rows: dict[int, dict[str, dict]] = {}
            for size in sizes:
                rounds = steps_per_session(arguments.rounds, size)
                commands = {
                    "reference, async clients under gather": [PYTHON, "-c", GATHER.format(imports=REFERENCE_IMPORTS, urls=urls, sessions=size, rounds=rounds)],
                    "openenv_swift, async clients under gather": [PYTHON, "-c", GATHER.format(imports=SWIFT_IMPORTS, urls=urls, sessions=size, rounds=rounds)],
                    "openenv_swift, make_vec(...).step": [PYTHON, "-c", VECTOR.format(urls=urls, sessions=size, rounds=rounds)],
                }
                if len(urls) == 1:  # the C loop connects to one server
                    commands["C, openenv_run_batch"] = [str(loop), url, str(size), str(rounds)]
                environments: dict[str, Optional[dict]] = {}
                if arguments.baseline is not None:
                    for name in ("openenv_swift, async clients under gather", "openenv_swift, make_vec(...).step"):
                        commands[f"baseline {name}"] = commands[name]
                        environments[f"baseline {name}"] = baseline_environment(arguments.baseline)
                samples: dict[str, list[dict]] = {name: [] for name in commands}
                for _ in range(arguments.repeats):  # interleaved, so drift hits every client alike
                    for name, command in commands.items():
                        samples[name].append(measure(command, pids, environments.get(name)))
                rows[size] = {name: {key: statistics.median(sample[key] for sample in runs) for key in runs[0]} for name, runs in samples.items()}
            opening = {label: json.loads(subprocess.run([PYTHON, "-c", OPEN_MANY.format(imports=imports, url=url, count=arguments.open)],
                                                        check=True, capture_output=True, text=True).stdout)
                       for label, imports in [("reference", REFERENCE_IMPORTS), ("openenv_swift", SWIFT_IMPORTS)]}
        finally:
            for server in servers:
                server.stop()

    total = lambda row: row["user_us_per_step"] + row["system_us_per_step"]
    print(f"# Many-session benchmark\n\nK sessions of the `openenv init` template (max_concurrent_envs raised; "
          f"{arguments.servers} server{'s' if arguments.servers > 1 else ''}), each its own "
          f"episode of steps of {{\"message\": \"hello\"}}; Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}; median of {arguments.repeats} interleaved runs. Latency: one step (gather rows) or one "
          "round of K steps (batch rows).\n")
    for size, table in rows.items():
        reference = table["reference, async clients under gather"]
        print(f"\n## K = {size}\n")
        print("| client | steps/s | p50 | p99 | client CPU per step (user + system) | client cores | server cores | vs reference: steps/s, CPU |")
        print("|---|---|---|---|---|---|---|---|")
        for name, row in table.items():
            print(f"| {name} | {row['steps_per_second']:.0f} | {row['p50_us'] / 1000:.2f} ms | {row['p99_us'] / 1000:.2f} ms | "
                  f"{total(row):.1f} us ({row['user_us_per_step']:.1f} + {row['system_us_per_step']:.1f}) | {row['client_core_share']:.2f} | "
                  f"{row['server_core_share']:.2f} | {row['steps_per_second'] / reference['steps_per_second']:.2f}x, "
                  f"{total(row) / total(reference):.2f}x |")
    print(f"\n## Opening {arguments.open} sessions at once (asyncio.gather of connect)\n")
    print("| client | time to open | resident memory per open session |")
    print("|---|---|---|")
    for label, row in opening.items():
        print(f"| {label} | {row['open_seconds']:.2f} s | {row['kib_per_session']:.1f} KiB |")


if __name__ == "__main__":
    main()
