"""Exceptions raised by openenv_swift, one per engine status code."""

from __future__ import annotations


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
