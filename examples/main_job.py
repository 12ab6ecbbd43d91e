"""The main job: discover the installed OpenEnv environments, describe one, then start its
server on loopback and run an episode through openenv_swift exactly as a training loop would
use openenv's AutoEnv / AutoAction."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

from openenv_swift import AutoAction, AutoEnv


def start_server(module: str) -> tuple[subprocess.Popen, str]:
    """Serves the environment's ASGI app with uvicorn on 127.0.0.1 and a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = module.rsplit(".", 1)[0] + ".server.app:app"
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"])
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/health", timeout=1).close()
            return server, url
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with status {server.returncode}")
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not become healthy within 60 s")


def main(name: str = "parrot") -> None:
    AutoEnv.list_environments()
    info = AutoEnv.get_env_info(name)
    print(f"\nAutoEnv.get_env_info({name!r}):\n{json.dumps(info, indent=2)}")
    Action = AutoAction.from_env(name)

    server, url = start_server(info["module"])
    try:
        print(f"\nEpisode against {url}:")
        with AutoEnv.from_env(name, base_url=url) as env:
            result = env.reset()
            print(f"  reset -> {result.observation!r}")
            for message in ("Hello from openenv-swift", "How fast is this?", "Goodbye"):
                result = env.step(Action(message=message))
                print(f"  step {message!r} -> reward={result.reward} done={result.done} observation={result.observation!r}")
            print(f"  state -> {env.state()!r}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("server stopped")


if __name__ == "__main__":
    main(*sys.argv[1:])
