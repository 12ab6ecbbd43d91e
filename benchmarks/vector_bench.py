"""make_vec benchmark: many sessions stepped as fast as the servers allow, against the
servers' own ceiling and the reference, on an idle machine and on a busy one.

For each configuration (K sessions over S servers of the `openenv init` template, each its own
episode of steps of {"message": "hello"}), side by side in one run, interleaved:

- ceiling: the C completion API keeping every session's request in flight all the time
  (benchmarks/ceiling_loop.c, nothing parsed): the most steps/s these servers give;
- the reference: K GenericEnvClient of the installed OpenEnv under asyncio.gather (websockets);
- openenv_swift: the same K clients under asyncio.gather (the engine as their connection);
- openenv_swift: make_vec(K).step, round after round;
- openenv_swift: make_vec's send/recv (EnvPool's asynchronous mode), the recipe of the README:
  the loop works on the first K/2 results while the other half still steps;
- the option make_vec does not take: rounds moved by the engine's I/O thread while the caller
  waits (openenv_run_batch), then parsed all at once.

Each row: steps/s and client CPU per step (user + system), the median and spread of its
ratios to the reference run beside it, and its share of the ceiling run beside it.
`--busy` runs every client while one pure-Python busy loop per core keeps the machine busy, as
a trainer's data loaders do.

Run: .venv/bin/python benchmarks/vector_bench.py [--configs 16x1,64x1,256x4] [--repeats 5] [--rounds 200] [--busy]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))
from busy_machine import busy_machine, machine_description  # noqa: E402
from many_bench import COMMON, GATHER, PYTHON, REFERENCE_IMPORTS, SWIFT_IMPORTS, VECTOR, cpu_per_step, measure, steps_per_session  # noqa: E402

# EnvPool's asynchronous mode as the README's recipe has it: send every env's action, then
# again and again take the first half that answers, work on them, and send those envs their
# next actions while the other half still steps.
RECIPE = COMMON + """
from openenv_swift import AutoEnv
envs = AutoEnv.make_vec("many", num_envs={sessions}, base_url={urls!r}, skip_install=True)
envs.reset()
total, batch, action = {rounds} * {sessions}, max(1, {sessions} // 2), {{"message": "hello"}}
latencies = []
before, started = cpu(), time.perf_counter()
envs.send([action] * {sessions})
sent, done = {sessions}, 0
while done < sent:
    waited = time.perf_counter()
    results = envs.recv(min_results=min(batch, sent - done))
    latencies.append((time.perf_counter() - waited) * 1e6)
    done += len(results)
    again = [env_id for env_id, _ in results][:max(0, total - sent)]
    if again:
        envs.send([action] * len(again), again)
        sent += len(again)
elapsed, after = time.perf_counter() - started, cpu()
envs.close()
report(done, elapsed, latencies, before, after)
"""

# The other way a blocking round can go, measured beside make_vec's: the engine's I/O thread
# moves the bytes (sessions opened blocking, one openenv_run_batch a round) and the caller
# waits for it, then parses every answer (make_vec's way until issue 36).
IO_THREAD_BATCH = COMMON + """
import ctypes, json
from openenv_swift import AutoEnv, _native
hooks = AutoEnv.make_vec("many", num_envs=1, base_url={urls!r}, skip_install=True)
parse, payload = hooks._hooks._parse_result, hooks._hooks._step_payload
hooks.close()
lib, urls = _native.library(), {urls!r}
handles = [_native.open_session("openenv_connect", urls[index % len(urls)], {{}}) for index in range({sessions})]
envs = (ctypes.c_void_p * {sessions})(*handles)
completions = (_native.Completion * {sessions})()
def run(frames):
    lib.openenv_run_batch(_native.OP_MESSAGE, envs, (ctypes.c_char_p * {sessions})(*frames), {sessions}, completions)
    texts = [_native.take_completion(lib, completion) for completion in completions]
    return [parse(answer.get("data", {{}})) for answer in json.loads("[" + ",".join(texts) + "]")]
run([b'{{"type": "reset", "data": {{}}}}'] * {sessions})
actions = [{{"message": "hello"}}] * {sessions}
latencies = []
before, started = cpu(), time.perf_counter()
for _ in range({rounds}):
    round_started = time.perf_counter()
    run([b'{{"type": "step", "data": ' + json.dumps(payload(action)).encode() + b"}}" for action in actions])
    latencies.append((time.perf_counter() - round_started) * 1e6)
elapsed, after = time.perf_counter() - started, cpu()
for handle in handles:
    _native.close(handle)
report({rounds} * {sessions}, elapsed, latencies, before, after)
"""

CEILING = "ceiling: C, every session always in flight"
REFERENCE = "reference: async clients under gather"
ROWS = [CEILING, REFERENCE, "openenv_swift: async clients under gather", "openenv_swift: make_vec(...).step",
        "openenv_swift: make_vec send/recv, K/2 at a time", "option: rounds through the I/O thread (openenv_run_batch)"]


@contextlib.contextmanager
def servers(count: int, sessions_each: int) -> Iterator[list]:
    """`count` servers of the template `openenv init many_env` makes, each with room for
    `sessions_each` sessions (and a few more)."""
    from servers import Server, many_env_source, template_maker

    with tempfile.TemporaryDirectory() as scratch:
        (Path(scratch) / "templates").mkdir()
        source = many_env_source(template_maker(Path(scratch) / "templates"))
        started = [Server("many_env.server.app:app", source, env={"MAX_ENVS": str(sessions_each + 10)}, extra_arguments=["--log-level", "warning"])
                   for _ in range(count)]
        try:
            yield started
        finally:
            for server in started:
                server.stop()


def ceiling_binary(scratch: Path) -> Path:
    """benchmarks/ceiling_loop.c, built against the release library."""
    library = REPO / ".build" / "release"
    binary = scratch / "ceiling_loop"
    subprocess.run([shutil.which("cc") or "gcc", "-O2", "-I", str(REPO / "include"), str(REPO / "benchmarks" / "ceiling_loop.c"),
                    "-L", str(library), "-lopenenv", f"-Wl,-rpath,{library}", "-o", str(binary)], check=True)
    return binary


def spread(values: list[float]) -> str:
    """A median with the lowest and highest value: `1.07x (0.98-1.15)`."""
    return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"


def run_configuration(sessions: int, server_count: int, rounds: int, repeats: int, ceiling: Path, seconds: float) -> dict[str, list[dict]]:
    """Interleaved runs of every row on fresh servers; the runs of each row, in order."""
    per_server = -(-sessions // server_count)
    with servers(server_count, per_server) as started:
        urls = [server.url for server in started]
        pids = [server.process.pid for server in started]
        steps = steps_per_session(rounds, sessions)
        commands: dict[str, list[str]] = {
            CEILING: [str(ceiling), str(sessions), str(seconds), *urls],
            REFERENCE: [PYTHON, "-c", GATHER.format(imports=REFERENCE_IMPORTS, urls=urls, sessions=sessions, rounds=steps)],
            ROWS[2]: [PYTHON, "-c", GATHER.format(imports=SWIFT_IMPORTS, urls=urls, sessions=sessions, rounds=steps)],
            ROWS[3]: [PYTHON, "-c", VECTOR.format(urls=urls, sessions=sessions, rounds=steps)],
            ROWS[4]: [PYTHON, "-c", RECIPE.format(urls=urls, sessions=sessions, rounds=steps)],
            ROWS[5]: [PYTHON, "-c", IO_THREAD_BATCH.format(urls=urls, sessions=sessions, rounds=steps)],
        }
        runs: dict[str, list[dict]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, command in commands.items():
                runs[name].append(measure(command, pids))
    return runs


def print_table(sessions: int, server_count: int, runs: dict[str, list[dict]]) -> None:
    print(f"\n## K = {sessions}, {server_count} server{'s' if server_count > 1 else ''}\n")
    print("| client | steps/s | client CPU per step | vs reference: steps/s | vs reference: CPU per step | share of the ceiling |")
    print("|---|---|---|---|---|---|")
    reference, ceiling = runs[REFERENCE], runs[CEILING]
    for name, rows in runs.items():
        steps = [row["steps_per_second"] for row in rows]
        versus_steps = [row["steps_per_second"] / other["steps_per_second"] for row, other in zip(rows, reference)]
        versus_cpu = [cpu_per_step(row) / cpu_per_step(other) for row, other in zip(rows, reference)]
        of_ceiling = [row["steps_per_second"] / other["steps_per_second"] for row, other in zip(rows, ceiling)]
        print(f"| {name} | {statistics.median(steps):.0f} ({min(steps):.0f}-{max(steps):.0f}) | "
              f"{statistics.median(cpu_per_step(row) for row in rows):.1f} us | {spread(versus_steps)} | {spread(versus_cpu)} | "
              f"{spread(of_ceiling).replace('x', '')} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="16x1,64x1,256x4", help="sessions x servers, comma-separated")
    parser.add_argument("--rounds", type=int, default=200, help="steps per session at K = 16 (fewer at larger K)")
    parser.add_argument("--repeats", type=int, default=5, help="interleaved runs of every row")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each ceiling run steps")
    parser.add_argument("--busy", action="store_true", help="one pure-Python busy loop per core while the clients run")
    arguments = parser.parse_args()
    configurations = [tuple(int(part) for part in item.split("x")) for item in arguments.configs.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with tempfile.TemporaryDirectory() as scratch:
        ceiling = ceiling_binary(Path(scratch))
        results = {}
        with busy_machine(arguments.busy):
            load = os.getloadavg()[0]
            for sessions, server_count in configurations:
                results[(sessions, server_count)] = run_configuration(sessions, server_count, arguments.rounds, arguments.repeats,
                                                                      ceiling, arguments.seconds)
    machine = machine_description(arguments.busy)
    print(f"# make_vec against the servers' ceiling\n\n{time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, machine {machine} (load average {load:.1f} at the start); {arguments.repeats} interleaved "
          "runs of every row; ratios are run by run (median, lowest-highest).")
    for (sessions, server_count), runs in results.items():
        print_table(sessions, server_count, runs)


if __name__ == "__main__":
    main()
