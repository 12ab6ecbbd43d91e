"""The client classes openenv_swift hands out: the installed reference's own, connecting
through the engine (see :mod:`openenv_swift.seam`)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .seam import engine_class


def generic_client_class() -> type:
    """The reference's ``GenericEnvClient`` connecting through the engine (a true subclass:
    dict actions and observations, ``from_env``/``from_docker_image``, ``_base_url``)."""
    from openenv.core import GenericEnvClient

    return engine_class(GenericEnvClient)


def reference_class(name: str) -> type:
    """A class of the installed reference's ``openenv.core`` (``GenericAction``, ``SyncEnvClient``...)."""
    from . import seam

    seam.reference()
    import openenv.core

    return getattr(openenv.core, name)


def session_options(connect_timeout_s: float, message_timeout_s: float, max_message_size_mb: float,
                    ca_file: Optional[str] = None, bearer_token: Optional[str] = None,
                    websocket_ping_interval_s: Optional[float] = 20.0,
                    websocket_ping_timeout_s: Optional[float] = 20.0) -> Dict[str, Any]:
    """The engine's session options from the reference client's arguments (openenv 0.10.0's
    names; None for a ping setting switches it off, as there)."""
    options: Dict[str, Any] = {"connect_timeout": connect_timeout_s, "message_timeout": message_timeout_s,
                               "max_message_bytes": int(max_message_size_mb * 1024 * 1024),
                               "ping_interval": websocket_ping_interval_s or 0, "ping_timeout": websocket_ping_timeout_s or 0}
    if ca_file is not None:
        options["ca_file"] = ca_file
    if bearer_token is not None:
        options["bearer_token"] = bearer_token
    return options
