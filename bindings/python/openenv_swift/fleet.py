"""Servers that a vector environment starts through the caller's provider, as many as its
sessions need.

The provider is one of the reference's kinds: a ``RuntimeProvider`` (``start(port=None,
env_vars=None) -> base_url``, ``wait_for_ready(timeout_s)``, ``stop()``, such as ``UVProvider``)
or a ``ContainerProvider`` (``start_container(image, ...) -> base_url``, ``wait_for_ready(base_url,
timeout_s)``, ``stop_container()``: ``LocalDockerProvider``, ``DockerSwarmProvider``, Modal,
Daytona...). One provider object runs one server, so each server gets its own: the class (or any
callable returning a provider) is called once per server; an instance given is used for the
first server and copied, unstarted, for the others. A container the provider names is removed
when this process ends, however it ends (see :func:`.container_provider.watch`). A callable may also have ``reserve(count)``
and ``release()`` (``openenv_swift.ray.RayFleet`` does): called before ``count`` servers start
at once, and after all have stopped.
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any, Callable, Dict, List

from . import container_provider
from ._native import call_json
from .errors import InvalidArgumentError

_RUNTIME = ("start", "stop", "wait_for_ready")
_CONTAINER = ("start_container", "stop_container", "wait_for_ready")


def _has(provider: Any, methods: tuple) -> bool:
    return all(callable(getattr(provider, method, None)) for method in methods)


class ProvidedServers:
    """The servers started for one vector environment of ``name`` (launch options ``launch``)."""

    def __init__(self, provider: Any, name: str, launch: Dict[str, Any]) -> None:
        self._source: Any = None
        if not isinstance(provider, type) and (_has(provider, _RUNTIME) or _has(provider, _CONTAINER)):  # a class makes them
            first = [provider]
            self._make: Callable[[], Any] = lambda: first.pop() if first else copy.copy(provider)
        elif callable(provider):
            self._make = provider
            self._source = provider
        else:
            raise InvalidArgumentError(
                f"provider must be a RuntimeProvider ({', '.join(_RUNTIME)}) or a ContainerProvider ({', '.join(_CONTAINER)}) "
                f"like openenv's, or a class or callable making one; {type(provider).__name__} is neither")
        self._name = name
        self._launch = launch
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        #: Each started server's provider, by base URL.
        self.started: Dict[str, Any] = {}

    def start(self, count: int = 1) -> List[str]:
        """Starts ``count`` servers at once; returns their base URLs. If one fails, those that
        started are stopped and its error is raised."""
        if count > 1 and callable(getattr(self._source, "reserve", None)):
            self._source.reserve(count)
        from concurrent.futures import ThreadPoolExecutor  # here: it pulls in logging, 8 ms of every import

        with ThreadPoolExecutor(max_workers=min(count, 16)) as pool:
            futures = [pool.submit(self._start_one) for _ in range(count)]
        errors = [future.exception() for future in futures if future.exception() is not None]
        urls = [future.result() for future in futures if future.exception() is None]
        if errors:
            for url in urls:
                self._stop(url)
            raise errors[0]
        return urls

    def _start_one(self) -> str:
        provider = self._make()
        timeout = self._launch.get("wait_timeout") or 30.0
        env_vars = self._launch.get("env_vars") or {}
        if _has(provider, _RUNTIME):
            url = provider.start(env_vars=env_vars)
            ready: Callable[[], None] = lambda: provider.wait_for_ready(timeout_s=timeout)  # noqa: E731
            stop: Callable[[], None] = provider.stop
        elif _has(provider, _CONTAINER):
            plan = call_json("openenv_launch_plan", self._name, json.dumps({**self._launch, "runtime": "docker"}))
            image = self._launch.get("docker_image") or plan.get("image")
            if image is None:
                raise InvalidArgumentError(f"no image to start for '{self._name}': give docker_image=")
            # One `start_container` at a time (their waits for readiness overlap): openenv's
            # LocalDockerProvider names each container by the millisecond, and two started in
            # the same one collide ("the container name ... is already in use").
            with self._starting:
                url = provider.start_container(image, env_vars=env_vars)
            ready = lambda: provider.wait_for_ready(url, timeout_s=timeout)  # noqa: E731
            stop = lambda: container_provider.stop(provider)  # noqa: E731
        else:
            raise InvalidArgumentError(f"the provider made for a server ({type(provider).__name__}) is neither a RuntimeProvider nor a ContainerProvider")
        try:
            container_provider.watch(provider)
            ready()
        except BaseException:
            stop()
            raise
        with self._lock:
            self.started[url] = stop
        return url

    def _stop(self, url: str) -> None:
        with self._lock:
            stop = self.started.pop(url, None)
        if stop is not None:
            stop()

    def stop_all(self) -> None:
        """Stops every server started (each once)."""
        for url in list(self.started):
            try:
                self._stop(url)
            except Exception:  # a server already gone: the others must still stop
                pass
        if callable(getattr(self._source, "release", None)):
            self._source.release()
