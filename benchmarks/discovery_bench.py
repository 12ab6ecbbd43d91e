"""Discovery benchmarks, openenv_swift side by side with the reference (openenv-core's
openenv.auto), in one run on one machine. Prints a Markdown report with ratios.

(a) a fresh Python process doing `import` + `AutoEnv.get_env_info("parrot")`;
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

PYTHON = str(REPO / ".venv" / "bin" / "python")
TEMPLATE = REPO / ".work" / "envs" / "parrot_env"


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


SWIFT_DISCOVERY = """
import json, sys, time
sys.path.insert(0, {site!r})
from openenv_swift import _native
paths = list(sys.path)
def run(use_cache):
    t = time.perf_counter()
    result = _native.call_json("openenv_discover", json.dumps({{"search_paths": paths, "use_cache": use_cache}}))
    return time.perf_counter() - t, len(result["environments"])
_native.library()
mode = {mode!r}
if mode == "cold":
    times = [run(False) for _ in range(7)]
    print(json.dumps([statistics_median([t for t, _ in times]), times[0][1]]))
elif mode == "disk":
    print(json.dumps(list(run(True))))
else:
    run(True)
    times = [run(True)[0] for _ in range(2000)]
    print(json.dumps([statistics_median(times), run(True)[1]]))
"""

REFERENCE_DISCOVERY = """
import json, sys, time
sys.path.insert(0, {site!r})
from openenv.auto._discovery import EnvironmentDiscovery
mode = {mode!r}
discovery = EnvironmentDiscovery()
if mode == "cold":
    t = time.perf_counter(); envs = discovery._discover_installed_packages(); print(json.dumps([time.perf_counter() - t, len(envs)]))
elif mode == "disk":
    t = time.perf_counter(); envs = discovery.discover(); print(json.dumps([time.perf_counter() - t, len(envs)]))
else:
    discovery.discover()
    times = []
    for _ in range(2000):
        t = time.perf_counter(); envs = discovery.discover(); times.append(time.perf_counter() - t)
    times.sort(); print(json.dumps([times[len(times) // 2], len(envs)]))
"""

MEDIAN = "def statistics_median(values):\n    values = sorted(values)\n    return values[len(values) // 2]\n"


def synthetic_discovery(site: Path) -> dict[str, dict[str, tuple[float, int]]]:
    """(b): cold scan (no cache), warm from the on-disk cache in a fresh process, warm in-process."""
    results: dict[str, dict[str, tuple[float, int]]] = {"openenv_swift": {}, "reference openenv": {}}
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, TMPDIR=scratch, OPENENV_SWIFT_CACHE_DIR=f"{scratch}/swift-cache")
        for mode in ("cold", "disk", "memory"):
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

    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site-packages"
        synthetic_site.build(site, TEMPLATE, environments=500, others=300)
        results = synthetic_discovery(site)
    print("## (b) discovery over 500 environment packages + 300 others (plus the venv's own)\n")
    print("| implementation | cold scan | warm, fresh process (disk cache) | warm, same process | environments |")
    print("|---|---|---|---|---|")
    for label, modes in results.items():
        print(f"| {label} | {milliseconds(modes['cold'][0])} | {milliseconds(modes['disk'][0])} | "
              f"{milliseconds(modes['memory'][0])} | {modes['cold'][1]} |")
    swift, reference = results["openenv_swift"], results["reference openenv"]
    print(f"\nRatio (reference / openenv_swift): cold {reference['cold'][0] / swift['cold'][0]:.0f}x, "
          f"warm from disk {reference['disk'][0] / swift['disk'][0]:.1f}x, "
          f"warm in-process {reference['memory'][0] / swift['memory'][0]:.2f}x.")
    print("\nThe reference's warm look-ups return its dictionary without checking anything, which is why it "
          "never sees a newly installed environment; openenv_swift re-stamps the search paths on every call.")


if __name__ == "__main__":
    main()
