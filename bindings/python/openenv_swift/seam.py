"""Where the engine meets the installed OpenEnv (openenv 0.10.0 or openenv-core 0.3.0).

OpenEnv's clients make their WebSocket with ``openenv.core.env_client.ws_connect`` (websockets'
``connect``) inside one method (``_connect_async`` in 0.10.0, ``connect`` in 0.3.0). That is
the seam, the same in both releases: :func:`attach` replaces ``ws_connect`` with a dispatcher
and wraps that method only to let the dispatcher know which client is connecting. A client
gets an :class:`~openenv_swift.connection.EngineConnection` when :func:`install` is on, when
``AutoEnv`` made it (:func:`use_engine`: the package's own class, the engine put in as the
instance's connection), or when its class is an engine class (:func:`engine_class`); every other
client gets websockets' connection, unchanged. Everything else a client does is its own code.

One fast path, for blocking use: ``SyncEnvClient.reset/step/state`` of a client on an open
engine connection, whose class keeps the reference's request methods, exchange the message on
the caller's thread instead of hopping to the sync client's event-loop thread; the message,
the error check and the hooks are the reference's (the tests compare both paths).

And ``from_docker_image`` of a client that uses the engine, with no provider, has the engine run
the container (:mod:`.docker_image`).
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
from typing import Any, Callable, Dict, Optional, Tuple

from . import docker_image
from .attach_on_import import install_when_imported
from .connection import EngineConnection, base_url_of, connect
from .engine_server import EngineServer

#: The client whose connect method is running (set by the wrapper :func:`attach` installs).
_CONNECTING: contextvars.ContextVar[Any] = contextvars.ContextVar("openenv_swift_connecting", default=None)
#: Set by :func:`install`: every client of the process connects through the engine.
_everywhere = False
#: The reference's own functions that :func:`attach` replaced, by name.
_originals: Dict[str, Any] = {}
_engine_classes: Dict[type, type] = {}
#: The attribute of a client holding the engine's own session options it was given.
_OPTIONS = "_openenv_swift_options"
_keeps_reference_cache: Dict[Tuple[type, str], bool] = {}
#: The attribute of an engine class, or of a client made to use the engine (:func:`use_engine`).
_ENGINE = "_openenv_swift_engine"


def reference() -> Any:
    """The installed reference's ``openenv.core.env_client`` module.

    Raises:
        ImportError: neither openenv nor openenv-core is installed.
    """
    try:
        from openenv.core import env_client
    except ImportError as error:
        raise ImportError("OpenEnv clients need the reference installed: pip install openenv (or openenv-core); "
                          f"openenv_swift is their connection. ({error})") from error
    return env_client


def attach() -> None:
    """Puts the dispatcher into the installed reference (once; idempotent)."""
    if _originals:
        return
    env_client = reference()
    from openenv.core import sync_client

    client_class = env_client.EnvClient
    connecting = _connecting_method(client_class)
    _originals["ws_connect"] = env_client.ws_connect
    _originals[connecting] = vars(client_class)[connecting]
    env_client.ws_connect = _dispatch
    setattr(client_class, connecting, _knowing_client(vars(client_class)[connecting]))
    if "_create_session_client" in vars(client_class):  # openenv 0.10.0's new_session()
        _originals["_create_session_client"] = vars(client_class)["_create_session_client"]
        client_class._create_session_client = _passing_options(vars(client_class)["_create_session_client"])
    for kind in ("reset", "step", "state"):
        _originals[f"sync.{kind}"] = vars(sync_client.SyncEnvClient)[kind]
        setattr(sync_client.SyncEnvClient, kind, _blocking_request(kind, vars(sync_client.SyncEnvClient)[kind]))
    _originals.update(docker_image.patch(env_client, uses_engine))


def _connecting_method(client_class: type) -> str:
    """The name of the method that connects a client: ``_connect_async`` (0.10.0), ``connect`` (0.3.0)."""
    return "_connect_async" if hasattr(client_class, "_connect_async") else "connect"


def install() -> None:
    """Every OpenEnv client this process connects from now on, however it was made
    (``X(base_url=...)``, ``X.from_docker_image``, ``GenericEnvClient``, MCP clients,
    ``new_session()`` children), uses the engine as its connection. Idempotent; clients
    already connected keep their connection. Also done at import of ``openenv_swift`` when
    ``OPENENV_ENGINE=swift``."""
    global _everywhere
    attach()
    _everywhere = True


def uninstall() -> None:
    """Undoes :func:`install`: clients connect with websockets again (those made by
    ``AutoEnv``, engine classes, keep the engine). Connections already open are kept."""
    global _everywhere
    _everywhere = False


def installed() -> bool:
    """Whether :func:`install` is on."""
    return _everywhere


def install_from_environment() -> None:
    """:func:`install` when ``OPENENV_ENGINE`` is ``swift`` (read at import of openenv_swift),
    once the program imports OpenEnv's client module: a process that never does pays nothing
    (see :mod:`openenv_swift.attach_on_import`)."""
    if os.environ.get("OPENENV_ENGINE", "").strip().lower() == "swift":
        install_when_imported(install)


def engine_class(client_class: type) -> type:
    """``client_class`` connecting through the engine: a subclass made once, so
    ``isinstance(env, client_class)`` holds; it is constructed like ``client_class``
    (``base_url=...``, ``from_docker_image``, ``from_env``) and changes nothing else."""
    attach()
    if getattr(client_class, _ENGINE, False):
        return client_class
    found = _engine_classes.get(client_class)
    if found is None:
        members: Dict[str, Any] = {"__module__": client_class.__module__, "__qualname__": client_class.__qualname__,
                                   "__doc__": client_class.__doc__, _ENGINE: True}
        if not hasattr(client_class, "base_url"):  # openenv-core 0.3.0 dropped it; 0.10.0 has it back
            members["base_url"] = property(_base_url, doc="The server's base URL (from the client's WebSocket URL).")
        found = type(client_class.__name__, (client_class,), members)
        _engine_classes[client_class] = found
    return found


def use_engine(client: Any) -> None:
    """Makes ``client``, an instance of any client class (the package's own, as ``AutoEnv``
    hands out), connect through the engine; its class is left as it is. Its connect method
    (the class's own, however far down) first frees the slot kept for it when it is an MCP
    client in production mode on a server the engine started (an :class:`EngineServer`
    provider), since such a client makes an HTTP session on the server before its WebSocket
    joins that session."""
    attach()
    setattr(client, _ENGINE, True)
    if not hasattr(type(client), "base_url"):  # openenv-core 0.3.0 dropped it; 0.10.0 has it back
        client.base_url = _base_url(client)
    connecting = _connecting_method(type(client))
    own = getattr(client, connecting)

    async def connect_method(*args: Any, **kwargs: Any) -> Any:
        server = getattr(client, "_provider", None)
        if isinstance(server, EngineServer) and getattr(client, "use_production_mode", False):
            await server.make_room()
        return await own(*args, **kwargs)

    connect_method.__name__ = connect_method.__qualname__ = connecting
    setattr(client, connecting, connect_method)


def _base_url(client: Any) -> Optional[str]:
    return base_url_of(client._ws_url) if getattr(client, "_ws_url", None) else None


def remember_server_options(client: Any, engine_options: Dict[str, Any]) -> None:
    """Makes the engine connections of ``client`` and of its ``new_session()`` children, and
    of no other client, use ``engine_options``: the engine's own session options given to
    ``AutoEnv`` for it (``ca_file``, ``bearer_token``, pings)."""
    if engine_options:
        setattr(client, _OPTIONS, dict(engine_options))


def _passing_options(original: Callable[..., Any]) -> Callable[..., Any]:
    """``EnvClient._create_session_client`` (what ``new_session()`` makes its child with),
    handing the parent's engine options to the child."""

    @functools.wraps(original)
    def create(self: Any) -> Any:
        child = original(self)
        options = getattr(self, _OPTIONS, None)
        if options is not None:
            setattr(child, _OPTIONS, options)
        if vars(self).get(_ENGINE):
            use_engine(child)
        return child

    return create


def uses_engine(client: Any) -> bool:
    """Whether ``client`` connects through the engine."""
    return _everywhere or bool(getattr(client, _ENGINE, False))


async def _dispatch(uri: str, **kwargs: Any) -> Any:
    """``ws_connect`` of the reference: the engine for clients that use it, else websockets."""
    client = _CONNECTING.get()
    if not uses_engine(client):
        return await _originals["ws_connect"](uri, **kwargs)
    server = getattr(client, "_provider", None)
    if isinstance(server, EngineServer):
        first_session = server.take(uri)
        if first_session is not None:
            return first_session
        await server.make_room()
    return await connect(uri, message_timeout=getattr(client, "_message_timeout", None),
                         engine_options=getattr(client, _OPTIONS, None), **kwargs)


def _knowing_client(original: Callable[..., Any]) -> Callable[..., Any]:
    """``original`` (the client's connect method), run with the client known to the dispatcher."""

    @functools.wraps(original)
    async def connect_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = _CONNECTING.set(self)
        try:
            return await original(self, *args, **kwargs)
        finally:
            _CONNECTING.reset(token)

    return connect_method


def _blocking_request(kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
    """``SyncEnvClient.<kind>``: on the caller's thread where the client's connection is an
    open engine connection and its class keeps the reference's request methods; else ``original``."""

    @functools.wraps(original)
    def request(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = self._async
        connection = getattr(client, "_ws", None)
        if type(connection) is not EngineConnection or not _keeps_reference(type(client), kind) or not connection.open:
            return original(self, *args, **kwargs)
        claim = getattr(self, "_claim_sync_mode", None)
        if claim is not None:
            claim()
        if kind == "reset":
            message: Dict[str, Any] = {"type": "reset", "data": kwargs}
        elif kind == "step":
            message = {"type": "step", "data": client._step_payload(args[0] if args else kwargs.pop("action"))}
        else:
            message = {"type": "state"}
        try:
            response = json.loads(connection.exchange(json.dumps(message)))
        except TimeoutError:
            # As the reference's _receive: a connection that timed out is out of step; drop it
            # so the next call connects afresh.
            client._ws = None
            if hasattr(client, "_ws_loop"):
                client._ws_loop = None
            connection.abandon()
            raise
        if response.get("type") == "error":
            data = response.get("data", {})
            raise RuntimeError(f"Server error: {data.get('message', 'Unknown error')} (code: {data.get('code', 'UNKNOWN')})")
        data = response.get("data", {})
        return client._parse_state(data) if kind == "state" else client._parse_result(data)

    return request


def _keeps_reference(kind_of_client: type, kind: str) -> bool:
    """Whether a client class sends ``kind`` requests as the reference's ``EnvClient`` does."""
    key = (kind_of_client, kind)
    known = _keeps_reference_cache.get(key)
    if known is None:
        base = reference().EnvClient
        names = [f"_{kind}_async" if hasattr(base, f"_{kind}_async") else kind, "_send_and_receive", "_send", "_receive"]
        known = _keeps_reference_cache[key] = all(getattr(kind_of_client, name, None) is getattr(base, name, None) for name in names)
    return known
