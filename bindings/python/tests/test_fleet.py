"""Vector environments over several servers: sessions placed by each server's capacity, and
sessions lost with a server reopened elsewhere (``make_vec(..., reopen=True)``)."""

from __future__ import annotations

from collections import Counter

import pytest

from openenv_swift import AutoEnv, CapacityError, EnvConnectionError, VectorEnvError
from servers import Server, TemplateRuntime, many_env_source


def many_env_server(template_factory, sessions: int) -> Server:
    """The `openenv init` template serving `sessions` sessions at once."""
    return Server("many_env.server.app:app", many_env_source(template_factory), env={"MAX_ENVS": str(sessions)})


def test_sessions_are_placed_by_each_servers_capacity(template_factory) -> None:
    small, large = many_env_server(template_factory, 2), many_env_server(template_factory, 3)
    try:
        # Round-robin alone would put 3 on the small server; it refuses the third, which moves.
        with AutoEnv.make_vec("many", num_envs=5, base_url=[small.url, large.url], skip_install=True) as envs:
            assert Counter(envs.base_urls) == {small.url: 2, large.url: 3}
            envs.reset()
            results = envs.step([{"message": f"e{index}"} for index in range(5)])
            assert [result.observation["echoed_message"] for result in results] == [f"e{index}" for index in range(5)]
        with pytest.raises(CapacityError, match=r"room for 5 of the 6 sessions.*holds at most 2.*holds at most 3"):
            AutoEnv.make_vec("many", num_envs=6, base_url=[small.url, large.url], skip_install=True)
        # Nothing was left open by the refusal: the five fit again.
        with AutoEnv.make_vec("many", num_envs=5, base_url=[small.url, large.url], skip_install=True) as envs:
            assert len(envs.reset()) == 5
    finally:
        small.stop()
        large.stop()


def test_a_server_that_cannot_be_reached_gets_no_sessions(template_factory) -> None:
    live = many_env_server(template_factory, 4)
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens
    try:
        with AutoEnv.make_vec("many", num_envs=4, base_url=[dead, live.url], skip_install=True, connect_timeout_s=5) as envs:
            assert envs.base_urls == [live.url] * 4
        with pytest.raises(EnvConnectionError):
            AutoEnv.make_vec("many", num_envs=1, base_url=[dead], skip_install=True, connect_timeout_s=5)
    finally:
        live.stop()


def test_sessions_lost_with_a_server_reopen_on_the_others(template_factory) -> None:
    survivor, victim = many_env_server(template_factory, 4), many_env_server(template_factory, 4)
    try:
        with AutoEnv.make_vec("many", num_envs=4, base_url=[survivor.url, victim.url], skip_install=True, reopen=True,
                              message_timeout_s=10) as envs:
            envs.reset()
            envs.step([{"message": "before"}] * 4)
            victim.kill()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": f"m{index}"} for index in range(4)])
            assert sorted(caught.value.errors) == [1, 3] and caught.value.reopened == [1, 3]
            assert "reopened env 1, 3" in str(caught.value)
            assert [result.observation["echoed_message"] for result in caught.value.results if result is not None] == ["m0", "m2"]
            assert envs.base_urls == [survivor.url] * 4
            envs.reset()
            # Each session answers for itself: the new ones start their own episodes.
            results = envs.step([{"message": f"after{index}"} for index in range(4)])
            assert [result.observation["echoed_message"] for result in results] == [f"after{index}" for index in range(4)]
            assert [state["step_count"] for state in envs.state()] == [1, 1, 1, 1]
    finally:
        survivor.stop()
        victim.stop()


def test_sessions_reopened_after_a_lost_server_are_spread_over_the_others(template_factory) -> None:
    victim, first, second = (many_env_server(template_factory, 4) for _ in range(3))
    try:
        with AutoEnv.make_vec("many", num_envs=6, base_url=[victim.url, first.url, second.url], skip_install=True, reopen=True,
                              message_timeout_s=10) as envs:
            envs.reset()
            victim.kill()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": "x"}] * 6)
            assert caught.value.reopened == [0, 3] and caught.value.reopen_error is None
            # As the first opening did: one each, not both on the server after the lost one.
            assert Counter(envs.base_urls) == {first.url: 3, second.url: 3}
            assert len(envs.reset()) == 6
    finally:
        for server in (victim, first, second):
            server.stop()


def test_a_reopen_that_finds_no_room_names_each_server_and_why(template_factory) -> None:
    full, victim = many_env_server(template_factory, 2), many_env_server(template_factory, 2)
    try:
        with AutoEnv.make_vec("many", num_envs=4, base_url=[full.url, victim.url], skip_install=True, reopen=True,
                              connect_timeout_s=5, message_timeout_s=10) as envs:
            envs.reset()
            victim.kill()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": "x"}] * 4)
            error = caught.value.reopen_error
            assert caught.value.reopened == [] and isinstance(error, CapacityError)
            assert all(caught.value.errors[env_id].__cause__ is error for env_id in (1, 3))
            text = str(caught.value)
            assert f"could not reopen env 1, 3: {error}" in text
            assert f"{full.url} holds at most 2" in text and f"{victim.url} cannot be reached" in text
            # The capacity error says what it has to say once.
            assert str(error).count("room for 0 of the 2 sessions") == 1 and text.count("room for 0 of the 2 sessions") == 1
    finally:
        full.stop()
        victim.stop()


def test_with_no_server_left_the_lost_sessions_stay_closed_and_say_why(template_factory) -> None:
    only = many_env_server(template_factory, 2)
    try:
        with AutoEnv.make_vec("many", num_envs=2, base_url=[only.url], skip_install=True, reopen=True, connect_timeout_s=5) as envs:
            envs.reset()
            only.kill()
            with pytest.raises(VectorEnvError) as caught:
                envs.step([{"message": "x"}] * 2)
            assert caught.value.reopened == []
            assert all(isinstance(error.__cause__, EnvConnectionError) for error in caught.value.errors.values())
    finally:
        only.stop()


def test_a_provider_starts_servers_as_capacity_runs_out_and_stops_them(template_factory) -> None:
    folder = many_env_source(template_factory)
    TemplateRuntime.instances.clear()
    with AutoEnv.make_vec("many", num_envs=5, provider=lambda: TemplateRuntime(folder), env_vars={"MAX_ENVS": "2"},
                          skip_install=True) as envs:
        assert sorted(Counter(envs.base_urls).values()) == [1, 2, 2]  # three servers of two sessions
        assert len(TemplateRuntime.instances) == 3 and all(runtime.running for runtime in TemplateRuntime.instances)
        results = envs.step([{"message": f"p{index}"} for index in range(5)])
        assert [result.observation["echoed_message"] for result in results] == [f"p{index}" for index in range(5)]
    assert not any(runtime.running for runtime in TemplateRuntime.instances)


def test_a_provider_with_num_servers_starts_them_at_once_and_reopens_on_them(template_factory) -> None:
    folder = many_env_source(template_factory)
    TemplateRuntime.instances.clear()
    with AutoEnv.make_vec("many", num_envs=4, provider=TemplateRuntime(folder), num_servers=2, env_vars={"MAX_ENVS": "4"},
                          skip_install=True, reopen=True, message_timeout_s=10) as envs:
        assert len(TemplateRuntime.instances) == 2 and sorted(Counter(envs.base_urls).values()) == [2, 2]
        envs.reset()
        victim, survivor = sorted(TemplateRuntime.instances, key=lambda runtime: envs.base_urls.index(runtime.server.url))
        victim.server.kill()
        with pytest.raises(VectorEnvError) as caught:
            envs.step([{"message": "x"}] * 4)
        assert caught.value.reopened == sorted(caught.value.errors) and len(caught.value.reopened) == 2
        assert set(envs.base_urls) == {survivor.server.url}
        envs.reset()
        assert [result.observation["echoed_message"] for result in envs.step([{"message": f"q{index}"} for index in range(4)])] == \
            [f"q{index}" for index in range(4)]
    assert not survivor.running


def test_a_provider_of_neither_kind_is_refused() -> None:
    from openenv_swift import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match="RuntimeProvider"):
        AutoEnv.make_vec("many", num_envs=1, provider=object(), skip_install=True)
    with pytest.raises(InvalidArgumentError, match="not both"):
        AutoEnv.make_vec("many", num_envs=1, provider=object(), base_url=["http://127.0.0.1:9"], skip_install=True)


def test_a_fleet_none_of_whose_servers_can_be_reached_names_each() -> None:
    dead = ["http://127.0.0.1:9", "http://127.0.0.1:7"]  # the discard and echo ports: nothing listens
    with pytest.raises(EnvConnectionError, match="none of the 2 servers can be reached: ") as caught:
        AutoEnv.make_vec("parrot", num_envs=2, base_url=dead, connect_timeout_s=5)
    assert all(f"{url}: cannot connect (Connection refused)" in str(caught.value) for url in dead)
