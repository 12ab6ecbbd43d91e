"""The one place that declares libopenenv.so's C signatures and turns statuses into exceptions.

The library is looked for next to this package first, then at ``$OPENENV_SWIFT_LIB``.
It is loaded on first use, so ``import openenv_swift`` stays cheap.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import (
    EngineError,
    EnvironmentNotFoundError,
    InvalidArgumentError,
    LibraryNotFoundError,
    OpenEnvError,
)

OK = 0
ERROR = 1
INVALID_ARGUMENT = 2
NOT_FOUND = 3

_EXCEPTIONS: dict[int, type[OpenEnvError]] = {
    ERROR: EngineError,
    INVALID_ARGUMENT: InvalidArgumentError,
    NOT_FOUND: EnvironmentNotFoundError,
}

_OUT = ctypes.POINTER(ctypes.c_void_p)

# name -> (argument types); every call returns an int status.
_SIGNATURES: dict[str, list[Any]] = {
    "openenv_version": [_OUT],
    "openenv_discover": [ctypes.c_char_p, _OUT],
    "openenv_env_info": [ctypes.c_char_p, ctypes.c_char_p, _OUT],
    "openenv_action_info": [ctypes.c_char_p, ctypes.c_char_p, _OUT],
    "openenv_list_text": [ctypes.c_char_p, ctypes.c_char_p, _OUT],
}

_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None


def library_path() -> Path:
    """Where libopenenv.so is: beside this package, else ``$OPENENV_SWIFT_LIB``."""
    beside = Path(__file__).with_name("libopenenv.so")
    if beside.is_file():
        return beside
    configured = os.environ.get("OPENENV_SWIFT_LIB")
    if configured:
        path = Path(configured)
        if path.is_file():
            return path
        raise LibraryNotFoundError(
            f"OPENENV_SWIFT_LIB points to {configured}, which is not a file. "
            "Build it with: swift build -c release (it is .build/release/libopenenv.so)"
        )
    raise LibraryNotFoundError(
        f"libopenenv.so is not installed beside {Path(__file__).parent} and OPENENV_SWIFT_LIB is not set. "
        "Build it with: swift build -c release, then set OPENENV_SWIFT_LIB=.build/release/libopenenv.so"
    )


def library() -> ctypes.CDLL:
    """The loaded library with every signature declared (loaded once, thread-safely)."""
    global _library
    if _library is not None:
        return _library
    with _lock:
        if _library is None:
            path = library_path()
            try:
                lib = ctypes.CDLL(str(path))
            except OSError as error:
                raise LibraryNotFoundError(f"cannot load {path}: {error}") from error
            for name, argtypes in _SIGNATURES.items():
                function = getattr(lib, name)
                function.argtypes = argtypes
                function.restype = ctypes.c_int
            lib.openenv_last_error.argtypes = []
            lib.openenv_last_error.restype = ctypes.c_char_p
            lib.openenv_string_free.argtypes = [ctypes.c_void_p]
            lib.openenv_string_free.restype = None
            _library = lib
    return _library


def _encode(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else text.encode("utf-8", "surrogatepass")


def call_text(name: str, *arguments: Optional[str]) -> str:
    """Calls ``name`` with string arguments and one string out parameter; returns that string."""
    lib = library()
    out = ctypes.c_void_p()
    function: Callable[..., int] = getattr(lib, name)
    status = function(*(_encode(argument) for argument in arguments), ctypes.byref(out))
    if status != OK:
        message = lib.openenv_last_error().decode("utf-8", "replace")
        raise _EXCEPTIONS.get(status, EngineError)(message)
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.openenv_string_free(out)


def call_json(name: str, *arguments: Optional[str]) -> Any:
    """Like :func:`call_text`, with the result parsed as JSON."""
    return json.loads(call_text(name, *arguments))


def discovery_options(search_paths: Optional[list[str]] = None) -> str:
    """The options JSON naming this interpreter's ``sys.path`` (or the given paths)."""
    import sys

    return json.dumps({"search_paths": list(sys.path) if search_paths is None else search_paths})


def version() -> str:
    """The engine's version."""
    lib = library()
    out = ctypes.c_void_p()
    if lib.openenv_version(ctypes.byref(out)) != OK:
        raise EngineError(lib.openenv_last_error().decode("utf-8", "replace"))
    try:
        return ctypes.string_at(out.value).decode("utf-8")
    finally:
        lib.openenv_string_free(out)
