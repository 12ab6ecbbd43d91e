"""Container start-up benchmark: from `from_env(docker_image=...)` to the first step's result.

On one image (scripts/setup_containers.sh builds it from `openenv init`'s own Dockerfile), each
sample a fresh process, interleaved:

- ours: `AutoEnv.from_env("parrot", docker_image=IMAGE)`, `.sync()`, reset, step, close;
- the reference: `await ParrotEnv.from_docker_image(IMAGE)` (its LocalDockerProvider: `docker
  run`, a fixed 1 s sleep, `/health` every 0.5 s), reset, step, close;
- the floor: the engine alone, `run -d -p 127.0.0.1:P:8000 IMAGE` then `/health` asked every
  5 ms until it answers: what any client must wait for (the run command, then the server's own
  start inside the container).

Where the time goes: for each client, the time until its server was up (start), the reset and
step, and the close; the floor splits the start into the run command and the server's boot, and
start minus the floor is the client's own overhead (engine choice, polling granularity, sleeps).

`--busy` takes every sample while one pure-Python busy loop per core keeps the machine busy.

Run (as root, after scripts/setup_containers.sh):
  PATH=.work/containers/bin:$PATH .venv/bin/python benchmarks/container_startup.py [--repeats 5] [--busy]
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from busy_machine import busy_machine, machine_description

OURS = """
import json, sys, time
from openenv_swift import AutoEnv
from parrot_env import ParrotAction
start = time.monotonic()
client = AutoEnv.from_env("parrot", docker_image=sys.argv[1], wait_timeout=300)
started = time.monotonic()
with client.sync() as env:
    env.reset()
    reset = time.monotonic()
    env.step(ParrotAction(message="hi"))
    stepped = time.monotonic()
closed = time.monotonic()
print(json.dumps({"start": started - start, "reset": reset - started, "step": stepped - reset, "close": closed - stepped,
                  "first_step": stepped - start}))
"""

REFERENCE = """
import asyncio, json, sys, time
from parrot_env import ParrotAction, ParrotEnv
async def main():
    start = time.monotonic()
    client = await ParrotEnv.from_docker_image(sys.argv[1])
    started = time.monotonic()
    await client.reset()
    reset = time.monotonic()
    await client.step(ParrotAction(message="hi"))
    stepped = time.monotonic()
    note = ""
    try:
        await client.close()
    except Exception as error:
        note = f"close failed: {type(error).__name__}"
    closed = time.monotonic()
    print(json.dumps({"start": started - start, "reset": reset - started, "step": stepped - reset, "close": closed - stepped,
                      "first_step": stepped - start, "note": note}))
asyncio.run(main())
"""


def engine() -> str:
    return shutil.which("podman") or shutil.which("docker") or sys.exit("no container engine on PATH")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def floor(image: str) -> dict:
    """The engine alone: the run command, then /health every 5 ms."""
    port = free_port()
    start = time.monotonic()
    container = subprocess.run([engine(), "run", "-d", "-p", f"127.0.0.1:{port}:8000", image], capture_output=True, text=True,
                               check=True).stdout.strip()
    ran = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
            break
        except OSError:
            time.sleep(0.005)
    healthy = time.monotonic()
    subprocess.run([engine(), "rm", "-f", "--time", "0", container], capture_output=True, check=False)
    return {"run": ran - start, "boot": healthy - ran, "start": healthy - start}


def client(code: str, image: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, image], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"sample failed:\n{result.stderr}")
    # the reference leaves its container when `docker stop` times out: remove what is left,
    # killed first (after an interrupted `stop`, podman 4.3's `rm -f` alone drops the container
    # from its list but leaves its processes running)
    left = subprocess.run([engine(), "ps", "-aq", "--filter", f"ancestor={image}"], capture_output=True, text=True).stdout.split()
    if left:
        subprocess.run([engine(), "kill", *left], capture_output=True, check=False)
        subprocess.run([engine(), "rm", "-f", "--time", "0", *left], capture_output=True, check=False)
    sample = json.loads(result.stdout.strip().splitlines()[-1])
    sample["left_behind"] = len(left)
    return sample


def default_image() -> str:
    """The image of the installed reference's release (openenv 0.10.0 or openenv-core 0.3.0)."""
    from openenv.core.env_client import EnvClient

    return "localhost/openenv-swift/parrot-env:" + ("0.10.0" if "_connect_async" in vars(EnvClient) else "0.3.0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", default=default_image())
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--busy", action="store_true", help="one pure-Python busy loop per core while the samples run")
    arguments = parser.parse_args()
    samples: dict = {"floor": [], "ours": [], "reference": []}
    with busy_machine(arguments.busy):
        for repeat in range(arguments.repeats):
            samples["floor"].append(floor(arguments.image))
            samples["ours"].append(client(OURS, arguments.image))
            samples["reference"].append(client(REFERENCE, arguments.image))
            print(json.dumps({"repeat": repeat, **{name: runs[-1] for name, runs in samples.items()}}), flush=True)

    def median(name: str, key: str) -> float:
        return statistics.median(sample[key] for sample in samples[name])

    machine = machine_description(arguments.busy)
    print(f"\nimage {arguments.image}, engine {engine()}, machine {machine}, {arguments.repeats} samples each, medians in seconds")
    wins = sum(ours["first_step"] < reference["first_step"] for ours, reference in zip(samples["ours"], samples["reference"]))
    print(f"ours first to the first step in {wins} of {arguments.repeats} interleaved pairs")
    print(f"floor: run command {median('floor', 'run'):.2f} + server boot {median('floor', 'boot'):.2f} = {median('floor', 'start'):.2f}")
    print(f"{'':10} {'start':>7} {'overhead':>9} {'reset':>7} {'step':>7} {'1st step':>9} {'close':>7} {'left':>5}")
    for name in ("ours", "reference"):
        left = sum(sample["left_behind"] for sample in samples[name])
        print(f"{name:10} {median(name, 'start'):7.2f} {median(name, 'start') - median('floor', 'start'):9.2f} {median(name, 'reset'):7.3f} "
              f"{median(name, 'step'):7.3f} {median(name, 'first_step'):9.2f} {median(name, 'close'):7.2f} {left:5}")


if __name__ == "__main__":
    main()
