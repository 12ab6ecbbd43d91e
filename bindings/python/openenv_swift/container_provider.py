"""Environments in containers run by the caller's own provider object, duck-typed like
openenv's ``ContainerProvider``: ``start_container(image, ...) -> base_url``,
``wait_for_ready(base_url, timeout_s)`` and ``stop_container()``. The engine decides which
image (or which running server) to use; the provider only runs it."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Tuple

from ._native import call_json
from .errors import InvalidArgumentError

PROVIDER_METHODS = ("start_container", "wait_for_ready", "stop_container")


def start(provider: Any, name: str, launch_options: Dict[str, Any]) -> Tuple[str, Optional[Any]]:
    """Where environment ``name``'s server answers, and the provider to stop with the client
    (None when the engine found a running server and no container was started). A container
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
        provider.wait_for_ready(base_url, timeout_s=wait_timeout)
    except BaseException:
        provider.stop_container()
        raise
    return base_url, provider
