"""openenv_swift behaves as the installed reference does, openenv 0.10.0 or openenv-core 0.3.0
(the test command runs this file under both): one test per row of the comparison that found
where it did not, each run on real servers beside the reference's own client where it matters.
Then the one line (``openenv_swift.install()``, ``OPENENV_ENGINE=swift``) that puts clients
constructed by consumers themselves (TRL-, SkyRL- and OpenEnv-test-shaped code) on the engine.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest
from openenv.core import EnvClient
from openenv.core import GenericEnvClient as ReferenceGenericEnvClient

import openenv_swift
from conftest import REFERENCE_0_10
from openenv_swift import AutoAction, AutoEnv, EngineConnection
from servers import Server, accept_websocket, client_frames, faulty_env_source, loopback_listener, many_env_source, serve

needs_0_10 = pytest.mark.skipif(not REFERENCE_0_10, reason="a behaviour of openenv 0.10.0's clients; openenv-core 0.3.0 has none")


@pytest.fixture(scope="module")
def parrot() -> Iterator[Server]:
    """The template's server: one session at a time."""
    yield from serve("parrot_env.server.app:app")


@pytest.fixture(scope="module")
def many(template_factory) -> Iterator[Server]:
    server = Server("many_env.server.app:app", many_env_source(template_factory), env={"MAX_ENVS": "16"})
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def engine_everywhere() -> Iterator[None]:
    openenv_swift.install()
    try:
        yield
    finally:
        openenv_swift.uninstall()


def test_leaving_async_with_frees_the_servers_session(parrot: Server) -> None:
    from parrot_env import ParrotAction

    async def twice() -> list:
        kept = []
        for message in ("one", "two", "three"):
            env = AutoEnv.from_env("parrot", base_url=parrot.url)
            kept.append(env)  # still referenced: only closing can free the one-session server
            async with env:
                kept.append((await env.step(ParrotAction(message=message))).observation.echoed_message)
        return kept[1::2]

    assert asyncio.run(twice()) == ["one", "two", "three"]


def test_from_env_with_a_base_url_connects_on_first_use(parrot: Server) -> None:
    from parrot_env import ParrotAction

    idle = AutoEnv.from_env("parrot", base_url=parrot.url)
    assert idle._ws is None
    with AutoEnv.from_env("parrot", base_url=parrot.url).sync() as env:  # the one slot is free
        assert env.step(ParrotAction(message="lazy")).observation.echoed_message == "lazy"
    assert idle._ws is None


def test_leaving_a_sync_block_closes_it(parrot: Server) -> None:
    from parrot_env import ParrotAction

    env = AutoEnv.from_env("parrot", base_url=parrot.url)
    for message in ("a", "b"):
        with env.sync() as blocking:
            assert blocking.step(ParrotAction(message=message)).observation.echoed_message == message


def test_plain_with_and_unawaited_calls_as_the_reference(parrot: Server) -> None:
    from parrot_env import ParrotAction

    env = AutoEnv.from_env("parrot", base_url=parrot.url)
    if not REFERENCE_0_10:
        with pytest.raises(TypeError, match=r"\.sync\(\)"):
            with env:
                pass
        return
    with env:  # 0.10.0: a client picks its execution mode on first use
        assert env.reset().observation.echoed_message == "Parrot Env environment ready!"
        assert env.step(ParrotAction(message="dual")).observation.echoed_message == "dual"
        assert env.state().step_count == 1
        assert isinstance(env._ws, EngineConnection)


@needs_0_10
def test_new_session_is_a_child_session_on_the_same_server(many: Server) -> None:
    async def run() -> tuple:
        async with AutoEnv.from_env("many", base_url=many.url, skip_install=True) as env:
            await env.reset()
            await env.step({"message": "parent"})
            child = await env.new_session()
            await child.reset()
            state = await child.state()
            return isinstance(child._ws, EngineConnection), state["step_count"], (await env.state())["step_count"], child._ws

    is_engine, child_steps, parent_steps, child_connection = asyncio.run(run())
    assert (is_engine, child_steps, parent_steps) == (True, 0, 1)
    assert not child_connection.open  # closed with its parent


def _recording_server(seconds: float) -> tuple:
    """A raw WebSocket server that accepts one client, answers its pings and records its
    handshake and frames for ``seconds``."""
    listener, url = loopback_listener()
    record: dict = {}

    def serve() -> None:
        connection, _ = listener.accept()
        record["request"] = accept_websocket(connection)
        connection.settimeout(0.1)
        data, deadline = b"", time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                chunk = connection.recv(4096)
            except socket_timeout:
                continue
            if not chunk:
                break
            data += chunk
            for opcode, payload in client_frames(chunk):
                if opcode == 0x9:
                    connection.sendall(bytes([0x8A, len(payload)]) + payload)
        record["frames"] = client_frames(data)
        connection.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return url, record, thread


from socket import timeout as socket_timeout  # noqa: E402


def test_headers_go_with_the_upgrade_and_idle_sessions_are_pinged() -> None:
    url, record, thread = _recording_server(3.0)

    async def idle() -> None:
        options = dict(headers={"Authorization": "Bearer hf_x", "X-Trace": "7"}, websocket_ping_interval_s=0.5,
                       websocket_ping_timeout_s=2) if REFERENCE_0_10 else {}
        env = openenv_swift.GenericEnvClient(base_url=url, **options)
        await env.connect()
        assert isinstance(env._ws, EngineConnection)
        await asyncio.sleep(3.2)
        env._ws.abandon()

    asyncio.run(idle())
    thread.join(5)
    if not REFERENCE_0_10:
        return  # openenv-core 0.3.0 has neither headers nor pings
    head = record["request"].decode().lower()
    assert "authorization: bearer hf_x" in head and "x-trace: 7" in head
    pings = [frame for frame in record["frames"] if frame[0] == 0x9]
    assert len(pings) >= 3  # one each 0.5 s of a 3 s idle


def test_skip_install_gives_the_references_generic_client(many: Server) -> None:
    env = AutoEnv.from_env("not-installed", base_url=many.url, skip_install=True)
    assert isinstance(env, EnvClient) and isinstance(env, ReferenceGenericEnvClient)
    assert isinstance(env, openenv_swift.GenericEnvClient)
    assert AutoAction.from_env("not-installed", skip_install=True) is openenv_swift.GenericAction
    if REFERENCE_0_10:
        with env:
            assert env.step({"message": "plain"}).observation["echoed_message"] == "plain"
    else:
        with pytest.raises(TypeError):
            with env:
                pass


def test_an_invalid_mode_is_one_value_error(many: Server) -> None:
    with pytest.raises(ValueError) as caught:
        AutoEnv.from_env("parrot", base_url=many.url, mode="bogus")
    assert str(caught.value).count("Failed to create environment client") == 1
    assert "Invalid mode: 'bogus'" in str(caught.value)


def test_a_hub_action_without_consent_is_a_value_error() -> None:
    code = ("from openenv_swift import AutoAction\ntry:\n    AutoAction.from_env('someone/parrot-space')\n"
            "except ValueError as error:\n    print('ValueError', type(error).__name__)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
                            env={**os.environ, "HF_HUB_OFFLINE": "1", "OPENENV_TRUST_REMOTE_CODE": ""})
    assert result.stdout.startswith("ValueError"), result.stdout + result.stderr


def test_get_env_info_of_an_unknown_name_says_so_as_the_reference() -> None:
    with pytest.raises(ValueError) as caught:
        AutoEnv.get_env_info("nope")
    assert str(caught.value).splitlines()[0] == "Unknown environment: nope"


def test_get_env_info_has_the_installed_references_keys_and_values() -> None:
    from openenv import AutoEnv as Reference

    theirs, mine = Reference.get_env_info("parrot"), AutoEnv.get_env_info("parrot")
    assert set(mine) == set(theirs)
    # The reference invents "<name> environment"; the package's own summary is used instead.
    assert {key: value for key, value in mine.items() if key != "description"} == \
        {key: value for key, value in theirs.items() if key != "description"}


def test_the_references_own_discovery_lists_no_phantom_environment() -> None:
    code = "from openenv import AutoEnv\nAutoEnv.list_environments()\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "parrot" in result.stdout and "swift" not in result.stdout.lower(), result.stdout


# The one line: clients that consumers construct themselves.


def test_install_puts_every_client_on_the_engine_and_uninstall_takes_it_off(many: Server, engine_everywhere: None) -> None:
    from parrot_env import ParrotEnv

    with ReferenceGenericEnvClient(base_url=many.url).sync() as env:
        assert env.step({"message": "x"}).observation["echoed_message"] == "x"
        assert isinstance(env.async_client._ws, EngineConnection)
    with ParrotEnv(base_url=many.url).sync() as env:  # the package's plain class, made by hand
        env.reset()
        assert isinstance(env.async_client._ws, EngineConnection)
    openenv_swift.install()  # idempotent
    assert openenv_swift.installed()
    openenv_swift.uninstall()
    with ReferenceGenericEnvClient(base_url=many.url).sync() as env:
        env.reset()
        assert not isinstance(env.async_client._ws, EngineConnection)  # websockets again
    openenv_swift.install()


def test_a_trl_style_pool_made_ahead(parrot: Server, engine_everywhere: None) -> None:
    """Instances made ahead (one per generation) hold no server slot until used; tools are
    called sync, and async on a daemon loop thread."""
    from parrot_env import ParrotAction, ParrotEnv

    pool = [ParrotEnv(base_url=parrot.url) for _ in range(4)]  # the template serves one session
    results = []
    for env in pool[:2]:
        with env.sync() as blocking:
            blocking.reset()
            results.append(blocking.step(ParrotAction(message="sync tool")).observation.echoed_message)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def tool(env: ParrotEnv) -> str:
        async with env:
            await env.reset()
            return (await env.step(ParrotAction(message="async tool"))).observation.echoed_message

    try:
        for env in pool[2:]:
            results.append(asyncio.run_coroutine_threadsafe(tool(env), loop).result(30))
            assert isinstance(env._ws, EngineConnection) or env._ws is None
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
    assert results == ["sync tool"] * 2 + ["async tool"] * 2


def test_a_skyrl_style_thread_pool_of_sync_clients(many: Server, engine_everywhere: None) -> None:
    clients = [ReferenceGenericEnvClient(base_url=many.url).sync() for _ in range(8)]

    def episode(index: int) -> tuple:
        env = clients[index]
        env.connect()
        try:
            env.reset()
            steps = [env.step({"message": f"{index}-{step}"}).observation["echoed_message"] for step in range(5)]
            return steps[-1], env.state()["step_count"], isinstance(env.async_client._ws, EngineConnection)
        finally:
            env.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(episode, range(8)))
    assert outcomes == [(f"{index}-4", 5, True) for index in range(8)]


def test_websocket_client_tests_shape(template_factory, engine_everywhere: None) -> None:
    """As OpenEnv's own client tests go: connect, reset, step, state, errors, close, reconnect."""
    faulty = Server("faulty_env.server.app:app", faulty_env_source(template_factory))
    try:
        async def run() -> list:
            env = ReferenceGenericEnvClient(base_url=faulty.url)
            async with env:
                first = await env.reset()
                stepped = await env.step({"message": "hello"})
                with pytest.raises(RuntimeError, match=r"Server error: .*\(code: EXECUTION_ERROR\)"):
                    await env.step({"message": "boom"})
                state = await env.state()
                carried_by_engine = isinstance(env._ws, EngineConnection)
            again = await env.step({"message": "reconnected"})  # a closed client connects again on use
            await env.close()
            return [first.done, stepped.observation["echoed_message"], state["step_count"], carried_by_engine,
                    again.observation["echoed_message"]]

        assert asyncio.run(run()) == [False, "hello", 2, True, "reconnected"]
    finally:
        faulty.stop()


def test_the_environment_variable_enables_it_for_a_whole_run(many: Server) -> None:
    """OPENENV_ENGINE=swift: no code change at all (the wheel's start-up hook imports
    openenv_swift, which installs the engine)."""
    code = ("from openenv.core import GenericEnvClient\n"
            f"with GenericEnvClient(base_url={many.url!r}).sync() as env:\n"
            "    env.reset()\n    print(type(env.async_client._ws).__name__)\n")
    for value, expected in (("swift", "EngineConnection"), ("", "ClientConnection")):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                                env={**os.environ, "OPENENV_ENGINE": value})
        assert result.stdout.strip().splitlines()[-1:] == [expected], result.stderr[-2000:]


def test_the_environment_variable_costs_nothing_to_a_process_that_never_imports_openenv() -> None:
    """OPENENV_ENGINE=swift: the start-up hook runs (openenv_swift is imported) but OpenEnv is
    not imported until the program imports it (the engine is installed then, as the test above
    shows)."""
    code = "import sys; print('openenv_swift' in sys.modules, 'openenv.core' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "OPENENV_ENGINE": "swift"})
    assert result.stdout.split() == ["True", "False"], result.stderr[-2000:]
