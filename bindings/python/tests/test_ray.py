"""Environment servers as Ray actors (openenv_swift.ray), on a real local Ray cluster started
inside a network namespace that has only loopback (``unshare -n``, as root), so that nothing
leaves the machine. Skipped, with the reason, only where that namespace cannot be made."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from servers import many_env_source

SCENARIO = r'''
import json, sys, time, urllib.request
import ray
ray.init(_node_ip_address="127.0.0.1", num_cpus=4, include_dashboard=False, log_to_driver=False)
from openenv_swift import AutoEnv, VectorEnvError
from openenv_swift.ray import RayFleet
report = {}
fleet = RayFleet(app="many_env.server.app:app", app_dir=sys.argv[1])
with AutoEnv.make_vec("many", num_envs=6, provider=fleet, num_servers=2, env_vars={"MAX_ENVS": "3"}, skip_install=True,
                      reopen=True, message_timeout_s=10) as envs:
    report["placement_group_bundles"] = fleet.placement_group.bundle_count
    report["urls"] = envs.base_urls
    envs.reset()
    report["first"] = [r.observation["echoed_message"] for r in envs.step([{"message": f"r{i}"} for i in range(6)])]
    victim = fleet.servers[0]
    victim_url = ray.get(victim.actor.base_url.remote())
    ray.kill(victim.actor)  # the actor dies, and its server with it (ray.kill does not wait: wait for the server to go)
    for _ in range(300):
        try:
            urllib.request.urlopen(victim_url + "/health", timeout=1).close()
            time.sleep(0.1)
        except OSError:
            break
    try:
        envs.step([{"message": "x"}] * 6)
    except VectorEnvError as error:
        report["failed"] = sorted(error.errors)
        report["reopened"] = error.reopened
    report["victim_url"] = victim_url
    report["urls_after"] = envs.base_urls
    envs.reset()
    report["after"] = [r.observation["echoed_message"] for r in envs.step([{"message": f"s{i}"} for i in range(6)])]
    live = [server for server in fleet.servers if server.actor is not None]
    report["servers_made"] = len(fleet.servers)
report["placement_group_after_close"] = fleet.placement_group is None
report["actors_after_close"] = [server.actor for server in fleet.servers if server.actor is not None]
down = []
for url in set(report["urls"] + report["urls_after"]):
    try:
        urllib.request.urlopen(url + "/health", timeout=2).close()
    except OSError:
        down.append(url)
report["servers_down_after_close"] = sorted(down)
print("REPORT " + json.dumps(report))
ray.shutdown()
'''


def loopback_namespace_command() -> list:
    """The command prefix that runs a program in a new network namespace with only loopback up,
    or a reason it cannot be made here."""
    if os.geteuid() != 0:
        pytest.skip("a network namespace needs root (unshare -n)")
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("unshare or ip is not installed")
    probe = subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a network namespace: {probe.stderr.strip()}")
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']


def test_a_fleet_of_ray_actors_serves_a_vector_env_and_reopens_after_losing_one(template_factory, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed in this venv (pip install 'swift-openenv[ray]')")
    prefix = loopback_namespace_command()
    script = tmp_path / "scenario.py"
    script.write_text(SCENARIO)
    result = subprocess.run([*prefix, sys.executable, str(script), str(many_env_source(template_factory))], capture_output=True,
                            text=True, timeout=600, env=dict(os.environ, RAY_USAGE_STATS_ENABLED="0"))
    reports = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and reports, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(reports[0][len("REPORT "):])
    urls = report["urls"]
    assert report["placement_group_bundles"] == 2
    assert len(set(urls)) == 2 and all(url.startswith("http://127.0.0.1:") for url in urls)
    assert report["first"] == [f"r{index}" for index in range(6)]
    lost = [index for index, url in enumerate(urls) if url == report["victim_url"]]
    assert report["failed"] == lost and report["reopened"] == lost and len(lost) == 3
    assert report["victim_url"] not in report["urls_after"]
    assert report["after"] == [f"s{index}" for index in range(6)]  # each session answers for itself
    assert report["servers_made"] == 3  # the survivor was full (3 of 3): a third server was started
    assert report["placement_group_after_close"] and report["actors_after_close"] == []
    assert report["servers_down_after_close"] == sorted(set(urls + report["urls_after"]))
