"""Real OpenEnv servers for the tests: uvicorn serving packages made by `openenv init`, on
loopback ports, stopped when the test is done; and a TCP listener that never answers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from conftest import VENV


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`python -m uvicorn APP` on 127.0.0.1 and a free port."""

    def __init__(self, app: str, app_dir: Optional[Path] = None, env: Optional[dict] = None,
                 extra_arguments: Optional[list] = None, scheme: str = "http", port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        command = [str(VENV / "bin" / "python"), "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)]
        if app_dir is not None:
            command += ["--app-dir", str(app_dir)]
        command += extra_arguments or []
        # Output goes to a file: a pipe nobody reads fills up and blocks the server.
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=dict(os.environ, **(env or {})), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {app} exited: {self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                if scheme == "http":
                    urllib.request.urlopen(self.url + "/health", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server {app} did not become healthy within 60 s")

    def output(self) -> str:
        """What the server printed so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self) -> None:
        """Kills the server at once, as a crash would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def accept_websocket(connection: socket.socket) -> bytes:
    """Reads a client's WebSocket handshake from ``connection`` and accepts it; returns the
    client's request head."""
    import base64
    import hashlib

    request = b""
    while b"\r\n\r\n" not in request:
        request += connection.recv(4096)
    key = next(line.split(b":", 1)[1].strip() for line in request.split(b"\r\n") if line.lower().startswith(b"sec-websocket-key"))
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    connection.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    return request


def loopback_listener() -> Tuple[socket.socket, str]:
    """A listening socket on a free loopback port, and its ``http://`` URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener, f"http://127.0.0.1:{listener.getsockname()[1]}"


def accepted(listener: socket.socket) -> Iterator[socket.socket]:
    """Each connection made to ``listener``, until it is closed."""
    while True:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        yield connection


def client_frames(data: bytes) -> List[tuple]:
    """The (opcode, unmasked payload) of the frames a client sent."""
    frames, offset = [], 0
    while offset + 2 <= len(data):
        opcode, size = data[offset] & 0x0F, data[offset + 1] & 0x7F
        offset += 2
        if size == 126:
            size = struct.unpack(">H", data[offset:offset + 2])[0]
            offset += 2
        elif size == 127:
            size = struct.unpack(">Q", data[offset:offset + 8])[0]
            offset += 8
        key = data[offset:offset + 4]
        offset += 4
        frames.append((opcode, bytes(byte ^ key[index % 4] for index, byte in enumerate(data[offset:offset + size]))))
        offset += size
    return frames


class SilentServer:
    """Accepts TCP connections (and WebSocket handshakes, if asked) and then never answers."""

    def __init__(self, handshake: bool) -> None:
        self.listener, self.url = loopback_listener()
        self.handshake = handshake
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for connection in accepted(self.listener):
            self.connections.append(connection)
            if self.handshake:
                accept_websocket(connection)

    def stop(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


def faulty_env_source(template_factory) -> Path:
    """A package made by `openenv init faulty_env` whose step raises on the message "boom"
    and which serves up to 4 sessions at once; returns the folder holding it."""
    package = template_factory("faulty_env")
    environment = package / "server" / "faulty_env_environment.py"
    text = environment.read_text()
    if "boom" not in text:
        text = text.replace("        message = action.message\n",
                            "        message = action.message\n        if message == \"boom\":\n            raise RuntimeError(\"the environment exploded\")\n", 1)
        text = text.replace("class FaultyEnvironment(Environment):", "class FaultyEnvironment(Environment):\n    SUPPORTS_CONCURRENT_SESSIONS = True", 1)
        environment.write_text(text)
        app = package / "server" / "app.py"
        app.write_text(app.read_text().replace("max_concurrent_envs=1", "max_concurrent_envs=4"))
    assert "boom" in environment.read_text() and "max_concurrent_envs=4" in (package / "server" / "app.py").read_text()
    return package.parent


def template_maker(root: Path) -> Callable[[str], Path]:
    """Makes a package with the real `openenv init` template in ``root`` (each name once): the
    benchmarks' version of the tests' ``template_factory`` fixture."""

    def make(name: str) -> Path:
        if not (root / name).exists():
            subprocess.run([str(VENV / "bin" / "openenv"), "init", name], cwd=root, check=True, capture_output=True)
        return root / name

    return make


def slow_env_source(template_factory) -> Path:
    """A package made by `openenv init slow_env` whose step takes 50 ms, serving one session
    at a time (the template's default); returns the folder holding it."""
    package = template_factory("slow_env")
    environment = package / "server" / "slow_env_environment.py"
    text = environment.read_text()
    if "sleep" not in text:
        environment.write_text(text.replace("        self._state.step_count += 1\n",
                                            "        self._state.step_count += 1\n        __import__(\"time\").sleep(0.05)\n", 1))
    assert "sleep(0.05)" in environment.read_text()
    return package.parent


class TemplateRuntime:
    """A RuntimeProvider as openenv defines one (``start``, ``wait_for_ready``, ``stop``; one
    object, one server), running ``many_env_source``'s template with uvicorn on this machine."""

    #: Every runtime started (an instance given to make_vec is copied for the other servers).
    instances: list = []

    def __init__(self, folder) -> None:
        self.folder = folder
        self.server = None

    def start(self, port=None, env_vars=None, **kwargs) -> str:
        self.server = Server("many_env.server.app:app", self.folder, env=dict(env_vars or {}), port=port)
        TemplateRuntime.instances.append(self)
        return self.server.url

    def wait_for_ready(self, timeout_s: float = 30.0) -> None:
        pass  # Server has waited for /health already

    def stop(self) -> None:
        self.server.stop()

    @property
    def running(self) -> bool:
        return self.server is not None and self.server.process.poll() is None


def many_env_source(template_factory) -> Path:
    """A package made by `openenv init many_env` that serves as many sessions at once as
    $MAX_ENVS (default 64) allows; returns the folder holding it."""
    package = template_factory("many_env")
    app = package / "server" / "app.py"
    if "MAX_ENVS" not in app.read_text():
        app.write_text(app.read_text().replace("max_concurrent_envs=1", 'max_concurrent_envs=int(__import__("os").environ.get("MAX_ENVS", "64"))'))
        environment = package / "server" / "many_env_environment.py"
        environment.write_text(environment.read_text().replace(
            "class ManyEnvironment(Environment):", "class ManyEnvironment(Environment):\n    SUPPORTS_CONCURRENT_SESSIONS = True", 1))
    assert "MAX_ENVS" in app.read_text()
    return package.parent


GATE = '''"""faulty_env's app behind a gate that wants "Authorization: Bearer $REQUIRED_TOKEN"
on every route but /health, as a private Hugging Face Space does."""
import os

from faulty_env.server.app import app as inner

EXPECTED = ("Bearer " + os.environ["REQUIRED_TOKEN"]).encode()


async def app(scope, receive, send):
    if scope["type"] in ("http", "websocket") and scope["path"] != "/health" and dict(scope["headers"]).get(b"authorization") != EXPECTED:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accepting: uvicorn answers HTTP 403
        else:
            await send({"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"error": "Invalid credentials"}'})
        return
    await inner(scope, receive, send)
'''


def private_space(template_factory, token: str) -> Server:
    """faulty_env served behind a token gate (see GATE), like a private Space."""
    folder = faulty_env_source(template_factory)
    (folder / "token_gate.py").write_text(GATE)
    return Server("token_gate:app", folder, env={"REQUIRED_TOKEN": token})


class EngineSession:
    """One engine session through libopenenv.so's session calls, blocking: the engine's own
    contract (typed errors, time-outs, threads) beneath any client. Results are read as the
    C API gives them: ``{"observation", "reward", "done"}`` as attributes, states as dicts."""

    def __init__(self, url: str, connect_timeout_s: float = 10.0, message_timeout_s: float = 60.0,
                 max_message_size_mb: float = 100.0, handle: Optional[int] = None, **engine: Any) -> None:
        from openenv_swift import _native
        from openenv_swift.client import session_options

        self.options = {**session_options(connect_timeout_s, message_timeout_s, max_message_size_mb), **engine}
        self.handle = handle if handle is not None else _native.open_session("openenv_connect", url, self.options)

    def _call(self, function: str, *argument: str) -> Any:
        from openenv_swift import _native

        return _native.call_json(function, self.handle, *argument)

    def reset(self, **kwargs: Any) -> SimpleNamespace:
        return SimpleNamespace(**self._call("openenv_reset", json.dumps(kwargs)))

    def step(self, action: Dict[str, Any]) -> SimpleNamespace:
        return SimpleNamespace(**self._call("openenv_step", json.dumps(action)))

    def state(self) -> Dict[str, Any]:
        return self._call("openenv_state")

    def schema(self) -> Dict[str, Any]:
        return self._call("openenv_schema")

    def metadata(self) -> Dict[str, Any]:
        return self._call("openenv_metadata")

    def close(self) -> None:
        from openenv_swift import _native

        _native.close(self.handle)

    def __enter__(self) -> "EngineSession":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class AsyncEngineSession:
    """One engine session driven from asyncio through the engine's completion queue."""

    def __init__(self, url: str, connect_timeout_s: float = 10.0, message_timeout_s: float = 60.0,
                 max_message_size_mb: float = 100.0, **engine: Any) -> None:
        from openenv_swift.client import session_options

        self.url = url
        self.options = {**session_options(connect_timeout_s, message_timeout_s, max_message_size_mb), **engine}
        self.handle: Optional[int] = None

    async def connect(self) -> "AsyncEngineSession":
        from openenv_swift import _engine, _native

        if self.handle is None:
            self.handle = await _engine.engine().open(_native.OPEN_CONNECT, self.url, json.dumps(self.options))
        return self

    async def _submit(self, op: int, payload: Optional[Dict[str, Any]]) -> Any:
        from openenv_swift import _engine

        await self.connect()
        return json.loads(await _engine.engine().submit(self.handle, op, None if payload is None else json.dumps(payload).encode()))

    async def reset(self, **kwargs: Any) -> SimpleNamespace:
        from openenv_swift import _native

        return SimpleNamespace(**await self._submit(_native.OP_RESET, kwargs))

    async def step(self, action: Dict[str, Any]) -> SimpleNamespace:
        from openenv_swift import _native

        return SimpleNamespace(**await self._submit(_native.OP_STEP, action))

    async def state(self) -> Dict[str, Any]:
        from openenv_swift import _native

        return await self._submit(_native.OP_STATE, None)

    async def close(self) -> None:
        from openenv_swift import _native

        handle, self.handle = self.handle, None
        if handle is not None:
            _native.close(handle)

    async def __aenter__(self) -> "AsyncEngineSession":
        return await self.connect()

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()


def interrupt_then_reconnect(url: str) -> Tuple[bool, bool]:
    """One round against a one-session server with a slow step (``slow_env_source``): step on a
    second thread, close 10 ms into the step, then open a session and reset it at once.
    Returns whether the close interrupted the step, and whether the reopen met CAPACITY_REACHED."""
    from openenv_swift import CapacityError, SessionClosedError

    env = EngineSession(url)
    env.reset()
    outcome: List[BaseException] = []

    def step() -> None:
        try:
            env.step({"message": "slow"})
        except BaseException as error:
            outcome.append(error)

    stepper = threading.Thread(target=step)
    stepper.start()
    time.sleep(0.01)
    env.close()  # the server frees the slot only when its step ends
    stepper.join(10)
    interrupted = bool(outcome) and isinstance(outcome[0], SessionClosedError)
    try:
        with EngineSession(url) as again:
            again.reset()
    except CapacityError:
        time.sleep(0.1)  # the interrupted step has ended by then: the next round starts clean
        return interrupted, True
    return interrupted, False


async def interrupted_call(env: "AsyncEngineSession", call: Any, after_s: float) -> BaseException:
    """What an awaited call ends with when its session is closed ``after_s`` seconds into it."""
    pending = asyncio.ensure_future(call)
    await asyncio.sleep(after_s)
    await env.close()
    try:
        await pending
    except BaseException as error:
        return error
    raise AssertionError("the call in flight did not fail")


def connect(url: str, **options: Any) -> EngineSession:
    """A blocking engine session with the server at ``url`` (connection errors raise here)."""
    return EngineSession(url, **options)


def serve(app: str, app_dir: Optional[Path] = None) -> Iterator[Server]:
    server = Server(app, app_dir)
    try:
        yield server
    finally:
        server.stop()
