"""make_vec's rounds (issue 36): every request goes out before any answer is awaited, each
answer is parsed as it comes, and none of that may cost the order of the results, the
per-environment errors, send/recv's results, or reopen. Against a real `openenv init` template
whose step sleeps as long as its message says, so that answers come back in any order wanted.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from openenv_swift import AutoEnv, EnvConnectionError, VectorEnvError
from servers import Server, many_env_source


def delay_env_source(template_factory) -> Path:
    """The many-session template, its step sleeping `message` seconds when the message is a
    number (and raising on "boom"); returns the folder holding it."""
    folder = many_env_source(template_factory)
    environment = folder / "many_env" / "server" / "many_env_environment.py"
    text = environment.read_text()
    if "DELAYED" not in text:
        text = text.replace("        self._state.step_count += 1\n",
                            "        self._state.step_count += 1  # DELAYED\n"
                            "        if action.message == \"boom\":\n"
                            "            raise RuntimeError(\"the environment exploded\")\n"
                            "        if action.message.replace(\".\", \"\", 1).isdigit():\n"
                            "            __import__(\"time\").sleep(float(action.message))\n", 1)
        environment.write_text(text)
    assert "DELAYED" in environment.read_text()
    return folder


@pytest.fixture(scope="module")
def delayed(template_factory) -> Iterator[Server]:
    server = Server("many_env.server.app:app", delay_env_source(template_factory))
    try:
        yield server
    finally:
        server.stop()


def echoed(results: list) -> list:
    return [None if result is None else result.observation["echoed_message"] for result in results]


def test_results_keep_the_order_of_the_actions_whatever_order_the_answers_come_in(delayed: Server) -> None:
    with AutoEnv.make_vec("many", num_envs=6, base_url=delayed.url, skip_install=True) as envs:
        envs.reset()
        delays = ["0.5", "0.4", "0.3", "0.2", "0.1", "0"]  # the last answers first
        assert echoed(envs.step([{"message": delay} for delay in delays])) == delays
        assert [state["step_count"] for state in envs.state()] == [1] * 6


def test_one_environment_failing_keeps_the_others_results_and_sessions(delayed: Server) -> None:
    with AutoEnv.make_vec("many", num_envs=4, base_url=delayed.url, skip_install=True) as envs:
        envs.reset()
        with pytest.raises(VectorEnvError) as caught:
            envs.step([{"message": "0.2"}, {"message": "boom"}, {"message": "b"}, {"message": 5}])
        assert sorted(caught.value.errors) == [1, 3]  # EXECUTION_ERROR; VALIDATION_ERROR (a number is not a string)
        assert echoed(caught.value.results) == ["0.2", None, "b", None]
        assert echoed(envs.step([{"message": "again"}] * 4)) == ["again"] * 4  # every session still usable


def test_an_answer_the_package_cannot_parse_fails_that_environment_only(delayed: Server) -> None:
    with AutoEnv.make_vec("many", num_envs=3, base_url=delayed.url, skip_install=True) as envs:
        envs.reset()
        parse = envs._hooks._parse_result

        def picky(data: dict):
            if data["observation"]["echoed_message"] == "unparsable":
                raise ValueError("this package cannot read that")
            return parse(data)

        envs._hooks._parse_result = picky
        with pytest.raises(VectorEnvError) as caught:
            envs.step([{"message": "fine"}, {"message": "unparsable"}, {"message": "also fine"}])
        assert list(caught.value.errors) == [1] and "cannot read that" in str(caught.value.errors[1])
        assert echoed(caught.value.results) == ["fine", None, "also fine"]
        envs._hooks._parse_result = parse
        assert echoed(envs.step([{"message": "next"}] * 3)) == ["next"] * 3  # nothing left over in the queue


def test_send_and_recv_beside_a_step(delayed: Server) -> None:
    """A step of every environment while some have actions in flight: the step's requests
    queue behind them, its answers are its own, and recv still gets the sent ones."""
    with AutoEnv.make_vec("many", num_envs=3, base_url=delayed.url, skip_install=True) as envs:
        envs.reset()
        envs.send([{"message": "0.3"}, {"message": "sent"}], env_ids=[0, 2])
        assert echoed(envs.step([{"message": f"step {index}"} for index in range(3)])) == ["step 0", "step 1", "step 2"]
        received = dict(envs.recv(min_results=2, timeout=30))
        assert {env_id: result.observation["echoed_message"] for env_id, result in received.items()} == {0: "0.3", 2: "sent"}
        assert [state["step_count"] for state in envs.state()] == [2, 1, 2]


def test_other_threads_run_while_a_round_waits(delayed: Server) -> None:
    """The wait for a round's answers releases the GIL."""
    counted, stop = [0], threading.Event()

    def count() -> None:
        while not stop.is_set():
            counted[0] += 1

    with AutoEnv.make_vec("many", num_envs=2, base_url=delayed.url, skip_install=True) as envs:
        envs.reset()
        counter = threading.Thread(target=count)
        counter.start()
        try:
            before = counted[0]
            envs.step([{"message": "0.5"}] * 2)
            during = counted[0] - before
        finally:
            stop.set()
            counter.join()
    assert during > 1000  # the counting thread ran, many times, during the half-second round


def test_a_server_killed_in_the_middle_of_a_round_fails_its_sessions_and_reopen_moves_them(template_factory) -> None:
    source = delay_env_source(template_factory)
    survivor, victim = Server("many_env.server.app:app", source), Server("many_env.server.app:app", source)
    try:
        with AutoEnv.make_vec("many", num_envs=4, base_url=[survivor.url, victim.url], skip_install=True, reopen=True) as envs:
            envs.reset()
            on_victim = [env_id for env_id, url in enumerate(envs.base_urls) if url == victim.url]
            killer = threading.Timer(0.3, victim.kill)
            killer.start()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": "1"}] * 4)  # a second each: the server dies while they run
            killer.join()
            assert sorted(caught.value.errors) == on_victim
            assert all(isinstance(error, EnvConnectionError) for error in caught.value.errors.values())
            assert echoed(caught.value.results) == [None if env_id in on_victim else "1" for env_id in range(4)]
            assert caught.value.reopened == on_victim and set(envs.base_urls) == {survivor.url}
            envs.reset()
            assert echoed(envs.step([{"message": "after"}] * 4)) == ["after"] * 4
    finally:
        survivor.stop()
        victim.stop()
