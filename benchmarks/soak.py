"""Soak: a long run that looks for growth. 1,000,000 steps across 64 sessions (vector steps,
through the engine's I/O loop), then 10,000 open/close cycles, recording the client's resident
memory and open descriptors along the way. Flat after warm-up is the target. Not a test.

Run: .venv/bin/python benchmarks/soak.py [--steps 1000000] [--sessions 64] [--cycles 10000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bindings" / "python" / "tests"))


def rss_kib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--sessions", type=int, default=64)
    parser.add_argument("--cycles", type=int, default=10_000)
    arguments = parser.parse_args()
    from openenv_swift import AutoEnv, GenericEnvClient
    from servers import Server, many_env_source, template_maker

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))
    with tempfile.TemporaryDirectory() as scratch:
        template = template_maker(Path(scratch))
        server = Server("many_env.server.app:app", many_env_source(template), env={"MAX_ENVS": str(arguments.sessions + 16)})
        samples: list[tuple[int, int, int, float]] = []
        cycles: list[tuple[int, int, int]] = []
        try:
            started = time.monotonic()
            with AutoEnv.make_vec("many", num_envs=arguments.sessions, base_url=[server.url], skip_install=True) as envs:
                envs.reset()
                actions = [{"message": "soak"}] * arguments.sessions
                done = 0
                while done < arguments.steps:
                    envs.step(actions)
                    done += arguments.sessions
                    if done % 10_000 < arguments.sessions:
                        samples.append((done, rss_kib(), descriptors(), time.monotonic() - started))
            for cycle in range(1, arguments.cycles + 1):
                client = GenericEnvClient(server.url).sync().connect()
                client.close()
                if cycle % 1000 == 0:
                    cycles.append((cycle, rss_kib(), descriptors()))
        finally:
            server.stop()

    warm = samples[min(4, len(samples) - 1)]
    last = samples[-1]
    print(f"# Soak\n\n{last[0]} steps across {arguments.sessions} sessions in {last[3]:.0f} s "
          f"({last[0] / last[3]:.0f} steps/s), then {arguments.cycles} open/close cycles; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}.\n")
    print("| after | resident memory | open descriptors |\n|---|---|---|")
    picks = sorted({0, 1, 4, len(samples) // 4, len(samples) // 2, 3 * len(samples) // 4, len(samples) - 1})
    for index in picks:
        steps, rss, fds, _ = samples[index]
        print(f"| {steps} steps | {rss / 1024:.1f} MiB | {fds} |")
    for cycle, rss, fds in cycles[:: max(1, len(cycles) // 5)] + ([cycles[-1]] if cycles else []):
        print(f"| {cycle} open/close cycles | {rss / 1024:.1f} MiB | {fds} |")
    print(f"\nGrowth after warm-up ({warm[0]} steps) to the end of the steps: {(last[1] - warm[1]) / 1024:+.1f} MiB, "
          f"{last[2] - warm[2]:+d} descriptors.")
    if cycles:
        print(f"Over the open/close cycles (from cycle {cycles[0][0]}): {(cycles[-1][1] - cycles[0][1]) / 1024:+.1f} MiB, "
              f"{cycles[-1][2] - cycles[0][2]:+d} descriptors.")


if __name__ == "__main__":
    main()
