"""The engine as the WebSocket connection of OpenEnv's own clients.

OpenEnv's ``EnvClient`` (openenv 0.10.0 and openenv-core 0.3.0 alike) keeps its connection in
``_ws``, made by ``websockets``' ``connect(url, open_timeout=..., max_size=..., ...)``, and calls
``send``, ``recv`` and ``close`` on it (0.10.0 also reads ``state``). :func:`connect` makes an
:class:`EngineConnection` with that face instead, so the client's own logic (execution modes,
``new_session``, MCP, providers, closing) runs as written and only the bytes move through the
engine: awaited calls through the event loop's engine queue (the session's bytes moved on the
loop's own thread, see ``_engine``), and
:meth:`EngineConnection.exchange` on the caller's thread for blocking use.

The engine pairs every answer with the message sent before it: a ``recv`` always returns the
answer to the oldest ``send`` not yet received, never another request's.
"""

from __future__ import annotations

import collections
import functools
import json
from typing import TYPE_CHECKING, Any, Awaitable, Deque, Dict, Mapping, Optional, Set, Union

from . import _engine, _native, errors

if TYPE_CHECKING:
    import asyncio

#: Seconds a closing connection waits for the server to end the session (websockets' close_timeout).
CLOSE_TIMEOUT_S = 10.0
#: The message that asks an OpenEnv server to end the session.
_CLOSE_MESSAGE = b'{"type":"close"}'


def _closed_error(message: str) -> Exception:
    """The ``websockets`` exception a closed connection raises (a ``ConnectionClosedError``),
    saying the engine's reason: websockets' own would only say which close frames went by."""
    return _closed_error_class()(message)


@functools.lru_cache(maxsize=None)
def _closed_error_class() -> type:
    """``ConnectionClosedError`` with the engine's reason as its text (made on first use:
    importing websockets is not free)."""
    from websockets.exceptions import ConnectionClosedError

    class EngineConnectionClosed(ConnectionClosedError):
        """A connection the engine found closed, with why."""

        def __init__(self, reason: str) -> None:
            super().__init__(None, None)
            self.args = (reason,)

        def __str__(self) -> str:
            return str(self.args[0])

    return EngineConnectionClosed


def _translated(error: Exception) -> Exception:
    """What ``websockets`` would raise where the engine raised ``error``: the connection's end
    as ``ConnectionClosedError``; a time-out as ``TimeoutError`` (the client's own
    ``wait_for`` raises the same); anything else as it is."""
    if isinstance(error, errors.EnvTimeoutError):
        timeout = TimeoutError(str(error))
        timeout.__cause__ = error
        return timeout
    if isinstance(error, (errors.SessionClosedError, errors.EnvConnectionError, errors.ProtocolError, errors.MessageTooLargeError)):
        closed = _closed_error(str(error))
        closed.__cause__ = error
        return closed
    return error


class EngineConnection:
    """One engine session with the face of a ``websockets`` client connection."""

    def __init__(self, handle: int, uri: str, engine: Optional[_engine.AsyncEngine] = None) -> None:
        self._handle: Optional[int] = handle
        #: The URI it was opened with (``ws://host:port/ws``), as ``websockets`` keeps it.
        self.uri = uri
        self._answers: Deque[asyncio.Future] = collections.deque()
        #: The answers of ``{"type": "close"}`` messages sent (the rest are requests).
        self._close_answers: Set[asyncio.Future] = set()
        #: The answer ``recv`` handed out last (answers come in order: while it is done, so
        #: are all before it).
        self._receiving: Optional[asyncio.Future] = None
        #: The completions of the event loop this connection sends from: the one it was opened
        #: from, else found on the first send (as a ``websockets`` connection belongs to one
        #: loop); found again only if that loop has closed. Saves looking up the running loop
        #: on every send.
        self._engine = engine
        #: Whether the engine's I/O thread moves the session's bytes (it was opened blocking,
        #: not through an event loop's engine): its requests are then deferred (``_engine``).
        self._on_io_thread = engine is None
        #: Whether :attr:`state` has let the client find out that the session was lost.
        self._loss_reported = False

    @property
    def handle(self) -> Optional[int]:
        """The engine session's handle (None once closed)."""
        return self._handle

    @property
    def base_url(self) -> str:
        """The server's base URL."""
        if self._handle is None:
            raise _closed_error("the connection is closed")
        return _native.call_text("openenv_base_url", self._handle)

    @property
    def open(self) -> bool:
        """Whether the session can still be used (the server or a failure may have ended it)."""
        handle = self._handle
        return handle is not None and _native.is_open(handle)

    @property
    def state(self) -> Any:
        """``websockets.protocol.State.OPEN`` while open, ``CLOSED`` once closed.

        A session the server or a failure ended (while idle, say: see the engine's keep-alive)
        reads ``OPEN`` once more, so that the client's next call reaches the engine and raises
        how the session was lost. openenv 0.10.0's client, reading ``CLOSED`` at once, would
        open a new session without a word and step a new episode behind its caller's back;
        after that one loud failure, it may connect anew."""
        from websockets.protocol import State

        handle = self._handle
        if handle is None:
            return State.CLOSED
        if _native.is_open(handle):
            return State.OPEN
        if self._loss_reported:
            return State.CLOSED
        self._loss_reported = True
        return State.OPEN

    async def send(self, message: Union[str, bytes]) -> None:
        """Sends one text message without waiting for anything; its answer is what a later
        :meth:`recv` returns."""
        payload = message.encode("utf-8") if isinstance(message, str) else bytes(message)
        if self._handle is None:
            raise _closed_error("the connection is closed")
        try:
            answer = self._engine_here().submit(self._handle, _native.OP_TEXT, payload, _translated, self._on_io_thread)
        except errors.OpenEnvError as error:
            raise _translated(error) from error
        if len(payload) <= 24 and payload.replace(b" ", b"") == _CLOSE_MESSAGE:
            self._close_answers.add(answer)
        self._answers.append(answer)

    def recv(self) -> Awaitable[str]:
        """The answer to the oldest message sent and not yet received, as the server wrote it
        (awaitable; a failure raises what ``websockets`` would).

        The answer's own future, not a coroutine: ``asyncio.wait_for`` (the reference client's
        receive) then needs no task of its own around it, a task per step saved."""
        if not self._answers:
            if not self.open:
                raise _closed_error("the connection is closed")
            raise RuntimeError("recv() with no message sent: the engine pairs each answer with the message sent before it; "
                               "call send() first")
        answer = self._receiving = self._answers.popleft()
        return answer

    def _engine_here(self) -> _engine.AsyncEngine:
        """The running event loop's completions; the loop this connection used before, if it
        has closed, gives its sessions over to the engine's I/O thread (``loop_closed``)."""
        engine = self._engine
        if engine is None or engine.loop_closed():
            engine = self._engine = _engine.engine()
        return engine

    def exchange(self, message: str) -> str:
        """Sends ``message`` and returns its answer, blocking the calling thread (not an event
        loop's) and releasing the GIL while it waits."""
        if self._handle is None:
            raise _closed_error("the connection is closed")
        try:
            return _exchange(self._handle, message.encode("utf-8")).decode("utf-8")
        except errors.OpenEnvError as error:
            raise _translated(error) from error

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Ends the session, letting the server close it first: a ``{"type": "close"}`` sent
        (or sent here) is given up to ``CLOSE_TIMEOUT_S`` seconds to be answered by the
        server's closing. With other requests still waiting for answers, the session ends at
        once and they fail as closed (waiting could take their whole time-out). A server this
        engine started stops with its last session."""
        import asyncio

        handle, unreceived, receiving = self._handle, list(self._answers), self._receiving
        if handle is None:
            return
        self._answers.clear()
        waited = unreceived
        try:
            if any(not answer.done() and answer not in self._close_answers for answer in (*unreceived, receiving) if answer is not None):
                waited = []
            elif not unreceived and self.open:
                waited = [self._engine_here().submit(handle, _native.OP_TEXT, _CLOSE_MESSAGE, None, self._on_io_thread)]
            if waited:
                await asyncio.wait(waited, timeout=CLOSE_TIMEOUT_S)
        finally:
            for answer in (*unreceived, *waited):
                if not answer.done():
                    answer.cancel()  # nobody can receive it any more: its answer is dropped when it comes
                elif not answer.cancelled():
                    answer.exception()  # the server's closing is the expected end: retrieved, not raised
            self._handle = None
            _native.close(handle)

    def abandon(self) -> None:
        """Ends the session at once, without waiting for the server (for a connection dropped
        after a time-out)."""
        handle, self._handle = self._handle, None
        self._answers.clear()
        if handle is not None:
            _native.close(handle)

    def __del__(self) -> None:
        try:
            self.abandon()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    def __repr__(self) -> str:
        return f"EngineConnection({self.uri!r}, open={self._handle is not None})"


_exchange_function = None


def _exchange(handle: int, payload: bytes) -> bytes:
    global _exchange_function
    if _exchange_function is None:
        _exchange_function = _native.session_function("openenv_exchange")
    return _exchange_function(handle, payload)


def base_url_of(uri: str) -> str:
    """The server's base URL from a client's WebSocket URL: ``ws://h:p/prefix/ws?q`` gives
    ``http://h:p/prefix?q`` (the engine adds ``/ws`` and sends the query with the upgrade)."""
    from urllib.parse import urlsplit, urlunsplit  # here: 4 ms of every import of the package otherwise

    parts = urlsplit(uri)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme)
    path = parts.path[:-3] if parts.path.endswith("/ws") else parts.path.rstrip("/")
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def options(
    open_timeout: Optional[float] = 10.0,
    max_size: Optional[int] = 2**20,
    ping_interval: Optional[float] = 20.0,
    ping_timeout: Optional[float] = 20.0,
    additional_headers: Optional[Mapping[str, str]] = None,
    message_timeout: Optional[float] = None,
) -> Dict[str, Any]:
    """The engine's session options for ``websockets.connect``'s arguments (None: no limit;
    for the pings, as websockets: no pings, or no time-out for their pongs)."""
    engine: Dict[str, Any] = {"connect_timeout": open_timeout or 1e9, "message_timeout": message_timeout or 1e9,
                              "max_message_bytes": max_size or (1 << 62),
                              "ping_interval": ping_interval or 0, "ping_timeout": ping_timeout or 0}
    if additional_headers:
        engine["headers"] = dict(additional_headers.items() if hasattr(additional_headers, "items") else additional_headers)
    return engine


async def connect(uri: str, *, message_timeout: Optional[float] = None, engine_options: Optional[Mapping[str, Any]] = None,
                  **kwargs: Any) -> EngineConnection:
    """Opens an engine session at the WebSocket ``uri``, taking ``websockets.connect``'s
    ``open_timeout``, ``max_size``, ``ping_interval``, ``ping_timeout`` and
    ``additional_headers`` (others, such as ``proxy``, do not apply). Never blocks the event
    loop. ``message_timeout``: how long an answer may take (the client's own, when known);
    ``engine_options``: the engine's own session options for this server (``ca_file``...)."""
    known = {key: kwargs[key] for key in ("open_timeout", "max_size", "ping_interval", "ping_timeout", "additional_headers") if key in kwargs}
    engine_options = {**options(message_timeout=message_timeout, **known), **(engine_options or {})}
    engine = _engine.engine()
    handle = await engine.open(_native.OPEN_CONNECT, base_url_of(uri), json.dumps(engine_options))
    return EngineConnection(handle, uri, engine)
