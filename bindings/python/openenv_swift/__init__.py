"""openenv_swift: OpenEnv's ``AutoEnv`` / ``AutoAction`` on the openenv-swift engine.

Change ``from openenv import AutoEnv, AutoAction`` to
``from openenv_swift import AutoEnv, AutoAction``; the API is the same: clients are the
environment package's own class, async-first (``async with env:``, ``await env.step(a)``,
``env.sync()`` for blocking use), with the engine as their connection.
"""

from __future__ import annotations

from typing import Any

from ._native import version
from .auto_action import AutoAction
from .auto_env import AutoEnv
from .client import EngineTransport, GenericAction, GenericEnvClient, SyncEnvClient
from .vector import VectorEnv, VectorEnvError
from .schema_action import SchemaAction, action_class
from .errors import (
    CapacityError,
    ClientCreationError,
    ConsentRequiredError,
    EngineError,
    EnvConnectionError,
    EnvironmentNotFoundError,
    EnvTimeoutError,
    InstallError,
    InvalidActionError,
    InvalidArgumentError,
    LibraryNotFoundError,
    MessageTooLargeError,
    OpenEnvError,
    ProtocolError,
    ServerError,
    ServerStartError,
    SessionClosedError,
    UnsupportedError,
    ValidationError,
)



def __getattr__(name: str) -> Any:
    """Attributes made on first use, to keep the import light: ``__version__`` is the engine's
    own (``openenv_version()``, the one place the version is written), read without loading
    the library at import; ``StepResult`` lives in a module of its own (see there)."""
    if name == "__version__":
        return version()
    if name == "StepResult":
        from .step_result import StepResult

        return StepResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AutoAction",
    "AutoEnv",
    "CapacityError",
    "ClientCreationError",
    "EngineTransport",
    "GenericAction",
    "GenericEnvClient",
    "SyncEnvClient",
    "VectorEnv",
    "VectorEnvError",
    "ConsentRequiredError",
    "EngineError",
    "EnvConnectionError",
    "EnvTimeoutError",
    "EnvironmentNotFoundError",
    "InstallError",
    "InvalidActionError",
    "InvalidArgumentError",
    "LibraryNotFoundError",
    "MessageTooLargeError",
    "OpenEnvError",
    "ProtocolError",
    "ServerError",
    "SchemaAction",
    "ServerStartError",
    "SessionClosedError",
    "StepResult",
    "UnsupportedError",
    "ValidationError",
    "action_class",
    "version",
]
