"""Environments in containers run by the caller's own provider object, duck-typed like
openenv's ``ContainerProvider``: ``start_container(image, ...) -> base_url``,
``wait_for_ready(base_url, timeout_s)`` and ``stop_container()``. The engine decides which
image (or which running server) to use; the provider only runs it. A container the provider
names (openenv's ``LocalDockerProvider`` keeps its id in ``_container_id``) is also removed when
this process ends, however it ends, as the engine's own containers are (see :func:`watch`)."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

from ._native import call_json, watch_container
from .errors import InvalidArgumentError

PROVIDER_METHODS = ("start_container", "wait_for_ready", "stop_container")


def start(provider: Any, name: str, launch_options: Dict[str, Any]) -> Tuple[str, Optional[Any]]:
    """Where environment ``name``'s server answers, and the provider to stop with the client
    (None when the engine found a running server and no container was started; the provider
    behind a :class:`_KillingFirst` when it names its container). A container
    that started but never became ready is stopped before the error is raised.

    Raises:
        InvalidArgumentError: ``provider`` lacks one of the provider methods.
    """
    missing = [method for method in PROVIDER_METHODS if not callable(getattr(provider, method, None))]
    if missing:
        raise InvalidArgumentError(
            f"container_provider must have the methods {', '.join(PROVIDER_METHODS)} (like openenv's ContainerProvider); "
            f"{type(provider).__name__} lacks {', '.join(missing)}")
    plan = call_json("openenv_launch_plan", name, json.dumps({**launch_options, "runtime": "docker"}))
    if "base_url" in plan:
        return plan["base_url"], None
    wait_timeout: Optional[float] = launch_options.get("wait_timeout")
    base_url = provider.start_container(plan["image"], env_vars=launch_options.get("env_vars") or {}, wait_timeout=wait_timeout)
    try:
        watch(provider)
        provider.wait_for_ready(base_url, timeout_s=wait_timeout)
    except BaseException:
        stop(provider)
        raise
    return base_url, (_KillingFirst(provider) if _named_container(provider) is not None else provider)


def watch(provider: Any) -> None:
    """Has the container ``provider`` just started removed when this process ends (even by
    SIGKILL), when the provider names it: ``_container_id``, run by ``docker`` on PATH, as
    openenv's ``LocalDockerProvider`` does. Other providers' containers (remote ones, or ones
    not named) stay theirs to clean up."""
    container = _named_container(provider)
    if container is not None:
        watch_container(container, "docker")


def stop(provider: Any) -> None:
    """Stops ``provider``'s container with its ``stop_container()``; one it names is killed
    first (SIGKILL), so that the provider's ``docker stop`` finds it stopped rather than waiting
    out its 10 s for a server that ignores SIGTERM (the template's ``sh -c`` command, PID 1),
    and then giving up with the container left running."""
    container = _named_container(provider)
    if container is not None:
        import subprocess  # here: 6 ms of every import of the package otherwise

        subprocess.run(["docker", "kill", container], capture_output=True, timeout=60, check=False)
    provider.stop_container()


class _KillingFirst:
    """The provider handed to the client when the provider names its container: the client's
    ``close()`` calls ``stop_container()``, which is :func:`stop`; all else is the provider's."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider

    def stop_container(self) -> None:
        stop(self._provider)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)


def _named_container(provider: Any) -> Optional[str]:
    container = getattr(provider, "_container_id", None)
    return container if isinstance(container, str) and container else None
