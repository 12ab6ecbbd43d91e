"""Every container face against a real container engine (rootful podman, with podman-docker's
``docker`` first on PATH), on images built by scripts/setup_containers.sh from each OpenEnv
release's own ``openenv init`` Dockerfile: ``from_env(docker_image=...)``, the package class's
``from_docker_image``, a Hub name with ``docker_image``, ``container_provider=`` with the
reference's ``LocalDockerProvider``, ``make_vec(provider=..., num_servers=N, reopen=True)`` with
a container killed mid-run, and plain reference code under ``OPENENV_ENGINE=swift``; a
container that stops at start; the engine chosen or named, and each way that fails; and no
container outliving the process that started it, even killed with SIGKILL.

Where no engine can be had, every test here skips saying why (and the run's summary repeats
it): they never pass without an engine.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from conftest import REFERENCE_0_10, REPO, container_skip_reason
from openenv_swift import AutoEnv, ServerStartError
from openenv_swift.vector import VectorEnvError

#: The image of this run's OpenEnv release: openenv 0.10.0's server, or openenv-core 0.3.0's.
IMAGE = "localhost/openenv-swift/parrot-env:" + ("0.10.0" if REFERENCE_0_10 else "0.3.0")
#: Its variant whose server prints a line on stderr and exits 3 at start.
CRASH_IMAGE = "localhost/openenv-swift/parrot-env:crash"
OWNER_LABEL = "org.openenv-swift.owner"
#: The folder with podman-docker's `docker`, put first on PATH (a Docker CLI without a daemon
#: may sit in /usr/local/bin).
SHIM = REPO / ".work" / "containers" / "bin"


@pytest.fixture(scope="module", autouse=True)
def engine() -> Iterator[str]:
    """The real engine (podman), with the shim first on PATH and no engine named; skips the
    module, loudly, where there is none."""
    reason = container_skip_reason([IMAGE, CRASH_IMAGE])
    if reason is not None:
        pytest.skip(reason)
    saved = {name: os.environ.get(name) for name in ("PATH", "OPENENV_CONTAINER_ENGINE")}
    os.environ["PATH"] = f"{SHIM}:{os.environ['PATH']}"
    os.environ.pop("OPENENV_CONTAINER_ENGINE", None)
    yield shutil.which("podman") or "podman"
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def podman(*arguments: str) -> str:
    result = subprocess.run(["podman", *arguments], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"podman {' '.join(arguments)}: {result.stderr}"
    return result.stdout


def exists(container: str) -> bool:
    return subprocess.run(["podman", "container", "exists", container], capture_output=True).returncode == 0


def owned_by(pid: int) -> List[str]:
    """The ids of the containers labelled as owned by process ``pid``."""
    ids = podman("ps", "-aq", "--no-trunc", "--filter", f"label={OWNER_LABEL}").split()
    if not ids:
        return []
    lines = podman("inspect", "--format", f'{{{{.Id}}}} {{{{index .Config.Labels "{OWNER_LABEL}"}}}}', *ids).split("\n")
    return [line.split()[0] for line in lines if line.strip() and line.split()[1].split("/")[2] == str(pid)]


def publishing(port: int) -> str:
    """The id of the one running container that publishes host port ``port``."""
    for container in podman("ps", "-q", "--no-trunc").split():
        bindings = json.loads(podman("inspect", "--format", "{{json .HostConfig.PortBindings}}", container))
        if any(binding["HostPort"] == str(port) for bound in bindings.values() for binding in bound or []):
            return container
    raise AssertionError(f"no running container publishes port {port}")


def eventually_gone(containers: List[str], seconds: float = 90) -> List[str]:
    """The containers still present after waiting up to ``seconds`` for them to go."""
    deadline = time.monotonic() + seconds
    left = list(containers)
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = [container for container in left if exists(container)]
    return left


def message(env) -> str:
    from parrot_env import ParrotAction

    env.reset()
    return env.step(ParrotAction(message="in a container")).observation.echoed_message


def test_docker_image_runs_on_loopback_with_env_vars_and_is_removed_on_close() -> None:
    client = AutoEnv.from_env("parrot", docker_image=IMAGE, env_vars={"PARROT_PROBE": "42"}, wait_timeout=120)
    with client.sync() as env:
        assert message(env) == "in a container"
        port = int(client.base_url.rsplit(":", 1)[1])
        container = publishing(port)
        details = json.loads(podman("inspect", container))[0]
        assert "PARROT_PROBE=42" in details["Config"]["Env"]
        assert details["HostConfig"]["PortBindings"]["8000/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": str(port)}]
        assert container in owned_by(os.getpid())
    assert not exists(container)


def test_a_container_that_crashes_at_start_is_reported_at_once_with_its_exit_code_and_log() -> None:
    before = set(owned_by(os.getpid()))
    # A wait of ten minutes: an error that only came at the deadline would read "did not become healthy".
    with pytest.raises(ServerStartError) as caught:
        AutoEnv.from_env("parrot", docker_image=CRASH_IMAGE, wait_timeout=600)
    text = str(caught.value)
    assert "of image localhost/openenv-swift/parrot-env:crash stopped with exit code 3 before its server became healthy" in text
    assert "boom: the server crashed at start" in text
    assert "did not become healthy" not in text
    assert set(owned_by(os.getpid())) == before  # the stopped container is removed too


def test_an_image_neither_present_nor_pullable_says_so() -> None:
    with pytest.raises(ServerStartError, match="the image localhost/openenv-swift/no-such-image:1 is not present and could not be pulled"):
        AutoEnv.from_env("parrot", docker_image="localhost/openenv-swift/no-such-image:1", wait_timeout=60)


def docker_cli_without_daemon() -> str:
    """A real Docker CLI (not podman's), to point by DOCKER_HOST at a socket nobody serves."""
    for folder in os.environ["PATH"].split(":"):
        candidate = Path(folder) / "docker"
        if candidate.is_file() and "podman" not in subprocess.run([str(candidate), "--version"], capture_output=True, text=True).stdout.lower():
            return str(candidate)
    pytest.skip("no Docker CLI here other than podman-docker's: the 'docker does not answer' case needs one")


def test_a_docker_that_does_not_answer_leads_on_to_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    (tmp_path / "docker").symlink_to(docker_cli_without_daemon())
    (tmp_path / "podman").symlink_to(engine)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/sbin:/usr/bin:/sbin:/bin")  # podman's helpers (iptables...) are found on PATH
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nobody.sock")
    with AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=120).sync() as env:
        assert message(env) == "in a container"


def test_a_start_runs_at_once_and_asks_the_engine_only_when_the_run_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    calls = tmp_path / "calls"
    shim = tmp_path / "docker"  # the real engine, noting each command it is given
    shim.write_text(f'#!/bin/sh\necho "$1" >> {calls}\nexec {engine} "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/sbin:/usr/bin:/sbin:/bin")
    with AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=120).sync() as env:
        assert message(env) == "in a container"
        started = calls.read_text().split()
    assert started[0] == "run" and "version" not in started
    calls.unlink()
    with pytest.raises(ServerStartError, match="the image localhost/openenv-swift/no-such-image:1 is not present and could not be pulled"):
        AutoEnv.from_env("parrot", docker_image="localhost/openenv-swift/no-such-image:1", wait_timeout=60)
    asked = [command for command in calls.read_text().split() if command in ("run", "version", "pull")]
    assert asked == ["run", "version", "pull"]


def test_the_engine_is_named_by_option_or_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    missing = str(tmp_path / "no-engine")
    monkeypatch.setenv("OPENENV_CONTAINER_ENGINE", missing)
    with pytest.raises(ServerStartError, match=f"the container engine '{missing}' named by OPENENV_CONTAINER_ENGINE is not installed"):
        AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=5)
    with pytest.raises(ServerStartError, match="the container engine 'no-such-engine' named by the container_engine option is not installed"):
        AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=5, container_engine="no-such-engine")
    # the option wins over the variable
    with AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=120, container_engine="podman").sync() as env:
        assert message(env) == "in a container"
    monkeypatch.setenv("OPENENV_CONTAINER_ENGINE", engine)
    with AutoEnv.from_env("parrot", docker_image=IMAGE, wait_timeout=120).sync() as env:
        assert message(env) == "in a container"


def test_the_package_class_from_docker_image_runs_the_container_through_the_engine() -> None:
    from parrot_env import ParrotAction, ParrotEnv

    async def episode() -> tuple:
        client = await AutoEnv.get_env_class("parrot").from_docker_image(IMAGE, env_vars={"PARROT_PROBE": "7"})
        try:
            await client.reset()
            result = await client.step(ParrotAction(message="in a container"))
            container = publishing(int(client.base_url.rsplit(":", 1)[1]))
            probe = "PARROT_PROBE=7" in json.loads(podman("inspect", "--format", "{{json .Config.Env}}", container))
            return isinstance(client, ParrotEnv), result.observation.echoed_message, type(client._ws).__name__, probe, container
        finally:
            await client.close()

    is_package_class, echoed, connection, probe, container = asyncio.run(episode())
    assert (is_package_class, echoed, connection, probe) == (True, "in a container", "EngineConnection", True)
    assert not exists(container)  # removed on close, at once


def test_a_hub_name_with_its_image_as_docker_image(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the image given: no Hub look-up is needed
    with AutoEnv.from_env("someone/parrot", docker_image=IMAGE, wait_timeout=120).sync() as env:
        assert message(env) == "in a container"


def local_docker_provider():
    from openenv.core.containers.runtime import LocalDockerProvider

    return LocalDockerProvider


def test_the_references_local_docker_provider_as_container_provider() -> None:
    provider = local_docker_provider()()
    with AutoEnv.from_env("parrot", container_provider=provider, docker_image=IMAGE, wait_timeout=120).sync() as env:
        assert message(env) == "in a container"
        container = provider._container_id
        assert exists(container)
    assert not exists(container)  # removed on close, without the 10 s its `docker stop` alone would take


def test_make_vec_over_provider_containers_reopens_on_a_new_one_when_one_is_killed() -> None:
    from parrot_env import ParrotAction

    envs = AutoEnv.make_vec("parrot", num_envs=2, provider=local_docker_provider(), num_servers=2, docker_image=IMAGE,
                            wait_timeout=120, reopen=True)
    with envs:
        envs.reset()
        assert [result.observation.echoed_message for result in envs.step([ParrotAction(message="a"), ParrotAction(message="b")])] == ["a", "b"]
        started = {url: publishing(int(url.rsplit(":", 1)[1])) for url in envs.base_urls}
        assert len(started) == 2
        victim = started[envs.base_urls[1]]
        podman("kill", victim)
        with pytest.raises(VectorEnvError) as caught:
            envs.step([ParrotAction(message="c"), ParrotAction(message="d")])
        assert caught.value.reopened == [1]
        fresh = envs.reset()  # the reopened env starts a new episode, as the other one does
        assert fresh[1].observation.echoed_message == fresh[0].observation.echoed_message
        assert [result.observation.echoed_message for result in envs.step([ParrotAction(message="e"), ParrotAction(message="f")])] == ["e", "f"]
        containers = list(started.values()) + [publishing(int(envs.base_urls[1].rsplit(":", 1)[1]))]
    assert eventually_gone(containers, seconds=5) == []


#: Plain reference code, no change at all, run with OPENENV_ENGINE=swift.
REFERENCE_SCRIPT = textwrap.dedent('''
    import asyncio, sys
    from parrot_env import ParrotAction, ParrotEnv
    async def main():
        env = await ParrotEnv.from_docker_image(sys.argv[1])
        try:
            await env.reset()
            print((await env.step(ParrotAction(message="reference code"))).observation.echoed_message)
            print(type(env._ws).__name__)
        finally:
            await env.close()
    asyncio.run(main())
''')


def test_plain_reference_code_under_openenv_engine_swift() -> None:
    reference = subprocess.Popen([sys.executable, "-c", REFERENCE_SCRIPT, IMAGE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=dict(os.environ, OPENENV_ENGINE="swift"))
    output, errors = reference.communicate(timeout=300)
    assert reference.returncode == 0, errors
    assert output.split("\n")[:2] == ["reference code", "EngineConnection"]
    assert owned_by(reference.pid) == []  # its container went with close()


#: A process that starts a container itself and one through LocalDockerProvider, prints their
#: ids, and waits to be killed.
OWNER_SCRIPT = textwrap.dedent('''
    import json, sys, time
    from openenv_swift import AutoEnv
    from openenv.core.containers.runtime import LocalDockerProvider
    own = AutoEnv.from_env("parrot", docker_image=sys.argv[1], wait_timeout=120)
    provider = LocalDockerProvider()
    provided = AutoEnv.from_env("parrot", container_provider=provider, docker_image=sys.argv[1], wait_timeout=120)
    print(json.dumps({"own": own.base_url, "provided": provider._container_id}), flush=True)
    time.sleep(600)
''')


def start_owner(extra_env: Dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, IMAGE], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(extra_env or {})))


def owner_containers(owner: subprocess.Popen) -> List[str]:
    line = owner.stdout.readline()
    assert line, f"the owner process ended (exit {owner.wait()})"
    started = json.loads(line)
    own = owned_by(owner.pid)
    assert len(own) == 1 and publishing(int(started["own"].rsplit(":", 1)[1])) == own[0]
    return own + [started["provided"]]


def test_containers_are_removed_when_their_owner_is_killed_with_sigkill() -> None:
    owner = start_owner()
    try:
        containers = owner_containers(owner)
        assert all(exists(container) for container in containers)
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        assert eventually_gone(containers) == []
    finally:
        if owner.poll() is None:
            owner.kill()


def watchers_of(pid: int) -> List[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children if b"openenv-container-watcher" in Path(f"/proc/{child}/cmdline").read_bytes()]


def test_orphans_whose_watcher_died_too_are_swept_at_the_next_start() -> None:
    owner = start_owner()
    try:
        containers = owner_containers(owner)
        own = containers[0]
        watchers = watchers_of(owner.pid)
        assert len(watchers) == 1
        os.kill(watchers[0], signal.SIGKILL)  # as a kill of the whole process group would
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        time.sleep(1)
        assert exists(own)  # nobody left to remove it...
        nxt = start_owner()  # ...until the next process starts a container
        try:
            owner_containers(nxt)
            assert eventually_gone([own]) == []
        finally:
            nxt.kill()
            nxt.wait()
    finally:
        if owner.poll() is None:
            owner.kill()
        leftovers = [container for container in containers if exists(container)]  # the provider's: not labelled, not swept
        if leftovers:
            podman("rm", "-f", "--time", "0", *leftovers)
