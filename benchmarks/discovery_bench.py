"""Discovery benchmarks, openenv_swift side by side with the reference (openenv-core's
openenv.auto), in one run on one machine. Prints a Markdown report with ratios.

(a) a fresh Python process doing `import` + `AutoEnv.get_env_info("parrot")`;
(a') a fresh Python process doing nothing (`python -c pass`) with and without
     OPENENV_ENGINE=swift, under each release: the variable's start-up cost to a process that
     never uses OpenEnv;
(b) cold and warm discovery over a synthetic site-packages of 500 environment packages made
    from the real `openenv init` template and 300 other packages.

Run: .venv/bin/python benchmarks/discovery_bench.py   (after scripts/setup.sh)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import synthetic_site  # noqa: E402

PYTHON = sys.executable
#: The parrot_env that set-up made with this venv's own `openenv init`.
TEMPLATE = REPO / ".work" / "envs" / Path(sys.prefix).name / "parrot_env"


def wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def child_output(code: str, env: dict[str, str]) -> str:
    return subprocess.run([PYTHON, "-c", code], env=env, check=True, capture_output=True, text=True).stdout


def fresh_process(runs_swift: int, runs_reference: int) -> list[tuple[str, float, float]]:
    """(a): whole-process wall time, first run with no cache, then warm runs."""
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, TMPDIR=scratch, OPENENV_SWIFT_CACHE_DIR=f"{scratch}/swift-cache")
        for label, module, runs in (("openenv_swift", "openenv_swift", runs_swift), ("reference openenv", "openenv", runs_reference)):
            command = [PYTHON, "-c", f"from {module} import AutoEnv; AutoEnv.get_env_info('parrot')"]
            first = wall(command, env)
            warm = statistics.median(wall(command, env) for _ in range(runs))
            rows.append((label, first, warm))
    return rows


def interpreter_start(runs: int) -> list[tuple[str, float, float]]:
    """(a'): median wall time of `python -c pass`, without and with OPENENV_ENGINE=swift, per venv."""
    rows = []
    for label, venv in (("openenv-core 0.3.0", ".venv"), ("openenv 0.10.0", ".venv-openenv-0.10")):
        python = REPO / venv / "bin" / "python"
        if not python.is_file():
            continue
        without = {key: value for key, value in os.environ.items() if key != "OPENENV_ENGINE"}
        medians = [statistics.median(wall([str(python), "-c", "pass"], env) for _ in range(runs))
                   for env in (without, dict(without, OPENENV_ENGINE="swift"))]
        rows.append((label, medians[0], medians[1]))
    return rows


SWIFT_DISCOVERY = """
import json, sys, time
sys.path.insert(0, {site!r})
from openenv_swift import _native
options = json.dumps({{"search_paths": list(sys.path)}})
uncached = json.dumps({{"search_paths": list(sys.path), "use_cache": False}})
_native.library()
def timed(function, *arguments):
    t = time.perf_counter(); result = function(*arguments); return time.perf_counter() - t, result
mode = {mode!r}
if mode == "cold":
    runs = [timed(_native.call_json, "openenv_discover", uncached) for _ in range(7)]
    print(json.dumps([statistics_median([t for t, _ in runs]), len(runs[0][1]["environments"])]))
elif mode == "disk":
    seconds, info = timed(_native.call_json, "openenv_env_info", "bench250", options)
    print(json.dumps([seconds, info["env_key"]]))
else:
    _native.call_json("openenv_env_info", "bench250", options)
    times = [timed(_native.call_json, "openenv_env_info", "bench250", options)[0] for _ in range(2000)]
    print(json.dumps([statistics_median(times), "bench250"]))
"""

REFERENCE_DISCOVERY = """
import json, sys, time
sys.path.insert(0, {site!r})
from openenv.auto._discovery import EnvironmentDiscovery
from openenv.auto import AutoEnv
def timed(function, *arguments):
    t = time.perf_counter(); result = function(*arguments); return time.perf_counter() - t, result
mode = {mode!r}
if mode == "cold":
    seconds, envs = timed(EnvironmentDiscovery()._discover_installed_packages)
    print(json.dumps([seconds, len(envs)]))
elif mode == "disk":
    seconds, info = timed(AutoEnv.get_env_info, "bench250")
    print(json.dumps([seconds, info["env_key"]]))
else:
    AutoEnv.get_env_info("bench250")
    times = sorted(timed(AutoEnv.get_env_info, "bench250")[0] for _ in range(2000))
    print(json.dumps([times[len(times) // 2], "bench250"]))
"""

MEDIAN = "def statistics_median(values):\n    values = sorted(values)\n    return values[len(values) // 2]\n"


def synthetic_discovery(site: Path) -> dict[str, dict[str, tuple[float, object]]]:
    """(b): cold full scan (no cache); then get_env_info in a fresh process whose cache an
    earlier process wrote; then get_env_info repeated in one process."""
    results: dict[str, dict[str, tuple[float, object]]] = {"openenv_swift": {}, "reference openenv": {}}
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, TMPDIR=scratch, OPENENV_SWIFT_CACHE_DIR=f"{scratch}/swift-cache")
        # "memory" runs first: its process writes both implementations' caches for "disk".
        for mode in ("cold", "memory", "disk"):
            swift = json.loads(child_output(MEDIAN + SWIFT_DISCOVERY.format(site=str(site), mode=mode), env))
            results["openenv_swift"][mode] = (swift[0], swift[1])
            # Each reference cold scan runs in a new process: it imports every package it finds.
            reference = json.loads(child_output(REFERENCE_DISCOVERY.format(site=str(site), mode=mode), env))
            results["reference openenv"][mode] = (reference[0], reference[1])
    return results


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms" if seconds < 0.01 else f"{seconds * 1000:.1f} ms"


def main() -> None:
    if not TEMPLATE.is_dir():
        sys.exit("run scripts/setup.sh first: it makes the template package this benchmark copies")
    print(f"# Discovery benchmark\n\nPython {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}.\n")
    rows = fresh_process(runs_swift=20, runs_reference=3)
    print("## (a) fresh process: import + AutoEnv.get_env_info('parrot')\n")
    print("| implementation | first run (no cache) | warm (median) |")
    print("|---|---|---|")
    for label, first, warm in rows:
        print(f"| {label} | {milliseconds(first)} | {milliseconds(warm)} |")
    swift_row, reference_row = rows
    print(f"\nRatio (reference / openenv_swift): first run {reference_row[1] / swift_row[1]:.0f}x, warm {reference_row[2] / swift_row[2]:.0f}x.\n")
    print("## (a') fresh process doing nothing: `python -c pass` (median of 10)\n")
    print("| installed release | without OPENENV_ENGINE | OPENENV_ENGINE=swift |")
    print("|---|---|---|")
    for label, without, with_engine in interpreter_start(runs=10):
        print(f"| {label} | {milliseconds(without)} | {milliseconds(with_engine)} |")
    print()

    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site-packages"
        synthetic_site.build(site, TEMPLATE, environments=500, others=300)
        results = synthetic_discovery(site)
    print("## (b) discovery over 500 environment packages + 300 others (plus the venv's own)\n")
    print("| implementation | cold full scan | environments found | get_env_info, fresh process, cache on disk | get_env_info, warm, same process |")
    print("|---|---|---|---|---|")
    for label, modes in results.items():
        print(f"| {label} | {milliseconds(modes['cold'][0])} | {modes['cold'][1]} | {milliseconds(modes['disk'][0])} | "
              f"{milliseconds(modes['memory'][0])} |")
    swift, reference = results["openenv_swift"], results["reference openenv"]
    print(f"\nRatio (reference / openenv_swift): cold {reference['cold'][0] / swift['cold'][0]:.0f}x, "
          f"get_env_info from the disk cache {reference['disk'][0] / swift['disk'][0]:.1f}x, "
          f"warm get_env_info {reference['memory'][0] / swift['memory'][0]:.2f}x.")
    print("\nopenenv_swift's warm look-up re-stamps every search path on each call (that is how it sees an "
          "environment installed a moment ago) and crosses the C boundary; the reference's returns its "
          "in-memory dictionary without checking anything, which is why it never sees new installs. The "
          "reference finds one environment more: it counts the openenv-swift binding itself, which is not "
          "an environment.")


if __name__ == "__main__":
    main()
