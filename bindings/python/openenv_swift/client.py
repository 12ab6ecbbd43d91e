"""Environment clients whose transport is the Swift engine, with the reference's contract.

openenv-core's clients are async-first: ``async with env:``, ``await env.step(action)``, and
``env.sync()`` for blocking use. :class:`EngineTransport` gives any client class of that shape
(an environment package's own ``ParrotEnv``, an MCP client, :class:`GenericEnvClient`) the
engine as its connection: the package's hooks (``_step_payload``, ``_parse_result``,
``_parse_state``) and methods run unchanged, and only connecting, sending and receiving are
replaced. Awaited requests complete from the engine's completion queue (see ``_engine``):
no thread per call, never blocking the event loop. :class:`SyncEnvClient` calls the engine
directly on the caller's thread.
"""

from __future__ import annotations

import collections
import contextvars
import json
import sys
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Optional, Tuple

if TYPE_CHECKING:
    import asyncio

    from .step_result import StepResult

from . import _engine, _native
from .errors import SessionClosedError
from .schema_action import action_class


#: Set while a :class:`SyncEnvClient` drives a client's coroutine: engine requests then run
#: on the calling thread instead of through the event loop.
_BLOCKING: contextvars.ContextVar[bool] = contextvars.ContextVar("openenv_swift_blocking", default=False)

#: How a closed client opens its session again: (``openenv_*`` function, its ``OPEN_*`` code,
#: target, options JSON).
Launch = Tuple[str, int, str, str]


class EngineTransport:
    """The engine as the connection of an OpenEnv client class (a mixin placed before it).

    Replaces ``connect``, ``disconnect``, ``_send``, ``_receive``, ``_send_and_receive`` and
    ``sync``; everything else is the client class's own.
    """

    _engine_handle: Optional[int] = None
    _engine_launch: Optional[Launch] = None
    _engine_base_url: str = ""
    _engine_sent: Deque[Any]
    _engine_in_flight: int = 0

    def _engine_attach(self, handle: Optional[int], launch: Launch) -> None:
        """Gives the client an open session (or none yet) and the recipe to open one."""
        self._engine_handle = handle
        self._engine_launch = launch
        self._engine_sent = collections.deque()
        if handle is not None:
            self._engine_base_url = _native.call_text("openenv_base_url", handle)

    @property
    def base_url(self) -> str:
        """The server's base URL (known once connected)."""
        return self._engine_base_url

    async def connect(self) -> Any:
        """Opens the session if it is not open (without blocking the event loop)."""
        if self._engine_handle is None:
            if self._engine_launch is None:
                raise SessionClosedError("this client has no server to connect to; make it with AutoEnv.from_env or GenericEnvClient(base_url)")
            function, how, target, options = self._engine_launch
            if _BLOCKING.get():
                handle = _native.open_session(function, target, json.loads(options))
            else:
                handle = await _engine.engine().open(how, target, options)
            self._engine_attach(handle, self._engine_launch)
        return self

    async def disconnect(self) -> None:
        """Ends the session: asks the server to close it, then releases it. A server this
        client's engine started stops with its last session."""
        handle, self._engine_handle = self._engine_handle, None
        if handle is None:
            return
        try:
            if not _BLOCKING.get() and not self._engine_in_flight:
                # The server closes the connection on {"type": "close"}: the completion is that
                # closing, and waiting for it keeps the event loop free. With requests in
                # flight the session is closed at once instead; they fail as closed.
                await _engine.engine().submit(handle, _native.OP_MESSAGE, b'{"type":"close"}')
        except Exception:  # the expected end of the conversation, or a server already gone
            pass
        finally:
            _native.close(handle)

    async def _send_and_receive(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """Sends one message and returns the server's answer; an error answer raises
        ``ServerError`` (a RuntimeError whose text starts "Server error: ... (code: ...)")."""
        payload = json.dumps(message).encode()
        handle = self._engine_handle
        if handle is None:
            await self.connect()
            handle = self._engine_handle
        if _BLOCKING.get():
            return json.loads(_message(handle, payload))
        self._engine_in_flight += 1
        try:
            return json.loads(await _engine.engine().submit(handle, _native.OP_MESSAGE, payload))
        finally:
            self._engine_in_flight -= 1

    async def _send(self, message: Dict[str, Any]) -> None:
        """Sends one message; its answer is what the next :meth:`_receive` returns."""
        if _BLOCKING.get():
            self._engine_sent.append(await self._send_and_receive(message))
        else:
            import asyncio  # imported already: this runs inside a coroutine

            self._engine_sent.append(asyncio.ensure_future(self._send_and_receive(message)))

    async def _receive(self) -> Dict[str, Any]:
        """The answer to the oldest message sent with :meth:`_send`."""
        if not self._engine_sent:
            raise SessionClosedError("nothing was sent to receive an answer to; call _send first")
        answer = self._engine_sent.popleft()
        return await answer if hasattr(answer, "__await__") else answer

    def sync(self) -> "SyncEnvClient":
        """A blocking client over this one, calling the engine on the caller's thread."""
        return SyncEnvClient(self)

    def schema(self) -> Dict[str, Any]:
        """The server's action, observation and state JSON Schemas (blocking)."""
        return _native.call_json("openenv_schema", self._require_handle())

    def metadata(self) -> Dict[str, Any]:
        """The server's metadata (blocking)."""
        return _native.call_json("openenv_metadata", self._require_handle())

    @property
    def action_class(self) -> type:
        """A class built from the server's action schema, checked before sending: for servers
        whose package is not installed (see :func:`openenv_swift.action_class`)."""
        return action_class(self.schema()["action"])

    def _require_handle(self) -> int:
        if self._engine_handle is None:
            raise SessionClosedError("the session is not open; connect first (async with env, or env.sync())")
        return self._engine_handle

    def __del__(self) -> None:
        handle, self._engine_handle = self._engine_handle, None
        if handle is not None:
            try:
                _native.close(handle)
            except Exception:  # interpreter shutdown: the library may be gone already
                pass


_send_blocking: Optional[Callable[..., bytes]] = None


def _message(handle: int, payload: bytes) -> bytes:
    """``openenv_send``: one whole message, blocking; the answer's bytes."""
    global _send_blocking
    if _send_blocking is None:
        _send_blocking = _native.session_function("openenv_send")
    return _send_blocking(handle, payload)


def _message_of(client: Any, name: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The message the reference's ``EnvClient`` sends for ``reset``, ``step`` or ``state``,
    shaped by the client's own ``_step_payload``."""
    if name == "reset":
        return {"type": "reset", "data": kwargs}
    if name == "step":
        return {"type": "step", "data": client._step_payload(args[0])}
    return {"type": "state"}


def _result_of(client: Any, name: str, response: Dict[str, Any]) -> Any:
    """What the reference's ``EnvClient`` makes of the answer, through the client's own hooks."""
    data = response.get("data", {})
    return client._parse_state(data) if name == "state" else client._parse_result(data)


class GenericEnvClient(EngineTransport):
    """A client of any OpenEnv server that works with plain dicts, as the reference's
    ``GenericEnvClient``: actions are dicts (or pydantic models), observations and states
    come back as dicts. No environment package needed; no remote code runs.

    Async-first like every OpenEnv client: ``async with GenericEnvClient(url) as env:``;
    ``GenericEnvClient(url).sync()`` for blocking use.
    """

    def __init__(
        self,
        base_url: str,
        connect_timeout_s: float = 10.0,
        message_timeout_s: float = 60.0,
        max_message_size_mb: float = 100.0,
        provider: Any = None,
        mode: Optional[str] = None,
        *,
        ca_file: Optional[str] = None,
        bearer_token: Optional[str] = None,
    ) -> None:
        """Prepares a client of the server at ``base_url`` (``http(s)://`` or ``ws(s)://``);
        it connects on first use. ``ca_file`` names authorities to trust for ``https://``;
        ``bearer_token`` is sent as ``Authorization: Bearer``."""
        if mode is not None and mode.lower() not in ("simulation", "production"):
            raise ValueError(f"Invalid mode: '{mode}'. Must be 'simulation' or 'production'.")
        url = base_url.replace("ws://", "http://", 1).replace("wss://", "https://", 1).rstrip("/")
        options = session_options(connect_timeout_s, message_timeout_s, max_message_size_mb, ca_file, bearer_token)
        self._provider = provider
        self._engine_attach(None, ("openenv_connect", _native.OPEN_CONNECT, url, json.dumps(options)))
        self._engine_base_url = url

    def _step_payload(self, action: Any) -> Dict[str, Any]:
        if isinstance(action, dict):
            return action
        if hasattr(action, "model_dump"):
            return action.model_dump()
        if hasattr(action, "__dict__"):
            return vars(action)
        return dict(action)

    def _parse_result(self, payload: Dict[str, Any]) -> StepResult[Dict[str, Any]]:
        from .step_result import StepResult

        return StepResult(observation=payload.get("observation", {}), reward=payload.get("reward"), done=payload.get("done", False))

    def _parse_state(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        return payload

    async def reset(self, **kwargs: Any) -> StepResult[Dict[str, Any]]:
        """Starts a new episode; keyword arguments go to the environment (``seed``...)."""
        return _result_of(self, "reset", await self._send_and_receive(_message_of(self, "reset", (), kwargs)))

    async def step(self, action: Any, **kwargs: Any) -> StepResult[Dict[str, Any]]:
        """Sends one action (a dict, a ``GenericAction`` or a pydantic model)."""
        return _result_of(self, "step", await self._send_and_receive(_message_of(self, "step", (action,), {})))

    async def state(self) -> Dict[str, Any]:
        """The environment's state."""
        return _result_of(self, "state", await self._send_and_receive(_message_of(self, "state", (), {})))

    async def close(self) -> None:
        """Ends the session, and stops the container of a provider that started one."""
        await self.disconnect()
        provider, self._provider = self._provider, None
        if provider is not None:
            stop = getattr(provider, "stop_container", None) or getattr(provider, "stop", None)
            if stop is not None:
                stop()

    async def __aenter__(self) -> "GenericEnvClient":
        await self.connect()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __enter__(self) -> Any:
        raise TypeError(
            "GenericEnvClient is async by default. Use 'async with' instead of 'with', "
            "or call .sync() to get a synchronous wrapper:\n  async with client:  # async usage\n"
            "  with client.sync():  # sync wrapper")

    def __exit__(self, *exc_info: Any) -> None:
        pass  # pragma: no cover: __enter__ always raises

    def __repr__(self) -> str:
        return f"GenericEnvClient(base_url={self.base_url!r}, connected={self._engine_handle is not None})"


class GenericAction(Dict[str, Any]):
    """An action for :class:`GenericEnvClient`: a dict made from keyword arguments."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(kwargs)

    def __repr__(self) -> str:
        return f"GenericAction({', '.join(f'{key}={value!r}' for key, value in self.items())})"


def session_options(connect_timeout_s: float, message_timeout_s: float, max_message_size_mb: float,
                    ca_file: Optional[str] = None, bearer_token: Optional[str] = None) -> Dict[str, Any]:
    """The engine's session options from the reference client's arguments."""
    options: Dict[str, Any] = {"connect_timeout": connect_timeout_s, "message_timeout": message_timeout_s,
                               "max_message_bytes": int(max_message_size_mb * 1024 * 1024)}
    if ca_file is not None:
        options["ca_file"] = ca_file
    if bearer_token is not None:
        options["bearer_token"] = bearer_token
    return options


class SyncEnvClient:
    """A blocking client over an async one, as the reference's ``SyncEnvClient``: the same
    methods without ``await``, and every coroutine method of the wrapped client (an MCP
    client's ``call_tool``...) as a blocking one.

    Engine requests run on the caller's thread; no event loop on a helper thread. A method of
    the package's own that awaits something besides the engine runs on a private event loop
    of this client's, on the caller's thread too.
    """

    def __init__(self, async_client: Any) -> None:
        self._async = async_client
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    @property
    def async_client(self) -> Any:
        """The wrapped async client."""
        return self._async

    def _run(self, coroutine: Any, transport_only: bool) -> Any:
        token = _BLOCKING.set(True)
        try:
            if transport_only or _running_loop() is not None:
                return _drive(coroutine)
            if self._loop is None:
                import asyncio

                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(coroutine)
        finally:
            _BLOCKING.reset(token)

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self._async, name)
        return self._run(method(*args, **kwargs), _is_transport_only(type(self._async), name))

    def _request(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """``reset``, ``step`` or ``state``: straight to the engine, through the client's hooks,
        when the client keeps the reference's implementation of the method (the usual case);
        otherwise the client's own method, driven as any other."""
        client = self._async
        if not _is_transport_only(type(client), name) or client._engine_handle is None:
            return self._call(name, *args, **kwargs)
        message = json.dumps(_message_of(client, name, args, kwargs)).encode()
        return _result_of(client, name, json.loads(_message(client._engine_handle, message)))

    def connect(self) -> "SyncEnvClient":
        """Opens the session."""
        self._call("connect")
        return self

    def disconnect(self) -> None:
        """Ends the session."""
        self._call("disconnect")

    def reset(self, **kwargs: Any) -> Any:
        """Starts a new episode."""
        return self._request("reset", **kwargs)

    def step(self, action: Any, **kwargs: Any) -> Any:
        """Sends one action."""
        return self._request("step", action)

    def state(self) -> Any:
        """The environment's state."""
        return self._request("state")

    def close(self) -> None:
        """Ends the session and releases what the client started."""
        try:
            self._call("close")
        finally:
            loop, self._loop = self._loop, None
            if loop is not None:
                loop.close()

    def __enter__(self) -> "SyncEnvClient":
        return self.connect()

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._async, name)
        import inspect  # here, not at the top, to keep the package's import light

        if inspect.iscoroutinefunction(attribute):
            return lambda *args, **kwargs: self._call(name, *args, **kwargs)
        return attribute

    def _step_payload(self, action: Any) -> Dict[str, Any]:
        return self._async._step_payload(action)

    def _parse_result(self, payload: Dict[str, Any]) -> Any:
        return self._async._parse_result(payload)

    def _parse_state(self, payload: Dict[str, Any]) -> Any:
        return self._async._parse_state(payload)

    def __repr__(self) -> str:
        return f"SyncEnvClient({self._async!r})"


def _running_loop() -> Optional[asyncio.AbstractEventLoop]:
    # asyncio is imported only when used: it costs more than the rest of this package's import,
    # and no event loop can be running in a process that has not imported it.
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _drive(coroutine: Any) -> Any:
    """Runs a coroutine that awaits only the engine (which, blocking, never suspends)."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    coroutine.close()
    raise RuntimeError("this client method awaited something besides the engine inside a running event loop; "
                       "await the async client's method instead of using .sync() here")


#: Methods known to await nothing but the transport, per client class (driven without a loop).
_transport_only: Dict[Tuple[type, str], bool] = {}


def _is_transport_only(kind: type, name: str) -> bool:
    key = (kind, name)
    known = _transport_only.get(key)
    if known is None:
        function = getattr(kind, name, None)
        known = _transport_only[key] = any(function is getattr(base, name, None) for base in _transport_bases())
    return known


def _transport_bases() -> list:
    """The classes whose reset/step/state/connect/close await only the transport: ours and,
    when loaded, openenv-core's ``EnvClient``."""
    import sys

    bases: list = [GenericEnvClient, EngineTransport]
    reference = sys.modules.get("openenv.core.env_client")
    if reference is not None:
        bases.append(reference.EnvClient)
    return bases
