"""Faults a long training run meets: a frozen server, a server killed and restarted on the same
port, a server dying under a vector step, a cache folder that cannot be written. Each ends in
an error that says what happened, on the blocking and the awaited paths, and the rest keeps
working."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from openenv_swift import AutoEnv, EnvConnectionError, EnvTimeoutError, SessionClosedError, VectorEnvError
from servers import AsyncEngineSession, EngineSession, Server, accept_websocket, client_frames, faulty_env_source, loopback_listener


def test_a_frozen_server_times_out_and_nothing_hangs(template_factory) -> None:
    server = Server("faulty_env.server.app:app", faulty_env_source(template_factory))
    try:
        blocking = EngineSession(server.url, message_timeout_s=1)
        blocking.reset()

        async def awaited() -> BaseException:
            async with AsyncEngineSession(server.url, message_timeout_s=1) as env:
                await env.reset()
                os.kill(server.process.pid, signal.SIGSTOP)
                try:
                    await env.step({"message": "frozen"})
                except BaseException as error:  # what the await ended with
                    return error
            raise AssertionError("no time-out")

        started = time.monotonic()
        failure = asyncio.run(awaited())
        assert isinstance(failure, EnvTimeoutError) and "timed out after 1 s" in str(failure)
        with pytest.raises(EnvTimeoutError, match="timed out after 1 s"):
            blocking.step({"message": "frozen"})
        assert time.monotonic() - started < 8
        with pytest.raises(SessionClosedError):  # a time-out ends the session: a late answer cannot be misread
            blocking.step({"message": "again"})
        os.kill(server.process.pid, signal.SIGCONT)
        with EngineSession(server.url) as fresh:
            assert fresh.step({"message": "thawed"}).observation["echoed_message"] == "thawed"
        blocking.close()
    finally:
        os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


def test_a_server_killed_and_restarted_on_the_same_port(template_factory) -> None:
    source = faulty_env_source(template_factory)
    server = Server("faulty_env.server.app:app", source)
    port = server.port
    try:
        blocking = EngineSession(server.url, message_timeout_s=10)
        blocking.reset()
        server.kill()
        server = Server("faulty_env.server.app:app", source, port=port)
        with pytest.raises(EnvConnectionError):  # the old session reports its loss
            blocking.step({"message": "anyone?"})

        async def after_restart() -> str:
            async with AsyncEngineSession(server.url) as env:
                return (await env.step({"message": "new"})).observation["echoed_message"]

        assert asyncio.run(after_restart()) == "new"
        blocking.close()
        with pytest.raises(SessionClosedError):  # a released session is refused, never reused
            blocking.step({"message": "gone"})
    finally:
        server.stop()


def test_a_server_dying_under_a_vector_step_leaves_the_others(template_factory) -> None:
    source = faulty_env_source(template_factory)
    survivor, victim = Server("faulty_env.server.app:app", source), Server("faulty_env.server.app:app", source)
    try:
        with AutoEnv.make_vec("faulty", num_envs=4, base_url=[survivor.url, victim.url], skip_install=True, message_timeout_s=10) as envs:
            envs.reset()
            victim.kill()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": f"m{index}"} for index in range(4)])
            assert sorted(caught.value.errors) == [1, 3]
            assert all(isinstance(error, EnvConnectionError) for error in caught.value.errors.values())
            assert [result.observation["echoed_message"] for result in caught.value.results if result is not None] == ["m0", "m2"]
            assert "env 1:" in str(caught.value) and "env 3:" in str(caught.value)
            with pytest.raises(VectorEnvError) as again:
                envs.step([{"message": "still"}] * 4)
            assert sorted(again.value.errors) == [1, 3]
            assert all(isinstance(error, SessionClosedError) for error in again.value.errors.values())
            assert [result.observation["echoed_message"] for result in again.value.results if result is not None] == ["still"] * 2
    finally:
        survivor.stop()
        victim.stop()


@pytest.mark.parametrize("cache", ["/dev/full", "/proc/version/cache"])
def test_an_unwritable_cache_folder_only_costs_a_warning(cache: str) -> None:
    code = ("import json\nfrom openenv_swift import AutoEnv, _native\n"
            "print(AutoEnv.get_env_info('parrot')['env_class'])\n"
            "print(json.dumps(json.loads(_native.call_text('openenv_discover', _native.discovery_options()))['warnings']))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, OPENENV_SWIFT_CACHE_DIR=cache))
    assert result.returncode == 0, result.stderr
    first, warnings = result.stdout.splitlines()
    assert first == "ParrotEnv"
    assert any("the discovery cache cannot be written" in warning["message"] and "OPENENV_SWIFT_CACHE_DIR" in warning["message"]
               for warning in json.loads(warnings))


class FrameRecorder:
    """A WebSocket server that accepts one client, never answers, and keeps every byte the
    client sends until it hangs up."""

    def __init__(self) -> None:
        import threading

        self.listener, self.url = loopback_listener()
        self.received = b""
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        try:
            accept_websocket(connection)
            while data := connection.recv(65536):
                self.received += data
        finally:
            connection.close()
            self.listener.close()
            self.done.set()


@pytest.mark.parametrize("path", ["blocking", "awaited"])
def test_a_close_during_a_call_tells_the_server_with_a_close_frame(path: str) -> None:
    recorder = FrameRecorder()
    if path == "blocking":
        import threading

        env = EngineSession(recorder.url, message_timeout_s=30)
        outcome: list[BaseException] = []

        def call() -> None:
            try:
                env.reset()
            except BaseException as error:
                outcome.append(error)

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.5)
        env.close()
        caller.join(10)
        assert not caller.is_alive() and isinstance(outcome[0], SessionClosedError)
    else:
        from servers import interrupted_call

        async def awaited() -> BaseException:
            env = await AsyncEngineSession(recorder.url, message_timeout_s=30).connect()
            return await interrupted_call(env, env.reset(), 0.5)

        assert isinstance(asyncio.run(awaited()), SessionClosedError)
    assert recorder.done.wait(10)
    (request_opcode, request), (opcode, payload) = client_frames(recorder.received)
    assert request_opcode == 0x1 and b'"reset"' in request
    assert (opcode, payload) == (0x8, (1001).to_bytes(2, "big"))  # going away


@pytest.fixture(scope="module")
def slow_server(template_factory):
    """A one-session server whose step takes 50 ms: a close 10 ms into a step interrupts it."""
    from servers import slow_env_source

    server = Server("slow_env.server.app:app", slow_env_source(template_factory))
    yield server
    server.stop()


def test_a_reconnect_right_after_an_interrupted_call_is_not_refused(slow_server: Server) -> None:
    from servers import interrupt_then_reconnect

    rounds = [interrupt_then_reconnect(slow_server.url) for _ in range(100)]
    assert [interrupted for interrupted, _ in rounds].count(True) == 100
    assert [refused for _, refused in rounds].count(True) == 0


def test_an_awaited_call_interrupted_then_a_reconnect_is_not_refused(slow_server: Server) -> None:
    from servers import interrupted_call

    async def cycles() -> None:
        for _ in range(20):
            env = await AsyncEngineSession(slow_server.url).connect()
            await env.reset()
            assert isinstance(await interrupted_call(env, env.step({"message": "slow"}), 0.01), SessionClosedError)
            async with AsyncEngineSession(slow_server.url) as again:
                await again.reset()

    asyncio.run(cycles())


def test_closing_with_messages_sent_and_never_received_leaves_no_unretrieved_failure(slow_server: Server) -> None:
    import gc

    from websockets.exceptions import ConnectionClosedError

    from openenv_swift import connection

    async def close_with_steps_in_flight() -> list:
        loop, reported = asyncio.get_running_loop(), []
        loop.set_exception_handler(lambda _, context: reported.append(context))
        ws = await connection.connect(slow_server.url.replace("http", "ws") + "/ws")
        await ws.send('{"type": "reset", "data": {}}')
        await ws.recv()
        for _ in range(3):
            await ws.send('{"type": "step", "data": {"message": "slow"}}')
        await ws.close()  # the session ends at once: its steps cannot be received any more
        with pytest.raises(ConnectionClosedError):
            await ws.recv()
        await asyncio.sleep(0.2)  # the engine's completions of the ended steps come and are dropped
        gc.collect()
        return reported

    assert asyncio.run(close_with_steps_in_flight()) == []


def test_a_slot_taken_by_another_session_meanwhile_is_still_refused_after_the_wait(slow_server: Server) -> None:
    import threading

    from openenv_swift import CapacityError

    env = EngineSession(slow_server.url)
    env.reset()
    stepper = threading.Thread(target=lambda: pytest.raises(SessionClosedError, env.step, {"message": "slow"}))
    stepper.start()
    time.sleep(0.01)
    env.close()
    stepper.join(10)
    holder = EngineSession(slow_server.url)  # waits for the interrupted session's slot, and takes it
    try:
        holder.reset()
        with pytest.raises(CapacityError, match="at capacity"):  # after waiting up to the connect timeout
            EngineSession(slow_server.url, connect_timeout_s=1).reset()
    finally:
        holder.close()
