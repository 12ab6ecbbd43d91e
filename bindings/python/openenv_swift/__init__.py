"""openenv_swift: OpenEnv's ``AutoEnv`` / ``AutoAction`` on the openenv-swift engine.

Change ``from openenv import AutoEnv, AutoAction`` to
``from openenv_swift import AutoEnv, AutoAction``; the API is the same, for openenv 0.10.0 and
openenv-core 0.3.0 alike: clients are the environment package's own class running the installed
reference's own client code, with the engine as their connection. ``openenv_swift.install()``
(or ``OPENENV_ENGINE=swift``) puts every OpenEnv client of the process on the engine, however
it is constructed.
"""

from __future__ import annotations

from typing import Any

from ._native import version
from .auto_action import AutoAction
from .auto_env import AutoEnv
from .connection import EngineConnection
from .seam import engine_class, install, installed, uninstall
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
    the library at import; the reference's classes (``GenericEnvClient`` connecting through
    the engine, ``GenericAction``, ``SyncEnvClient``, ``StepResult``) are imported from the
    installed openenv or openenv-core when first asked for."""
    from . import client

    if name == "__version__":
        return version()
    if name == "GenericEnvClient":
        return client.generic_client_class()
    if name in ("GenericAction", "SyncEnvClient", "StepResult"):
        return client.reference_class(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from .seam import install_from_environment as _install_from_environment  # noqa: E402

_install_from_environment()

__all__ = [
    "AutoAction",
    "AutoEnv",
    "CapacityError",
    "ClientCreationError",
    "EngineConnection",
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
    "engine_class",
    "install",
    "installed",
    "uninstall",
    "version",
]
