"""Environments in containers run by the caller's own provider object, duck-typed like
openenv's ``ContainerProvider``: ``start_container(image, ...) -> base_url``,
``wait_for_ready(base_url, timeout_s)`` and ``stop_container()``. The engine decides which
image (or which running server) to use; the provider only runs it."""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from ._native import call_json
from .client import SwiftEnvClient
from .errors import InvalidArgumentError

PROVIDER_METHODS = ("start_container", "wait_for_ready", "stop_container")


def open_client(provider: Any, name: str, launch_options: Dict[str, Any], client_options: Dict[str, Any]) -> SwiftEnvClient:
    """A client of environment ``name`` whose server runs in a container of ``provider``'s,
    stopped with ``provider.stop_container()`` when the client closes (or fails to open).

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
        return SwiftEnvClient(plan["base_url"], **client_options)
    wait_timeout: Optional[float] = launch_options.get("wait_timeout")
    base_url = provider.start_container(plan["image"], env_vars=launch_options.get("env_vars") or {}, wait_timeout=wait_timeout)
    try:
        provider.wait_for_ready(base_url, timeout_s=wait_timeout)
        return SwiftEnvClient(base_url, on_close=provider.stop_container, **client_options)
    except BaseException:
        provider.stop_container()
        raise
