"""Misuse and extreme-but-valid input through the C ABI and the binding (issue 10's findings):
each gets a clear error or works, never a crash, a hang or another caller's session."""

from __future__ import annotations

import ctypes
from typing import Iterator

import pytest

from openenv_swift import AutoEnv, InvalidArgumentError, _native
from servers import EngineSession, Server, faulty_env_source, serve


@pytest.fixture(scope="module")
def faulty(template_factory) -> Iterator[Server]:
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


def test_a_number_that_was_never_a_handle_reaches_no_session(faulty: Server) -> None:
    with EngineSession(faulty.url) as env:
        env.reset()
        lib = _native.library()
        out = ctypes.c_void_p()
        for number in list(range(1, 2048)) + [env.handle ^ 1, env.handle + 65536]:
            assert lib.openenv_state(number, ctypes.byref(out)) == _native.INVALID_ARGUMENT
            assert out.value is None
        assert b"not a session handle this library made" in lib.openenv_last_error()
        assert lib.openenv_close(12345) == _native.INVALID_ARGUMENT
        assert env.state()["step_count"] == 0  # the real session is untouched


def test_last_error_details_with_null_says_why() -> None:
    lib = _native.library()
    assert lib.openenv_last_error_details(None) == _native.INVALID_ARGUMENT
    assert b"out_json is NULL" in lib.openenv_last_error()


@pytest.mark.parametrize("seconds", [1.8e10, 1e15, 1e300])
def test_any_timeout_works(faulty: Server, seconds: float) -> None:
    with EngineSession(faulty.url, connect_timeout_s=seconds, message_timeout_s=seconds) as env:
        assert env.step({"message": "patient"}).observation["echoed_message"] == "patient"
    with AutoEnv.from_env("anything", base_url=faulty.url, skip_install=True, wait_timeout=seconds).sync() as env:
        assert env.state()["step_count"] == 0


def test_an_action_over_the_size_limit_is_refused_before_sending(faulty: Server) -> None:
    with EngineSession(faulty.url, max_message_size_mb=0.01) as env:
        with pytest.raises(InvalidArgumentError, match="more than max_message_bytes .* nothing was sent and the session is still open"):
            env.step({"message": "x" * 20_000})
        assert env.step({"message": "small"}).observation["echoed_message"] == "small"


def test_huge_arguments_give_short_messages() -> None:
    with pytest.raises(ValueError) as caught:
        AutoEnv.get_env_info("n" * 5_000_000)
    assert len(str(caught.value)) < 2000
