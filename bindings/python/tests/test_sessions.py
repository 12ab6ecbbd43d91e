"""Sessions against real openenv-core servers: every message type, every error path."""

from __future__ import annotations

import threading
import time
from typing import Iterator

import pytest

from openenv_swift import (
    AutoEnv,
    CapacityError,
    EnvConnectionError,
    EnvironmentNotFoundError,
    EnvTimeoutError,
    InvalidArgumentError,
    MessageTooLargeError,
    ServerError,
    SessionClosedError,
    ValidationError,
)
from servers import Server, SilentServer, connect, faulty_env_source, serve


@pytest.fixture(scope="module")
def parrot() -> Iterator[Server]:
    """The template environment; it serves one session at a time."""
    yield from serve("parrot_env.server.app:app")


@pytest.fixture(scope="module")
def faulty(template_factory) -> Iterator[Server]:
    """A template environment whose step raises on "boom"; four sessions at a time."""
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


def test_an_episode_with_the_installed_classes(parrot: Server) -> None:
    from openenv.core.env_server.types import State
    from parrot_env import ParrotAction, ParrotObservation

    with AutoEnv.from_env("parrot", base_url=parrot.url).sync() as env:
        result = env.reset()
        assert isinstance(result.observation, ParrotObservation)
        assert result.observation.echoed_message == "Parrot Env environment ready!"
        assert (result.reward, result.done) == (0.0, False)
        result = env.step(ParrotAction(message="hello"))
        assert result.observation.echoed_message == "hello"
        assert result.observation.message_length == 5
        assert result.reward == pytest.approx(0.5)
        assert env.step(ParrotAction(message="hi")).observation.message_length == 2
        state = env.state()
        assert isinstance(state, State)
        assert state.step_count == 2
        assert repr(result).startswith("StepResult(observation=ParrotObservation(")


def test_reset_arguments_and_state_counting(faulty: Server) -> None:
    with connect(faulty.url) as env:
        env.reset(seed=42, episode_id="ep-1", unknown_argument=True)
        env.step({"message": "a"})
        env.step({"message": "b"})
        first = env.state()
        assert first["step_count"] == 2
        env.reset()
        second = env.state()
        assert second["step_count"] == 0
        assert second["episode_id"] != first["episode_id"]


def test_without_installed_classes_results_are_dicts(faulty: Server) -> None:
    from openenv.core import GenericEnvClient as Reference

    with Reference(base_url=faulty.url).sync() as reference:
        expected = reference.step({"message": "hi"})
    with AutoEnv.from_env("someone/faulty-env", base_url=faulty.url, skip_install=True).sync() as env:
        result = env.step({"message": "hi"})
        assert result.observation == expected.observation  # as the installed reference gives it
        assert result.observation["echoed_message"] == "hi" and result.observation["message_length"] == 2
        assert (result.reward, result.done) == (pytest.approx(0.2), False)
        assert env.state()["step_count"] == 1


def test_schema_and_metadata(faulty: Server) -> None:
    with connect(faulty.url) as env:
        schema = env.schema()
        assert set(schema) >= {"action", "observation", "state"}
        assert "message" in schema["action"]["properties"]
        assert env.metadata()["name"] == "FaultyEnvironment"


def test_validation_errors_keep_the_session(faulty: Server) -> None:
    with connect(faulty.url) as env:
        with pytest.raises(ValidationError) as caught:
            env.step({"message": 5})
        assert caught.value.code == "VALIDATION_ERROR"
        assert caught.value.errors[0]["loc"] == ["message"]
        assert isinstance(caught.value, ValueError)
        assert "message: Input should be a valid string" in str(caught.value)
        assert env.step({"message": "after"}).observation["echoed_message"] == "after"


def test_execution_errors_keep_the_session(faulty: Server) -> None:
    with connect(faulty.url) as env:
        env.reset()
        with pytest.raises(ServerError) as caught:
            env.step({"message": "boom"})
        assert caught.value.code == "EXECUTION_ERROR"
        assert "exploded" in str(caught.value)
        assert env.step({"message": "fine"}).observation["echoed_message"] == "fine"


def test_capacity_reached_says_how_many_and_closes(parrot: Server) -> None:
    with connect(parrot.url) as first:
        first.reset()
        second = connect(parrot.url)
        with pytest.raises(CapacityError) as caught:
            second.reset()
        assert (caught.value.active_sessions, caught.value.max_sessions) == (1, 1)
        assert "at capacity (1 of 1 sessions in use)" in str(caught.value)
        with pytest.raises(SessionClosedError):
            second.step({"message": "x"})
        second.close()
        assert first.step({"message": "still mine"}).observation["echoed_message"] == "still mine"


def test_close_is_idempotent_and_a_later_call_opens_a_new_session(faulty: Server) -> None:
    from openenv_swift import GenericEnvClient

    env = GenericEnvClient(base_url=faulty.url).sync()
    env.connect()
    env.step({"message": "a"})
    env.close()
    env.close()
    assert env.state()["step_count"] == 0  # as the reference: the next call connects again
    env.close()


def test_a_server_killed_mid_episode(template_factory) -> None:
    server = Server("faulty_env.server.app:app", faulty_env_source(template_factory))
    try:
        env = connect(server.url, message_timeout_s=10)
        env.reset()
        server.kill()
        started = time.monotonic()
        with pytest.raises(EnvConnectionError):
            env.step({"message": "anyone?"})
        assert time.monotonic() - started < 5
        with pytest.raises(SessionClosedError, match="closed"):
            env.step({"message": "again"})
        env.close()
    finally:
        server.stop()


def test_a_server_that_never_answers_times_out() -> None:
    silent = SilentServer(handshake=True)
    try:
        env = connect(silent.url, message_timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(EnvTimeoutError, match="timed out after 0.5 s"):
            env.reset()
        assert 0.4 < time.monotonic() - started < 5
        with pytest.raises(SessionClosedError):
            env.reset()
        env.close()
    finally:
        silent.stop()


def test_a_handshake_that_never_comes_times_out() -> None:
    silent = SilentServer(handshake=False)
    try:
        with pytest.raises(EnvTimeoutError, match="connecting"):
            connect(silent.url, connect_timeout_s=0.5)
    finally:
        silent.stop()


def test_a_message_over_the_size_limit(faulty: Server) -> None:
    with connect(faulty.url, max_message_size_mb=0.001) as env:
        env.reset()
        # An action over the limit is refused before it is sent; the session stays.
        with pytest.raises(InvalidArgumentError, match="more than max_message_bytes"):
            env.step({"message": "x" * 5000})
        # An answer over the limit (the 1015-byte request is under it, its echo is not) ends it.
        with pytest.raises(MessageTooLargeError, match="exceeds the limit of 1048 bytes"):
            env.step({"message": "x" * 980})
        with pytest.raises(SessionClosedError):
            env.step({"message": "small"})


def test_nothing_listening_is_a_connection_error() -> None:
    from servers import free_port

    with pytest.raises(EnvConnectionError, match="Is the environment server running there?"):
        connect(f"http://127.0.0.1:{free_port()}")


@pytest.mark.parametrize("url, message", [
    ("", "it is empty"),
    ("ftp://host", "unsupported scheme 'ftp'"),
    ("http://host:99999", "invalid port"),
    ("http://:80", "no host"),
])
def test_bad_urls_are_invalid_arguments(url: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        connect(url)


def test_bad_options_and_actions(faulty: Server) -> None:
    with pytest.raises(InvalidArgumentError, match="message_timeout"):
        connect(faulty.url, message_timeout_s=-1)
    with connect(faulty.url) as env:
        for action in ("42", "[1]", "null", "{"):
            with pytest.raises(InvalidArgumentError, match="action_json (must be a JSON object|is not valid JSON)"):
                env._call("openenv_step", action)
        assert env.step({"message": "still open"}).observation["echoed_message"] == "still open"


def test_from_env_with_a_base_url_needs_a_known_name_unless_skip_install(faulty: Server) -> None:
    with pytest.raises(EnvironmentNotFoundError):
        AutoEnv.from_env("no-such-env", base_url=faulty.url)
    with AutoEnv.from_env("no-such-env", base_url=faulty.url, skip_install=True).sync() as env:
        assert env.step({"message": "ok"}).observation["echoed_message"] == "ok"


def test_one_session_shared_by_threads_is_serialized(faulty: Server) -> None:
    with connect(faulty.url) as env:
        env.reset()
        answers: list[str] = []
        failures: list[BaseException] = []

        def worker(tag: str) -> None:
            try:
                for index in range(25):
                    message = f"{tag}-{index}"
                    assert env.step({"message": message}).observation["echoed_message"] == message
                    answers.append(message)
            except BaseException as error:  # reported below
                failures.append(error)

        threads = [threading.Thread(target=worker, args=(tag,)) for tag in "abcd"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert len(answers) == 100
        assert env.state()["step_count"] == 100


def test_close_from_another_thread_ends_a_blocked_call() -> None:
    silent = SilentServer(handshake=True)
    try:
        env = connect(silent.url, message_timeout_s=30)
        failures: list[BaseException] = []
        thread = threading.Thread(target=lambda: failures.append(pytest.raises(Exception, env.reset).value))
        started = time.monotonic()
        thread.start()
        time.sleep(0.3)
        env.close()
        thread.join(timeout=10)
        assert not thread.is_alive()
        assert time.monotonic() - started < 5
        assert isinstance(failures[0], SessionClosedError)
    finally:
        silent.stop()


def test_sessions_step_in_parallel_threads(faulty: Server) -> None:
    clients = [connect(faulty.url) for _ in range(3)]
    try:
        results: dict[int, int] = {}

        def run(index: int) -> None:
            clients[index].reset()
            for _ in range(20):
                clients[index].step({"message": "x" * index})
            results[index] = clients[index].state()["step_count"]

        threads = [threading.Thread(target=run, args=(index,)) for index in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == {0: 20, 1: 20, 2: 20}
    finally:
        for client in clients:
            client.close()
