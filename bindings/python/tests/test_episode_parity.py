"""One episode through every door (reference Python client, openenv_swift, C, the Swift CLI),
compared field by field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import REPO, compile_c, run
from servers import Server, faulty_env_source, serve

MESSAGES = ["hello", "a longer message with ünïcödé 🎉", "", "x" * 300]
STEPS = 3


@pytest.fixture(scope="module")
def server(template_factory) -> Iterator[Server]:
    source = faulty_env_source(template_factory)
    sys.path.insert(0, str(source))  # the reference client imports the package's own classes
    try:
        yield from serve("faulty_env.server.app:app", source)
    finally:
        sys.path.remove(str(source))


def normalize(observation: dict, reward: Any, done: bool) -> dict:
    fields = {key: value for key, value in observation.items() if key not in ("done", "reward", "metadata")}
    return {"observation": fields, "reward": reward, "done": done}


def reference_episode(url: str, message: str) -> list[dict]:
    """The reference client, openenv-core's EnvClient, through its sync wrapper."""
    from faulty_env import FaultyAction, FaultyEnv

    results = []
    with FaultyEnv(base_url=url).sync() as env:
        result = env.reset()
        results.append(normalize(result.observation.model_dump(), result.reward, result.done))
        for _ in range(STEPS):
            result = env.step(FaultyAction(message=message))
            results.append(normalize(result.observation.model_dump(), result.reward, result.done))
        results.append({"step_count": env.state().step_count})
    return results


def python_episode(url: str, message: str) -> list[dict]:
    """openenv_swift's GenericEnvClient through .sync(): the engine on the caller's thread."""
    from openenv_swift import GenericEnvClient

    results = []
    with GenericEnvClient(url).sync() as env:
        result = env.reset()
        results.append(normalize(result.observation, result.reward, result.done))
        for _ in range(STEPS):
            result = env.step({"message": message})
            results.append(normalize(result.observation, result.reward, result.done))
        results.append({"step_count": env.state()["step_count"]})
    return results


def python_async_episode(url: str, message: str) -> list[dict]:
    """openenv_swift's GenericEnvClient awaited: the engine's I/O loop and completion queue."""
    import asyncio

    from openenv_swift import GenericEnvClient

    async def episode() -> list[dict]:
        results = []
        async with GenericEnvClient(url) as env:
            result = await env.reset()
            results.append(normalize(result.observation, result.reward, result.done))
            for _ in range(STEPS):
                result = await env.step({"message": message})
                results.append(normalize(result.observation, result.reward, result.done))
            results.append({"step_count": (await env.state())["step_count"]})
        return results

    return asyncio.run(episode())


def lines_episode(lines: list[str]) -> list[dict]:
    results = [json.loads(line) for line in lines if line.strip()]
    episode = [normalize(r["observation"], r["reward"], r["done"]) for r in results[:-1]]
    last = results[-1]
    return episode + [{"step_count": last.get("state", last)["step_count"]}]


def c_episode(binary: Path, url: str, message: str) -> list[dict]:
    output = run([str(binary), url, message, str(STEPS)]).stdout.splitlines()
    return lines_episode(output)


def cli_episode(url: str, message: str) -> list[dict]:
    command = [str(REPO / ".build" / "release" / "openenv-swift"), "run", "--base-url", url, "--steps", str(STEPS),
               "--action", json.dumps({"message": message}), "--json"]
    return lines_episode(run(command).stdout.splitlines())


@pytest.fixture(scope="module")
def c_program(cc: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_c(cc, REPO / "Tests" / "CABI" / "episode_test.c", tmp_path_factory.mktemp("c") / "episode_test")


@pytest.mark.parametrize("message", MESSAGES)
def test_every_door_sees_the_reference_episode(server: Server, c_program: Path, message: str) -> None:
    expected = reference_episode(server.url, message)
    assert expected[1]["observation"]["echoed_message"] == message
    assert python_episode(server.url, message) == expected
    assert python_async_episode(server.url, message) == expected
    assert c_episode(c_program, server.url, message) == expected
    assert cli_episode(server.url, message) == expected


def test_the_c_program_checks_every_session_error_path(server: Server, c_program: Path) -> None:
    result = subprocess.run([str(c_program), server.url, "hi", "1"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith(", 0 failed")
