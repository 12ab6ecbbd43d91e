"""Code written for the installed reference (openenv 0.10.0 or openenv-core 0.3.0; this file
runs under both) runs unchanged but for the import, and many sessions run at once from one
event loop.

The reference's own tests are the checklist (public meta-pytorch/OpenEnv repository); each
public behaviour they check is checked here through openenv_swift's public API on real
packages and servers:
- tests/envs/test_auto_env.py: from_env returns the package's client class
  (test_from_env_returns_the_packages_own_client_async_first), base_url connects without
  starting anything (same), unknown names raise ValueError with suggestions
  (test_auto_env.py::test_unknown_names_suggest_close_matches), skip_install needs base_url or
  docker_image for local names (test_skip_install_contract), factories refuse instantiation
  naming from_hub (test_factories_name_from_hub), from_hub takes from_env's arguments by
  position (test_runtime.py::test_from_hub_with_an_explicit_base_url), Hub install failures and
  refused consent are ValueErrors (test_error_contract, test_hub_install.py).
- tests/envs/test_discovery.py: name spellings, listings and info keys
  (test_auto_env.py, test_packaging.py, side by side with the reference).
- tests/test_core/test_generic_client.py, AutoEnv/AutoAction part: GenericAction from
  skip_install (test_schema_action.py::test_skip_install_gives_generic_action_without_any_look_up),
  GenericEnvClient with dict actions and observations (test_generic_client_async_and_sync),
  its payload rules for dicts and pydantic models (same).
Checks only of the reference's private helpers (_resolve_space_url, _is_local_url,
_check_server_availability, _get_pip_command, the JSON discovery cache file) have no
counterpart: the engine decides those and its Swift tests cover them.
"""

from __future__ import annotations

import asyncio
import resource
import textwrap
from typing import Any, Awaitable, Callable, Iterator

import pytest

from websockets.exceptions import ConnectionClosed

from conftest import REFERENCE_0_10, ChildVenv
from openenv_swift import (
    AutoAction,
    AutoEnv,
    ClientCreationError,
    EngineConnection,
    EnvironmentNotFoundError,
    GenericAction,
    GenericEnvClient,
    ServerStartError,
    SyncEnvClient,
    VectorEnvError,
)
from servers import Server, SilentServer, faulty_env_source, many_env_source, serve


@pytest.fixture(scope="module")
def parrot() -> Iterator[Server]:
    yield from serve("parrot_env.server.app:app")


@pytest.fixture(scope="module")
def faulty(template_factory) -> Iterator[Server]:
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


@pytest.fixture(scope="module")
def many(template_factory) -> Iterator[Server]:
    """A template environment serving up to 1100 sessions at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8192)), hard))  # the server inherits it
    server = Server("many_env.server.app:app", many_env_source(template_factory), env={"MAX_ENVS": "1100"})
    try:
        yield server
    finally:
        server.stop()


def test_from_env_returns_the_packages_own_client_async_first(parrot: Server) -> None:
    from parrot_env import ParrotAction, ParrotEnv, ParrotObservation

    async def episode() -> None:
        env = AutoEnv.from_env("parrot", base_url=parrot.url)
        assert type(env) is ParrotEnv  # the package's own class, not a subclass named like it
        async with env:
            assert isinstance(env._ws, EngineConnection)  # the engine is its connection all the same
            result = await env.reset()
            assert isinstance(result.observation, ParrotObservation)
            result = await env.step(ParrotAction(message="hello"))
            assert (result.observation.echoed_message, result.reward, result.done) == ("hello", pytest.approx(0.5), False)
            assert (await env.state()).step_count == 1
        # await without a context manager: the client connects on first use, as the reference's
        result = await env.step(ParrotAction(message="again"))
        assert result.observation.echoed_message == "again"
        await env.close()

    asyncio.run(episode())
    env = AutoEnv.from_env("parrot", base_url=parrot.url)
    if not REFERENCE_0_10:  # 0.3.0 clients are async only; 0.10.0's pick their mode (test_reference_rows)
        with pytest.raises(TypeError, match=r"\.sync\(\)"):
            with env:
                pass
    with env.sync() as blocking:
        assert isinstance(blocking, SyncEnvClient) and blocking.async_client is env
        assert blocking.reset().observation.echoed_message == "Parrot Env environment ready!"
        assert blocking.step(ParrotAction(message="sync")).observation.message_length == 4
        assert isinstance(env._ws, EngineConnection)  # the engine carried it


def test_generic_client_async_and_sync(faulty: Server) -> None:
    from parrot_env import ParrotAction as PydanticAction  # any pydantic model with the fields

    async def episode() -> list:
        async with GenericEnvClient(base_url=faulty.url.replace("http", "ws")) as env:
            first = await env.step({"message": "dict"})
            second = await env.step(GenericAction(message="generic"))
            third = await env.step(PydanticAction(message="model"))
            return [first.observation, second.observation["echoed_message"], third.observation["echoed_message"], await env.state()]

    observation, generic, model, state = asyncio.run(episode())
    assert (observation["echoed_message"], observation["message_length"]) == ("dict", 4)  # 0.10.0's server adds metadata
    assert (generic, model, state["step_count"]) == ("generic", "model", 3)
    with GenericEnvClient(faulty.url).sync() as env:
        assert env.step({"message": "s"}).reward == pytest.approx(0.1)


def test_skip_install_contract(faulty: Server, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="Cannot use skip_install=True for local environment 'parrot' without providing base_url or docker_image"):
        AutoEnv.from_env("parrot", skip_install=True)
    env = AutoEnv.from_env("not-installed-anywhere", base_url=faulty.url, skip_install=True)
    assert isinstance(env, GenericEnvClient)
    assert AutoAction.from_env("not-installed-anywhere", skip_install=True) is GenericAction
    with env.sync() as blocking:
        assert blocking.step({"message": "x"}).observation["echoed_message"] == "x"
    # an explicit image needs no installed package: the engine goes straight to the container engine
    monkeypatch.setenv("OPENENV_CONTAINER_ENGINE", str(tmp_path / "no-engine"))
    with pytest.raises(ServerStartError, match="named by OPENENV_CONTAINER_ENGINE is not installed"):
        AutoEnv.from_env("not-installed-anywhere", docker_image="someone/image:1", skip_install=True, wait_timeout=5)


def test_error_contract(faulty: Server, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    with GenericEnvClient(faulty.url).sync() as env:
        with pytest.raises(RuntimeError, match=r"^Server error: .*exploded.* \(code: EXECUTION_ERROR\)"):
            env.step({"message": "boom"})
    monkeypatch.setenv("OPENENV_CONTAINER_ENGINE", str(tmp_path / "no-engine"))  # a start that fails, wherever this runs
    with pytest.raises(ValueError, match="Failed to create environment client for 'parrot'") as failed:
        AutoEnv.from_env("parrot", docker_image="parrot-env:latest", wait_timeout=5)
    assert isinstance(failed.value, ServerStartError) and isinstance(failed.value, ClientCreationError)
    assert "Client class: ParrotEnv" in str(failed.value)
    with pytest.raises(ValueError, match="Unknown environment 'parot'.*Did you mean: parrot"):
        AutoEnv.from_env("parot")
    assert issubclass(EnvironmentNotFoundError, ValueError)


def test_factories_name_from_hub() -> None:
    for factory in (AutoEnv, AutoAction):
        with pytest.raises(TypeError, match=r"from_hub\(\)"):
            factory()


def test_a_thousand_sessions_from_one_event_loop(many: Server) -> None:
    count = 1000

    async def run() -> list:
        clients = [GenericEnvClient(many.url) for _ in range(count)]
        await asyncio.gather(*(client.connect() for client in clients))
        await asyncio.gather(*(client.reset() for client in clients))
        results = await asyncio.gather(*(client.step({"message": f"m{index}"}) for index, client in enumerate(clients)))
        states = await asyncio.gather(*(client.state() for client in clients))
        await asyncio.gather(*(client.close() for client in clients))
        return [(result.observation["echoed_message"], state["step_count"]) for result, state in zip(results, states)]

    assert asyncio.run(run()) == [(f"m{index}", 1) for index in range(count)]


def test_a_client_connected_in_one_event_loop_steps_in_the_next(faulty: Server) -> None:
    # The engine moves a session's bytes on the event loop it was opened from; once that loop
    # has closed, the engine's I/O thread does, and the session serves the next loop (and its
    # close): openenv-core 0.3.0's client keeps its connection across loops. openenv 0.10.0's
    # client opens a new session in each new loop instead (its own logic runs as written).
    env = GenericEnvClient(faulty.url)

    async def awaited(call: Callable[[], Awaitable[Any]]) -> Any:  # 0.10.0's connect() is awaitable, not a coroutine
        return await asyncio.wait_for(call(), 10)

    async def three_steps_and_the_state() -> tuple:
        echoes = [(await env.step({"message": f"{index}"})).observation["echoed_message"] for index in range(3)]
        return echoes, (await env.state())["step_count"]

    asyncio.run(awaited(env.connect))
    asyncio.run(awaited(env.reset))
    assert asyncio.run(awaited(three_steps_and_the_state)) == (["0", "1", "2"], 3)
    assert asyncio.run(awaited(three_steps_and_the_state)) == (["0", "1", "2"], 3 if REFERENCE_0_10 else 6)
    asyncio.run(awaited(env.close))


def test_a_cancelled_await_leaves_the_session_in_step(faulty: Server) -> None:
    async def run() -> tuple:
        async with GenericEnvClient(faulty.url) as env:
            await env.reset()
            pending = asyncio.ensure_future(env.step({"message": "cancelled"}))
            await asyncio.sleep(0)
            pending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await pending
            after = await env.step({"message": "next"})
            return after.observation["echoed_message"], (await env.state())["step_count"]

    # the cancelled step still ran on the server; its answer was dropped, never handed on. 0.10.0's
    # client drops a connection whose answer it gave up on and opens a new session; 0.3.0's keeps it.
    assert asyncio.run(run()) == ("next", 1 if REFERENCE_0_10 else 2)


def test_one_request_per_session_on_the_wire_even_under_gather(faulty: Server) -> None:
    async def run() -> list:
        async with GenericEnvClient(faulty.url) as env:
            results = await asyncio.gather(*(env.step({"message": f"{index}"}) for index in range(50)))
            return [result.observation["echoed_message"] for result in results]

    assert asyncio.run(run()) == [f"{index}" for index in range(50)]


def test_close_while_a_request_is_in_flight() -> None:
    silent = SilentServer(handshake=True)
    try:
        async def run() -> BaseException:
            env = GenericEnvClient(silent.url, message_timeout_s=30)
            await env.connect()
            pending = asyncio.ensure_future(env.reset())
            await asyncio.sleep(0.2)
            await env.close()
            try:
                await asyncio.wait_for(pending, 10)
            except BaseException as error:  # what the await ended with
                return error
            raise AssertionError("the request did not fail")

        assert isinstance(asyncio.run(run()), ConnectionClosed)  # at once: close does not wait for the reset
    finally:
        silent.stop()


def test_one_failing_session_among_many(many: Server, template_factory) -> None:
    victim = Server("faulty_env.server.app:app", faulty_env_source(template_factory))
    silent = SilentServer(handshake=True)

    async def run() -> tuple:
        clients = [GenericEnvClient(many.url) for _ in range(8)] + [GenericEnvClient(victim.url, message_timeout_s=10)]
        await asyncio.gather(*(client.reset() for client in clients))
        mute = GenericEnvClient(silent.url, message_timeout_s=0.5)
        await mute.connect()
        with pytest.raises(TimeoutError):  # a session that times out among the others
            await asyncio.gather(mute.reset(), *(client.state() for client in clients[:8]))
        victim.kill()
        outcomes = await asyncio.gather(*(client.step({"message": "after"}) for client in clients), return_exceptions=True)
        again = await asyncio.gather(*(client.step({"message": "still"}) for client in clients[:8]))
        await asyncio.gather(*(client.close() for client in clients))
        return outcomes, again

    try:
        outcomes, again = asyncio.run(run())
    finally:
        victim.stop()
        silent.stop()
    assert [outcome.observation["echoed_message"] for outcome in outcomes[:8]] == ["after"] * 8
    assert isinstance(outcomes[8], ConnectionClosed)
    assert [result.observation["echoed_message"] for result in again] == ["still"] * 8


def test_make_vec_step_send_and_recv(many: Server, faulty: Server) -> None:
    with AutoEnv.make_vec("many", num_envs=6, base_url=[many.url, faulty.url], skip_install=True) as envs:
        assert envs.num_envs == 6
        first = envs.reset(seed=7)
        assert len(first) == 6
        results = envs.step([{"message": f"v{index}"} for index in range(6)])
        assert [result.observation["echoed_message"] for result in results] == [f"v{index}" for index in range(6)]
        envs.send([{"message": "a"}, {"message": "b"}], env_ids=[4, 1])
        answered = sorted((env_id, result.observation["echoed_message"]) for env_id, result in envs.recv(min_results=2, timeout=10))
        assert answered == [(1, "b"), (4, "a")]
        # env 1 is served by faulty_env, whose step raises on "boom": the others' results are kept
        with pytest.raises(VectorEnvError, match="env 1: Server error") as caught:
            envs.step([{"message": "boom" if index == 1 else "ok"} for index in range(6)])
        assert list(caught.value.errors) == [1]
        assert [result.observation["echoed_message"] for index, result in enumerate(caught.value.results) if index != 1] == ["ok"] * 5
        # envs 1 and 4 took one step more (send/recv); the environment counts the step that raised
        assert [state["step_count"] for state in envs.state()] == [2, 3, 2, 2, 3, 2]


def test_make_vec_of_an_installed_environment_types_its_results() -> None:
    from parrot_env import ParrotAction, ParrotObservation

    with AutoEnv.make_vec("parrot", num_envs=2) as envs:  # one server each: the template allows one session
        results = envs.step([ParrotAction(message="one"), ParrotAction(message="two")])
        assert all(isinstance(result.observation, ParrotObservation) for result in results)
        assert [result.observation.echoed_message for result in results] == ["one", "two"]


HOOKS_CLIENT = '''
from typing import Any, Dict

from openenv.core.client_types import StepResult
from openenv.core.env_client import EnvClient

from .models import HookyAction, HookyObservation


class HookyEnv(EnvClient[HookyAction, HookyObservation, dict]):
    """Shapes its traffic itself: shouts every message, keeps no reward, reads state as a dict."""

    def _step_payload(self, action: HookyAction) -> Dict[str, Any]:
        return {"message": action.message.upper()}

    def _parse_result(self, payload: Dict[str, Any]) -> StepResult[HookyObservation]:
        fields = payload.get("observation", {})
        return StepResult(observation=HookyObservation(echoed_message="<" + fields.get("echoed_message", "") + ">",
                                                       message_length=fields.get("message_length", 0)),
                          reward=None, done=bool(payload.get("done")))

    def _parse_state(self, payload: Dict[str, Any]) -> dict:
        return {"steps": payload.get("step_count")}

    async def echo_twice(self, text: str) -> list:
        """A method of the package's own, on top of the transport."""
        first = await self._send_and_receive({"type": "step", "data": {"message": text}})
        second = await self._send_and_receive({"type": "step", "data": {"message": text * 2}})
        return [first["data"]["observation"]["echoed_message"], second["data"]["observation"]["echoed_message"]]
'''

EPISODE = '''
import asyncio, json, sys
from hooky_env import HookyAction, HookyEnv
from openenv_swift import AutoEnv

async def episode(env):
    async with env:
        await env.reset()
        result = await env.step(HookyAction(message="hi"))
        return [result.observation.echoed_message, result.reward, await env.state(), await env.echo_twice("ab")]

url = sys.argv[1]
reference = asyncio.run(episode(HookyEnv(base_url=url)))
swift = AutoEnv.from_env("hooky", base_url=url)
ours = asyncio.run(episode(swift))
with AutoEnv.from_env("hooky", base_url=url).sync() as env:
    env.reset()
    result = env.step(HookyAction(message="hi"))
    blocking = [result.observation.echoed_message, result.reward, env.state(), env.echo_twice("ab")]
print(json.dumps({"reference": reference, "ours": ours, "blocking": blocking, "is_package_class": isinstance(swift, HookyEnv)}))
'''


def test_a_package_whose_client_overrides_the_hooks(template_factory, child_venv_factory) -> None:
    package = template_factory("hooky_env")
    (package / "client.py").write_text(textwrap.dedent(HOOKS_CLIENT))
    venv: ChildVenv = child_venv_factory("hooky")
    venv.install(package)
    server = Server("hooky_env.server.app:app", package.parent)
    try:
        import json

        report = json.loads(venv.python_code(EPISODE.replace("sys.argv[1]", repr(server.url))))
    finally:
        server.stop()
    assert report["is_package_class"] is True
    expected = ["<HI>", None, {"steps": 1}, ["ab", "abab"]]
    assert report["reference"] == expected
    assert report["ours"] == expected
    assert report["blocking"] == expected


MCP_ENVIRONMENT = '''
from uuid import uuid4

from fastmcp import FastMCP
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.types import Observation, State


class ToolboxEnvironment(MCPEnvironment):
    """Two MCP tools behind OpenEnv's step: add and shout."""

    def __init__(self):
        tools = FastMCP("toolbox")

        @tools.tool
        def add(a: int, b: int) -> int:
            """Adds two whole numbers."""
            return a + b

        @tools.tool
        def shout(text: str) -> str:
            """Upper-cases a text."""
            return text.upper()

        super().__init__(tools)
        self._state = State(episode_id=str(uuid4()), step_count=0)

    def reset(self, seed=None, episode_id=None, **kwargs):
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return Observation(done=False, reward=0.0)

    def _step_impl(self, action, timeout_s=None, **kwargs):
        return Observation(done=False, reward=0.0, metadata={"error": "only MCP actions"})

    @property
    def state(self):
        return self._state
'''

MCP_APP = '''
from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation

from .toolbox_env_environment import ToolboxEnvironment

app = create_app(ToolboxEnvironment, CallToolAction, CallToolObservation, env_name="toolbox_env")


def main(host: str = "0.0.0.0", port: int = 8000):
    import uvicorn

    uvicorn.run(app, host=host, port=port)
'''

MCP_CLIENT = '''
from openenv.core.mcp_client import MCPToolClient


class ToolboxEnv(MCPToolClient):
    """The toolbox's client: MCPToolClient's list_tools and call_tool."""
'''

MCP_EPISODE = '''
import asyncio, json
from toolbox_env import ToolboxEnv
from openenv_swift import AutoEnv

URL = {url!r}

async def episode(env):
    async with env:
        await env.reset()
        tools = sorted(tool.name for tool in await env.list_tools())
        return [tools, await env.call_tool("add", a=2, b=3), await env.call_tool("shout", text="hi")]

reference = asyncio.run(episode(ToolboxEnv(base_url=URL)))
swift = AutoEnv.from_env("toolbox", base_url=URL)
ours = asyncio.run(episode(swift))
with AutoEnv.from_env("toolbox", base_url=URL).sync() as env:
    env.reset()
    blocking = [sorted(tool.name for tool in env.list_tools()), env.call_tool("add", a=2, b=3), env.call_tool("shout", text="hi")]
# A one-session server the engine starts for the client (production-mode MCP clients of
# openenv 0.10.0 make an HTTP session first, then join it over the WebSocket).
started = asyncio.run(episode(AutoEnv.from_env("toolbox")))
print(json.dumps({{"reference": reference, "ours": ours, "blocking": blocking, "started": started,
                  "is_package_class": isinstance(swift, ToolboxEnv)}}, default=str))
'''


def test_an_mcp_environment_through_its_own_client(template_factory, child_venv_factory) -> None:
    package = template_factory("toolbox_env")
    (package / "server" / "toolbox_env_environment.py").write_text(textwrap.dedent(MCP_ENVIRONMENT))
    (package / "server" / "app.py").write_text(textwrap.dedent(MCP_APP))
    (package / "client.py").write_text(textwrap.dedent(MCP_CLIENT))
    venv: ChildVenv = child_venv_factory("toolbox")
    venv.install(package)
    server = Server("toolbox_env.server.app:app", package.parent)
    try:
        import json

        report = json.loads(venv.python_code(MCP_EPISODE.format(url=server.url)))
    finally:
        server.stop()
    assert report["is_package_class"] is True
    assert report["reference"][0] == ["add", "shout"]
    assert report["ours"] == report["reference"]
    assert report["blocking"] == report["reference"]
    assert report["started"] == report["reference"]


def test_an_installed_client_that_cannot_be_imported_is_an_import_error(template_factory, child_venv_factory) -> None:
    package = template_factory("broken_env")
    client = package / "client.py"
    client.write_text('raise ImportError("a dependency is missing")\n' + client.read_text())
    (package / "__init__.py").write_text("")
    venv: ChildVenv = child_venv_factory("broken")
    venv.install(package)
    code = ("from openenv_swift import AutoEnv\ntry:\n    AutoEnv.from_env('broken')\n"
            "except ImportError as error:\n    print(type(error).__name__, '|', error)\n")
    kind, message = venv.python_code(code).split("|", 1)
    assert kind.strip() == "ImportError"
    assert "Failed to import environment client for 'broken'" in message and "a dependency is missing" in message
    assert "pip install --force-reinstall" not in message or "openenv-broken_env" in message


def test_from_env_on_a_running_server_asks_it_what_the_reference_asks(parrot: Server) -> None:
    """``base_url=``: the requests made before the client connects, recorded by a real HTTP
    server, are the reference's own for a server answering /health (no /schema the reference
    would not fetch), and carry no token over plain HTTP. A server that does not answer /health
    is refused with the route and the answer named (the reference would go on to try ``/``,
    which a server built with OpenEnv never needs)."""
    import http.server
    import threading

    from openenv import AutoEnv as ReferenceAutoEnv

    class Recorder(http.server.BaseHTTPRequestHandler):
        seen: list = []
        healthy = True

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            Recorder.seen.append((self.path, self.headers.get("Authorization")))
            ok = self.path == "/" or (self.path == "/health" and Recorder.healthy)
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        recorded = []
        for factory in (ReferenceAutoEnv, AutoEnv):
            Recorder.seen = []
            factory.from_env("parrot", base_url=url)
            recorded.append(Recorder.seen)
        assert recorded[0] == recorded[1] == [("/health", None)], recorded
        Recorder.healthy = False
        with pytest.raises(ConnectionError, match="/health") as refused:
            AutoEnv.from_env("parrot", base_url=url)
        assert "404" in str(refused.value), refused.value
        server.shutdown()
        server.server_close()
        with pytest.raises(ConnectionError, match=str(server.server_address[1])):
            AutoEnv.from_env("parrot", base_url=url, skip_install=True)
    finally:
        server.server_close()


def test_an_engine_class_is_constructed_like_the_packages_own(parrot: Server) -> None:
    from openenv_swift import engine_class
    from parrot_env import ParrotAction, ParrotEnv

    wrapped = engine_class(ParrotEnv)
    assert engine_class(ParrotEnv) is wrapped and engine_class(wrapped) is wrapped and issubclass(wrapped, ParrotEnv)
    assert AutoEnv.get_env_class("parrot") is wrapped
    with wrapped(base_url=parrot.url).sync() as env:
        assert env.step(ParrotAction(message="x")).observation.echoed_message == "x"
        assert isinstance(env.async_client._ws, EngineConnection)
