"""Ray as the distributed engine of a fleet: environment servers as Ray actors spread over the
cluster's nodes (``pip install "swift-openenv[ray]"``).

    import ray
    from openenv_swift import AutoEnv
    from openenv_swift.ray import RayFleet

    ray.init(address="auto")                   # or let RayFleet start or join one
    fleet = RayFleet.for_environment("coding") # or RayFleet(app="pkg.server.app:app")
    envs = AutoEnv.make_vec("coding", num_envs=256, provider=fleet, num_servers=4, reopen=True)

Each server is one actor holding one CPU (``num_cpus``). The actor runs uvicorn with APP on
its node's address and a free port and waits for ``/health``. The server is the actor's child
and ends when the actor's process is gone. With ``num_servers``, the servers are placed by a placement
group of that many bundles with the SPREAD strategy, one bundle each; servers started later,
as capacity runs out, are spread by Ray's SPREAD scheduling. The engine connects to each
server's address from the driver, so the nodes must be reachable from it, as Ray's own nodes
are from each other.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any, Dict, List, Optional

import ray

from .discovery import environment
from .errors import InvalidArgumentError, ServerStartError


#: Runs uvicorn (the arguments after the first) and ends it the moment its actor's process is
#: gone: the first argument is a pipe whose other end only the actor holds, so reading it ends
#: when the actor dies, however it dies. (Not PR_SET_PDEATHSIG: that fires when the thread that
#: started the child exits, and Ray runs actor methods on threads that come and go.)
_BOOTSTRAP = """
import os, runpy, sys, threading
lifeline = int(sys.argv[1])
def watch():
    while os.read(lifeline, 1):
        pass
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ["uvicorn", *sys.argv[2:]]
runpy.run_module("uvicorn", run_name="__main__")
"""


@ray.remote
class _ServerActor:
    """One environment server on the node the actor runs on."""

    def __init__(self, app: str, app_dir: Optional[str], env_vars: Dict[str, str]) -> None:
        self.host = ray.util.get_node_ip_address()
        with socket.socket() as probe:
            probe.bind((self.host, 0))
            self.port = probe.getsockname()[1]
        lifeline, self._lifeline = os.pipe()  # the write end stays here, closed only when this process ends
        command = [sys.executable, "-c", _BOOTSTRAP, str(lifeline), app, "--host", self.host, "--port", str(self.port)]
        if app_dir is not None:
            command += ["--app-dir", app_dir]
        self.log = tempfile.TemporaryFile()  # not a pipe: one nobody reads fills up and stops the server
        self.process = subprocess.Popen(command, env=dict(os.environ, **env_vars), stdout=self.log, stderr=subprocess.STDOUT,
                                        pass_fds=(lifeline,), start_new_session=True)
        os.close(lifeline)

    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def wait_for_ready(self, timeout_s: float) -> str:
        """Waits for ``/health``; returns the base URL, or raises with the server's output."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"the server exited with {self.process.returncode}: {self.log.read().decode(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(self.base_url() + "/health", timeout=1).close()
                return self.base_url()
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server at {self.base_url()} did not answer /health within {timeout_s} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class RayServer:
    """One server of a :class:`RayFleet`, with the face of the reference's ``RuntimeProvider``."""

    def __init__(self, fleet: "RayFleet", bundle: Optional[int]) -> None:
        self._fleet = fleet
        self._bundle = bundle
        #: The actor, once started.
        self.actor: Any = None

    def start(self, port: Optional[int] = None, env_vars: Optional[Dict[str, str]] = None, **kwargs: Any) -> str:
        """Starts the actor and its server; returns the server's base URL (``port`` is chosen
        on the node, so a port asked for is refused)."""
        if port is not None:
            raise InvalidArgumentError("a Ray server's port is chosen on its node; do not give one")
        options: Dict[str, Any] = {"num_cpus": self._fleet.num_cpus}
        if self._bundle is not None:
            from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

            options["scheduling_strategy"] = PlacementGroupSchedulingStrategy(
                placement_group=self._fleet.placement_group, placement_group_bundle_index=self._bundle)
        else:
            options["scheduling_strategy"] = "SPREAD"
        self.actor = _ServerActor.options(**options).remote(self._fleet.app, self._fleet.app_dir, {**self._fleet.env_vars, **(env_vars or {})})
        return ray.get(self.actor.base_url.remote())

    def wait_for_ready(self, timeout_s: float = 60.0) -> None:
        """Waits until the server answers ``/health``."""
        try:
            ray.get(self.actor.wait_for_ready.remote(timeout_s))
        except ray.exceptions.RayError as error:
            raise ServerStartError(f"the environment server in Ray actor {self.actor} did not start: {error}") from error

    def stop(self) -> None:
        """Stops the server and its actor (an actor already gone is fine)."""
        actor, self.actor = self.actor, None
        if actor is None:
            return
        try:
            ray.get(actor.stop.remote(), timeout=30)
        except ray.exceptions.RayError:
            pass  # the actor died already, and its server with it
        ray.kill(actor)


class RayFleet:
    """Starts environment servers of one app as Ray actors; give it to ``make_vec`` as ``provider``.

    Args:
        app: the ASGI app, ``package.server.app:app``.
        app_dir: a folder to import it from, when it is not installed on the nodes.
        env_vars: the servers' environment (``make_vec``'s ``env_vars`` are added).
        num_cpus: CPUs each server's actor holds.
    """

    def __init__(self, app: str, app_dir: Optional[str] = None, env_vars: Optional[Dict[str, str]] = None, num_cpus: float = 1) -> None:
        if not ray.is_initialized():
            ray.init()  # joins the cluster at RAY_ADDRESS, or starts a local one
        self.app = app
        self.app_dir = app_dir
        self.env_vars = dict(env_vars or {})
        self.num_cpus = num_cpus
        self.placement_group: Any = None
        self._bundles: Optional[itertools.count] = None
        self._reserved = 0
        #: Every server made so far (stopped ones included).
        self.servers: List[RayServer] = []

    @classmethod
    def for_environment(cls, name: str, **options: Any) -> "RayFleet":
        """A fleet of installed environment ``name``'s server (its package must be installed
        on every node, as on the driver)."""
        import_name = environment(name)["module"].split(".")[0]
        return cls(f"{import_name}.server.app:app", **options)

    def reserve(self, count: int) -> None:
        """Places ``count`` servers before they start: a placement group of that many bundles,
        spread over the nodes (``make_vec`` calls it with ``num_servers``)."""
        from ray.util.placement_group import placement_group

        self.release()
        self.placement_group = placement_group([{"CPU": self.num_cpus}] * count, strategy="SPREAD")
        ray.get(self.placement_group.ready(), timeout=120)
        self._bundles, self._reserved = itertools.count(), count

    def __call__(self) -> RayServer:
        """A provider for the next server: the next bundle reserved, else spread by Ray."""
        bundle = next(self._bundles) if self._bundles is not None else None
        server = RayServer(self, bundle if bundle is not None and bundle < self._reserved else None)
        self.servers.append(server)
        return server

    def release(self) -> None:
        """Removes the placement group (``make_vec`` calls it once every server has stopped)."""
        if self.placement_group is not None:
            from ray.util.placement_group import remove_placement_group

            remove_placement_group(self.placement_group)
            self.placement_group, self._bundles, self._reserved = None, None, 0
