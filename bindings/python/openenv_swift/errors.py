"""Exceptions raised by openenv_swift, one per engine status code."""

from __future__ import annotations

from typing import Any, Dict, Optional


class OpenEnvError(Exception):
    """Base class of every error the openenv-swift engine reports."""


class EnvironmentNotFoundError(OpenEnvError, ValueError):
    """No installed environment answers to the name (a ValueError, like the reference's)."""


class InvalidArgumentError(OpenEnvError, ValueError):
    """An argument was malformed: an empty name, bad JSON, an unknown option."""


class LibraryNotFoundError(OpenEnvError, OSError):
    """libopenenv.so could not be found or loaded."""


class EngineError(OpenEnvError, RuntimeError):
    """An unexpected failure inside the engine."""


class EnvTimeoutError(OpenEnvError, TimeoutError):
    """The server did not answer in time; the session is closed."""


class EnvConnectionError(OpenEnvError, ConnectionError):
    """The server could not be reached, or dropped the connection."""


class SessionClosedError(OpenEnvError, RuntimeError):
    """The session is closed: by close(), or after an error that ends it."""


class ProtocolError(OpenEnvError, RuntimeError):
    """The server answered something the OpenEnv protocol does not allow."""


class MessageTooLargeError(OpenEnvError, RuntimeError):
    """A message exceeded the configured maximum size; the session is closed."""


class UnsupportedError(OpenEnvError, NotImplementedError):
    """A feature this version of openenv_swift does not offer yet."""


class InvalidActionError(OpenEnvError, ValueError):
    """An action does not fit its schema; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: Optional[list] = None) -> None:
        super().__init__(message)
        self.problems: list = list(problems or [])


class ServerStartError(OpenEnvError, RuntimeError):
    """The environment server could not be started: it crashed, no Docker engine answers..."""


class ConsentRequiredError(OpenEnvError, ValueError):
    """Installing a Space's client code needs consent: ``trust_remote_code=True`` or
    ``OPENENV_TRUST_REMOTE_CODE=1`` (a ValueError, like the reference's refusal)."""


class InstallError(OpenEnvError, ValueError):
    """The package installer failed; its output was printed (a ValueError, like the
    reference's "Failed to install environment from HuggingFace Space")."""


class ServerError(OpenEnvError, RuntimeError):
    """The server answered with an error message. Its text starts as the reference client's
    does, ``Server error: <message> (code: <code>)``, then says what to do.

    Attributes:
        code: the server's code (``EXECUTION_ERROR``, ``INVALID_JSON``, ...).
        details: the rest of the server's error data.
    """

    def __init__(self, message: str, details: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.details: Dict[str, Any] = dict(details or {})
        self.code: str = str(self.details.get("code", "UNKNOWN"))


class ValidationError(ServerError, ValueError):
    """The server rejected the message (``VALIDATION_ERROR``); ``errors`` is pydantic's list."""

    @property
    def errors(self) -> list:
        return list(self.details.get("errors", []))


class CapacityError(ServerError):
    """The server is at capacity (``CAPACITY_REACHED``); the session is closed."""

    @property
    def active_sessions(self) -> Optional[int]:
        return self.details.get("active_sessions")

    @property
    def max_sessions(self) -> Optional[int]:
        return self.details.get("max_sessions")


#: Server error codes with their own exception class.
SERVER_ERROR_CLASSES = {"VALIDATION_ERROR": ValidationError, "CAPACITY_REACHED": CapacityError}


def server_error(message: str, details: Dict[str, Any]) -> ServerError:
    """The exception for a server's error message: the reference's wording first, then the
    engine's explanation, less what the wording already said (a fleet's capacity error is the
    engine's own message: said once)."""
    code = details.get("code", "UNKNOWN")
    said = str(details.get("message", "Unknown error"))
    rest = message[len(said):].lstrip(". ") if message.startswith(said) else message
    text = f"Server error: {said} (code: {code})" + (f". {rest}" if rest else "")
    return SERVER_ERROR_CLASSES.get(code, ServerError)(text, details)


class ClientCreationError(OpenEnvError, ValueError):
    """The environment's client could not be created: the reference raises ValueError
    ("Failed to create environment client for ..."). Raised errors also keep their own class
    (``ServerStartError``, ``EnvTimeoutError``...), so either can be caught."""


_CREATION_CLASSES: Dict[type, type] = {}


def creation_error(error: Exception, name: str, client_class: str) -> Exception:
    """``error`` as a failure to create ``name``'s client: of its own class and of
    :class:`ClientCreationError`, with the reference's message first."""
    kind = type(error)
    if not isinstance(error, ClientCreationError):
        kind = _CREATION_CLASSES.setdefault(kind, type(kind.__name__, (kind, ClientCreationError), {"__module__": kind.__module__}))
    text = f"Failed to create environment client for '{name}'.\nClient class: {client_class}\nError: {error}"
    created = kind.__new__(kind, text)
    created.__dict__.update(getattr(error, "__dict__", {}))
    Exception.__init__(created, text)
    return created
