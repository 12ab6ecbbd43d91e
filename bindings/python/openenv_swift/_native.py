"""The one place that declares libopenenv.so's C signatures and turns statuses into exceptions.

The library is looked for next to this package first, then at ``$OPENENV_SWIFT_LIB``.
It is loaded on first use, so ``import openenv_swift`` stays cheap. ctypes releases the GIL
during every call, so blocking calls (connect, reset, step) let other Python threads run.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Callable, Dict, Optional, Union

from . import errors

OK = 0
ERROR = 1
INVALID_ARGUMENT = 2
NOT_FOUND = 3
TIMEOUT = 4
CONNECTION = 5
CLOSED = 6
SERVER_ERROR = 7
PROTOCOL = 8
TOO_LARGE = 9
RUNTIME = 10
CONSENT_REQUIRED = 11
INSTALL_FAILED = 12
INVALID_ACTION = 13

_EXCEPTIONS: Dict[int, type] = {
    ERROR: errors.EngineError,
    INVALID_ARGUMENT: errors.InvalidArgumentError,
    NOT_FOUND: errors.EnvironmentNotFoundError,
    TIMEOUT: errors.EnvTimeoutError,
    CONNECTION: errors.EnvConnectionError,
    CLOSED: errors.SessionClosedError,
    PROTOCOL: errors.ProtocolError,
    TOO_LARGE: errors.MessageTooLargeError,
    RUNTIME: errors.ServerStartError,
    CONSENT_REQUIRED: errors.ConsentRequiredError,
    INSTALL_FAILED: errors.InstallError,
    INVALID_ACTION: errors.InvalidActionError,
}

class Completion(ctypes.Structure):
    """``openenv_completion``: one finished submitted request."""

    _fields_ = [("tag", ctypes.c_uint64), ("status", ctypes.c_int), ("json", ctypes.c_void_p),
                ("error", ctypes.c_void_p), ("env", ctypes.c_void_p)]


#: ``OPENENV_OP_*``: what a submitted request asks.
OP_RESET, OP_STEP, OP_STATE, OP_MESSAGE, OP_TEXT = 1, 2, 3, 4, 5
#: ``OPENENV_SUBMIT_DEFERRED``: or'ed into an op, the request waits for ``openenv_submit_flush``.
SUBMIT_DEFERRED = 0x100
#: ``OPENENV_OPEN_*``: how a session is opened without blocking.
OPEN_CONNECT, OPEN_FROM_ENV, OPEN_FROM_HUB = 1, 2, 3

_OUT = ctypes.POINTER(ctypes.c_void_p)
_TEXT = ctypes.c_char_p
_HANDLE = ctypes.c_void_p

# name -> argument types; every call returns an int status.
_SIGNATURES: Dict[str, list] = {
    "openenv_version": [_OUT],
    "openenv_last_error_details": [_OUT],
    "openenv_discover": [_TEXT, _OUT],
    "openenv_env_info": [_TEXT, _TEXT, _OUT],
    "openenv_env_details": [_TEXT, _TEXT, _OUT],
    "openenv_action_info": [_TEXT, _TEXT, _OUT],
    "openenv_list_text": [_TEXT, _TEXT, _OUT],
    "openenv_connect": [_TEXT, _TEXT, _OUT],
    "openenv_from_env": [_TEXT, _TEXT, _OUT],
    "openenv_from_hub": [_TEXT, _TEXT, _OUT],
    "openenv_base_url": [_HANDLE, _OUT],
    "openenv_launch_plan": [_TEXT, _TEXT, _OUT],
    "openenv_container_watch": [_TEXT, _TEXT],
    "openenv_resolve": [_TEXT, _TEXT, _OUT],
    "openenv_action_fields": [_TEXT, _OUT],
    "openenv_validate_action": [_TEXT, _TEXT, _OUT],
    "openenv_server_schema": [_TEXT, _TEXT, _OUT],
    "openenv_server_health": [_TEXT, _TEXT, _OUT],
    "openenv_reset": [_HANDLE, _TEXT, _OUT],
    "openenv_step": [_HANDLE, _TEXT, _OUT],
    "openenv_state": [_HANDLE, _OUT],
    "openenv_schema": [_HANDLE, _OUT],
    "openenv_metadata": [_HANDLE, _OUT],
    "openenv_send": [_HANDLE, _TEXT, _OUT],
    "openenv_exchange": [_HANDLE, _TEXT, _OUT],
    "openenv_is_open": [_HANDLE, ctypes.POINTER(ctypes.c_int)],
    "openenv_hang_up": [_HANDLE],
    "openenv_close": [_HANDLE],
    "openenv_queue_new": [_OUT],
    "openenv_queue_new_inline": [_OUT],
    "openenv_queue_run": [_HANDLE],
    "openenv_queue_fd": [_HANDLE, ctypes.POINTER(ctypes.c_int)],
    "openenv_queue_free": [_HANDLE],
    "openenv_collect": [_HANDLE, ctypes.POINTER(Completion), ctypes.c_size_t, ctypes.c_double, ctypes.POINTER(ctypes.c_size_t)],
    "openenv_submit": [_HANDLE, _HANDLE, ctypes.c_int, _TEXT, ctypes.c_uint64],
    "openenv_submit_open": [_HANDLE, ctypes.c_int, _TEXT, _TEXT, ctypes.c_uint64],
    "openenv_submit_flush": [],
    "openenv_run_batch": [ctypes.c_int, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.POINTER(Completion)],
    "openenv_open_placed": [ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_size_t, _TEXT, ctypes.POINTER(ctypes.c_void_p)],
    "openenv_queue_open_placed": [_HANDLE, ctypes.POINTER(ctypes.c_char_p), ctypes.c_size_t, ctypes.c_size_t, _TEXT, ctypes.POINTER(ctypes.c_void_p)],
}

_lock = threading.Lock()
_library: Optional[ctypes.CDLL] = None


def library_path() -> str:
    """Where libopenenv.so is: beside this package, else ``$OPENENV_SWIFT_LIB``. (``os.path``,
    not ``pathlib``: every import of the package pays for what this module imports.)"""
    package = os.path.dirname(os.path.abspath(__file__))
    beside = os.path.join(package, "libopenenv.so")
    if os.path.isfile(beside):
        return beside
    configured = os.environ.get("OPENENV_SWIFT_LIB")
    if configured:
        if os.path.isfile(configured):
            return configured
        raise errors.LibraryNotFoundError(
            f"OPENENV_SWIFT_LIB points to {configured}, which is not a file. "
            "Build it with: bash scripts/build_library.sh (it prints the library's path)"
        )
    raise errors.LibraryNotFoundError(
        f"libopenenv.so is not installed beside {package} and OPENENV_SWIFT_LIB is not set. "
        "Install the openenv_swift wheel (pip install ./bindings/python builds one), or build the library "
        "with bash scripts/build_library.sh and set OPENENV_SWIFT_LIB to the path it prints"
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
                lib = ctypes.CDLL(path)
            except OSError as error:
                raise errors.LibraryNotFoundError(f"cannot load {path}: {error}") from error
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


def _take_string(lib: ctypes.CDLL, pointer: ctypes.c_void_p) -> str:
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        lib.openenv_string_free(pointer)


def _raise(lib: ctypes.CDLL, status: int) -> None:
    message = lib.openenv_last_error().decode("utf-8", "replace")
    details = None
    if status in (SERVER_ERROR, INVALID_ACTION):
        out = ctypes.c_void_p()
        details = _take_string(lib, out) if lib.openenv_last_error_details(ctypes.byref(out)) == OK else None
    raise exception(status, message, details)


def exception(status: int, message: str, details_json: Optional[str] = None) -> Exception:
    """The exception for a failed call: its status, message and details (JSON text)."""
    if status in (SERVER_ERROR, INVALID_ACTION):
        details = json.loads(details_json) if details_json else None
        details = details if isinstance(details, dict) else {}
        if status == INVALID_ACTION:
            return errors.InvalidActionError(message, details.get("problems", []))
        return errors.server_error(message, details)
    return _EXCEPTIONS.get(status, errors.EngineError)(message)


Argument = Union[None, str, int]


def _convert(argument: Argument) -> Any:
    if isinstance(argument, str):
        if "\x00" in argument:  # a C string would end there, silently
            raise errors.InvalidArgumentError(f"{argument[:120]!r} holds a NUL character, which no name, URL or option has")
        return argument.encode("utf-8", "surrogatepass")
    return argument


def call_text(name: str, *arguments: Argument) -> str:
    """Calls ``name`` with its arguments (str, a handle int, or None) and one string out
    parameter; returns that string."""
    lib = library()
    out = ctypes.c_void_p()
    status = getattr(lib, name)(*(_convert(argument) for argument in arguments), ctypes.byref(out))
    if status != OK:
        _raise(lib, status)
    return _take_string(lib, out)


def call_json(name: str, *arguments: Argument) -> Any:
    """Like :func:`call_text`, with the result parsed as JSON."""
    return json.loads(call_text(name, *arguments))


def session_function(name: str) -> Callable[..., bytes]:
    """A fast caller of a session function ``name(handle[, json_argument], &out)``: the C
    function is looked up once, and each call returns the result's UTF-8 bytes."""
    lib = library()
    function = getattr(lib, name)
    free, string_at, byref, pointer = lib.openenv_string_free, ctypes.string_at, ctypes.byref, ctypes.c_void_p

    def call(handle: int, *argument: bytes) -> bytes:
        out = pointer()
        status = function(handle, *argument, byref(out))
        if status != OK:
            _raise(lib, status)
        try:
            return string_at(out.value)
        finally:
            free(out)

    return call


def open_session(function: str, target: str, options: Dict[str, Any]) -> int:
    """Opens a session with ``openenv_connect``, ``openenv_from_env`` or ``openenv_from_hub``;
    returns its handle."""
    lib = library()
    out = ctypes.c_void_p()
    status = getattr(lib, function)(_convert(target), json.dumps(options).encode(), ctypes.byref(out))
    if status != OK:
        _raise(lib, status)
    return int(out.value)


def take_completion(lib: ctypes.CDLL, completion: Completion) -> Any:
    """The result of a completion (JSON text, or a session handle for opens), or the exception
    it carries; frees its strings either way."""
    # Each field is read once: every ctypes field read builds a new Python object (about 0.1 us
    # measured, a fifth of a string_at and decode), and a batch reads thousands.
    status, text, error = completion.status, completion.json, completion.error
    try:
        if status == OK:
            return ctypes.string_at(text).decode("utf-8") if text else int(completion.env)
        message = ctypes.string_at(error).decode("utf-8", "replace") if error else ""
        details = ctypes.string_at(text).decode("utf-8", "replace") if text else None
        return exception(status, message, details)
    finally:
        if text:
            lib.openenv_string_free(text)
        if error:
            lib.openenv_string_free(error)


def close(handle: int) -> None:
    """Closes a session handle (idempotent)."""
    _handle_call("openenv_close", handle)


def is_open(handle: int) -> bool:
    """Whether a session can still be used (the server or a failure may have ended it)."""
    flag = ctypes.c_int()
    library().openenv_is_open(handle, ctypes.byref(flag))
    return bool(flag.value)


def hang_up(handle: int) -> None:
    """Ends a session's conversation but keeps the handle, and the server it started (idempotent)."""
    _handle_call("openenv_hang_up", handle)


def _handle_call(name: str, handle: int) -> None:
    lib = library()
    status = getattr(lib, name)(handle)
    if status != OK:
        _raise(lib, status)


def watch_container(container_id: str, engine: Optional[str] = None) -> None:
    """Has the container ``container_id`` (run by ``engine``, a command or path; None: the
    engine's own choice) removed when this process ends, however it ends
    (``openenv_container_watch``)."""
    lib = library()
    status = lib.openenv_container_watch(_convert(container_id), _convert(engine))
    if status != OK:
        _raise(lib, status)


def discovery_options(search_paths: Optional[list] = None) -> str:
    """The options JSON naming this interpreter's ``sys.path`` (or the given paths)."""
    import sys

    return json.dumps({"search_paths": list(sys.path) if search_paths is None else search_paths})


def launch_options(**extra: Any) -> Dict[str, Any]:
    """The launch options naming this interpreter: its ``sys.path`` to search and itself to
    serve environments with and install Hub packages into; plus ``extra``."""
    import sys

    return {"search_paths": list(sys.path), "python": sys.executable, **extra}


def version() -> str:
    """The engine's version."""
    return call_text("openenv_version")
