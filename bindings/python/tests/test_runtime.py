"""from_env and from_hub starting real servers from real packages (made by `openenv init`,
pip-installed), and every way that can fail."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REFERENCE_0_10, ChildVenv
from openenv_swift import (
    AutoAction,
    AutoEnv,
    EnvConnectionError,
    InvalidArgumentError,
    ServerStartError,
)
from servers import Server, connect, faulty_env_source, private_space, serve


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url + "/health", timeout=1).close()
        return True
    except OSError:
        return False


def edited(template_factory, name: str, file: str, edit) -> Path:
    package = template_factory(name)
    path = package / file
    path.write_text(edit(path.read_text()))
    return package


@pytest.fixture(scope="module")
def runtime_venv(template_factory, child_venv_factory) -> ChildVenv:
    """A venv with envvar_env (reset echoes $OPENENV_TEST_VALUE), crashing_env (its app raises
    on import), stuck_env (its app never finishes importing), faulty_env (serves 4 sessions
    at once) and picky_env (allows 4 sessions, but its second environment fails to start)."""
    venv = child_venv_factory("runtime")
    venv.install(faulty_env_source(template_factory) / "faulty_env")
    edited(template_factory, "picky_env", "server/app.py", lambda text: text.replace("max_concurrent_envs=1", "max_concurrent_envs=4"))
    edited(template_factory, "picky_env", "server/picky_env_environment.py",
           lambda text: text.replace("    def __init__(self):\n",
                                     "    made = 0\n\n    def __init__(self):\n"
                                     "        type(self).made += 1\n"
                                     "        if type(self).made > 1:\n"
                                     "            raise RuntimeError('only one picky environment per server')\n", 1))
    venv.install(template_factory("picky_env"))
    venv.install(edited(template_factory, "envvar_env", "server/envvar_env_environment.py",
                        lambda text: re.sub(r'echoed_message="[^"]*ready!"',
                                            'echoed_message=__import__("os").environ.get("OPENENV_TEST_VALUE", "unset")', text, count=1)))
    venv.install(edited(template_factory, "crashing_env", "server/app.py",
                        lambda text: 'raise RuntimeError("crashed while starting")\n' + text), editable=True)
    venv.install(edited(template_factory, "stuck_env", "server/app.py",
                        lambda text: "import time\ntime.sleep(3600)\n" + text), editable=True)
    return venv


def in_venv(venv: ChildVenv, code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv.python), "-c", code], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("spelling", ["parrot", "Parrot-Env"])
def test_from_env_starts_serves_and_stops_the_server(spelling: str) -> None:
    from parrot_env import ParrotAction, ParrotEnv

    with AutoEnv.from_env(spelling).sync() as env:
        assert isinstance(env.async_client, ParrotEnv)
        url = env.base_url
        assert url.startswith("http://127.0.0.1:")
        assert answers(url)
        assert env.step(ParrotAction(message="started for me")).observation.echoed_message == "started for me"
    assert not answers(url)


def test_env_vars_reach_the_server(runtime_venv: ChildVenv) -> None:
    code = ("from openenv_swift import AutoEnv\n"
            "with AutoEnv.from_env('envvar', env_vars={'OPENENV_TEST_VALUE': 'from the caller'}).sync() as env:\n"
            "    print(env.reset().observation.echoed_message)\n")
    result = in_venv(runtime_venv, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from the caller"


def test_a_server_that_crashes_at_start_says_why(runtime_venv: ChildVenv) -> None:
    code = ("import time\nfrom openenv_swift import AutoEnv, ServerStartError\nstarted = time.monotonic()\n"
            "try:\n    AutoEnv.from_env('crashing', wait_timeout=60)\nexcept ServerStartError as error:\n"
            "    print(round(time.monotonic() - started), '|', str(error).replace(chr(10), ' '))\n")
    result = in_venv(runtime_venv, code)
    assert result.returncode == 0, result.stderr
    seconds, message = result.stdout.split("|", 1)
    assert int(seconds) < 30  # noticed when the process died, not at the time-out
    assert "exited with status" in message
    assert "RuntimeError: crashed while starting" in message


def test_a_server_that_never_becomes_healthy_times_out(runtime_venv: ChildVenv) -> None:
    code = ("import time\nfrom openenv_swift import AutoEnv, EnvTimeoutError\nstarted = time.monotonic()\n"
            "try:\n    AutoEnv.from_env('stuck', wait_timeout=3)\nexcept EnvTimeoutError as error:\n"
            "    print(round(time.monotonic() - started, 1), '|', str(error).replace(chr(10), ' '))\n")
    result = in_venv(runtime_venv, code)
    assert result.returncode == 0, result.stderr
    seconds, message = result.stdout.split("|", 1)
    assert 2.5 < float(seconds) < 15
    assert "did not become healthy within 3 s" in message
    assert "raise wait_timeout" in message


def test_servers_are_shared_up_to_their_capacity_and_stop_with_their_last_session(runtime_venv: ChildVenv) -> None:
    code = """
import json, urllib.request
from openenv_swift import AutoEnv
from faulty_env import FaultyAction
from parrot_env import ParrotAction

def answers(url):
    try:
        urllib.request.urlopen(url + "/health", timeout=1).close()
        return True
    except OSError:
        return False

first = AutoEnv.from_env("faulty").sync()
first.reset()
first.step(FaultyAction(message="one"))
others = [AutoEnv.from_env("faulty_env").sync() for _ in range(3)]
fifth = AutoEnv.from_env("faulty").sync()
shared = first.base_url
report = {
    "same_server": [other.base_url == shared for other in others],
    "fifth_elsewhere": fifth.base_url != shared,
    "first_step_count": first.state().step_count,
    "joined_step_count": others[0].state().step_count,
    "joined_echo": others[0].step(FaultyAction(message="two")).observation.echoed_message,
}
first.close()
report["up_while_others_hold_it"] = answers(shared)
for other in others:
    other.close()
report["down_after_the_last"] = not answers(shared)
report["fifth_still_up"] = answers(fifth.base_url)
fifth.close()
parrots = [AutoEnv.from_env("parrot").sync() for _ in range(2)]
report["single_session_servers_apart"] = parrots[0].base_url != parrots[1].base_url
report["parrot_echo"] = parrots[1].step(ParrotAction(message="own server")).observation.echoed_message
for parrot in parrots:
    parrot.close()
print(json.dumps(report))
"""
    result = in_venv(runtime_venv, code, timeout=240)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "same_server": [True, True, True],
        "fifth_elsewhere": True,
        "first_step_count": 1,
        "joined_step_count": 0,
        "joined_echo": "two",
        "up_while_others_hold_it": True,
        "down_after_the_last": True,
        "fifth_still_up": True,
        "single_session_servers_apart": True,
        "parrot_echo": "own server",
    }


def test_a_running_server_that_fails_a_new_session_is_passed_over(runtime_venv: ChildVenv) -> None:
    code = ("from openenv_swift import AutoEnv\nfrom picky_env import PickyAction\n"
            "first = AutoEnv.from_env('picky').sync()\nsecond = AutoEnv.from_env('picky').sync()\n"
            "print(first.base_url != second.base_url, second.step(PickyAction(message='own')).observation.echoed_message)\n"
            "first.close()\nsecond.close()\n")
    result = in_venv(runtime_venv, code, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "own"]


def test_killing_the_python_parent_leaves_no_server(runtime_venv: ChildVenv) -> None:
    code = ("import time\nfrom openenv_swift import AutoEnv\nenv = AutoEnv.from_env('envvar')\n"
            "print(env.base_url, flush=True)\ntime.sleep(120)\n")
    parent = subprocess.Popen([str(runtime_venv.python), "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        url = parent.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        assert answers(url)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while answers(url) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(url)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_docker_without_an_engine_says_so_and_names_the_alternative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("OPENENV_CONTAINER_ENGINE", raising=False)
    with pytest.raises(ServerStartError, match="no container engine: neither docker nor podman is on PATH") as caught:
        AutoEnv.from_env("parrot", docker_image="parrot-env:latest", wait_timeout=5)
    assert "name it with OPENENV_CONTAINER_ENGINE or the container_engine option" in str(caught.value)
    assert "leave docker_image unset to run the environment as a local process" in str(caught.value)


def test_a_docker_cli_whose_daemon_does_not_answer_is_named_with_its_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = [folder for folder in os.environ["PATH"].split(":") if (Path(folder) / "docker").is_file()
            and "podman" not in subprocess.run([f"{folder}/docker", "--version"], capture_output=True, text=True).stdout.lower()]
    if not real:
        pytest.skip("no Docker CLI here (other than podman-docker's) to point at a daemon that does not answer")
    (tmp_path / "docker").symlink_to(Path(real[0]) / "docker")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/nobody.sock")
    monkeypatch.delenv("OPENENV_CONTAINER_ENGINE", raising=False)
    with pytest.raises(ServerStartError, match=f"no container engine answers: tried {tmp_path}/docker \\(.*nobody.sock") as caught:
        AutoEnv.from_env("parrot", docker_image="parrot-env:latest", wait_timeout=5)
    assert "leave docker_image unset to run the environment as a local process" in str(caught.value)


def test_bad_launch_options_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="wait_timeout"):
        AutoEnv.from_env("parrot", wait_timeout=-1)
    with pytest.raises(InvalidArgumentError, match="container_provider must have the methods start_container, wait_for_ready, "
                                                   "stop_container .* object lacks start_container, wait_for_ready, stop_container"):
        AutoEnv.from_env("parrot", container_provider=object())


def test_a_server_started_from_a_thread_that_ends_keeps_serving() -> None:
    opened: list = []
    worker = threading.Thread(target=lambda: opened.append(AutoEnv.from_env("parrot")))
    worker.start()
    worker.join()
    from parrot_env import ParrotAction

    with opened[0].sync() as env:
        time.sleep(1)  # a parent-death signal tied to the worker would have killed it by now
        assert env.step(ParrotAction(message="after the thread")).observation.echoed_message == "after the thread"


class UvicornProvider:
    """A container provider like openenv's, whose "containers" are real uvicorn servers of the
    installed parrot_env; it records every call."""

    def __init__(self, ready: bool = True) -> None:
        self.calls: list = []
        self.server: Server | None = None
        self.ready = ready

    def start_container(self, image: str, port: int | None = None, env_vars: dict | None = None, **kwargs) -> str:
        self.calls.append(("start_container", image, env_vars, kwargs))
        self.server = Server("parrot_env.server.app:app")
        return self.server.url

    def wait_for_ready(self, base_url: str, timeout_s: float = 30.0) -> None:
        self.calls.append(("wait_for_ready", base_url, timeout_s))
        if not self.ready:
            raise TimeoutError(f"{base_url} not ready within {timeout_s} s")

    def stop_container(self) -> None:
        self.calls.append(("stop_container",))
        self.server.stop()


def test_a_container_provider_runs_the_image_and_stops_it_on_close() -> None:
    provider = UvicornProvider()
    from parrot_env import ParrotAction

    with AutoEnv.from_env("parrot", container_provider=provider, env_vars={"K": "V"}, wait_timeout=12).sync() as env:
        url = env.base_url
        assert provider.calls == [("start_container", "parrot-env:latest", {"K": "V"}, {"wait_timeout": 12}),
                                  ("wait_for_ready", url, 12)]
        assert env.step(ParrotAction(message="in a container")).observation.echoed_message == "in a container"
    assert provider.calls[-1] == ("stop_container",)
    assert not answers(url)
    provider = UvicornProvider()
    with AutoEnv.from_env("parrot", container_provider=provider, docker_image="mine:1").sync():
        assert provider.calls[0][1] == "mine:1"
    assert len(provider.calls) == 3


def test_a_container_that_never_gets_ready_is_stopped() -> None:
    provider = UvicornProvider(ready=False)
    with pytest.raises(TimeoutError, match="not ready within 5"):
        AutoEnv.from_env("parrot", container_provider=provider, wait_timeout=5)
    assert [call[0] for call in provider.calls] == ["start_container", "wait_for_ready", "stop_container"]
    assert not answers(provider.server.url)


def test_a_container_provider_is_not_used_when_a_server_is_given(faulty: Server) -> None:
    provider = UvicornProvider()
    with AutoEnv.from_env("someone/faulty-env", base_url=faulty.url, skip_install=True, container_provider=provider).sync() as env:
        assert env.step({"message": "no container"}).observation["echoed_message"] == "no container"
    assert provider.calls == []


@pytest.fixture(scope="module")
def faulty(template_factory):
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


def test_from_hub_with_an_explicit_base_url(faulty: Server) -> None:
    with AutoEnv.from_hub("someone/faulty-env", faulty.url, None, None, 30.0, None, False, True).sync() as env:
        assert env.step({"message": "via the hub name"}).observation["echoed_message"] == "via the hub name"


@pytest.mark.parametrize("name", ["a/b/c", "../x", "owner/", "own er/x"])
def test_invalid_hub_names_are_refused_before_any_network_use(name: str) -> None:
    with pytest.raises(InvalidArgumentError, match="Hugging Face repo id"):
        AutoEnv.from_env(name)


def test_hf_hub_offline_forbids_the_install_and_the_space_look_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InvalidArgumentError, match="HF_HUB_OFFLINE is set, so the client code of meta-pytorch/echo-env cannot be installed"):
        AutoEnv.from_env("meta-pytorch/echo-env", trust_remote_code=True)
    with pytest.raises(InvalidArgumentError, match="HF_HUB_OFFLINE is set, so the Space meta-pytorch/echo-env cannot be looked up"):
        AutoEnv.from_env("meta-pytorch/echo-env", skip_install=True)


@pytest.fixture(scope="module")
def private(template_factory):
    server = private_space(template_factory, "hf_s3cret")
    yield server
    server.stop()


def test_a_token_given_reaches_a_private_space_at_a_base_url(private: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with AutoEnv.from_env("someone/private-env", base_url=private.url, skip_install=True, bearer_token="hf_s3cret").sync() as env:
        assert env.step({"message": "let in"}).observation["echoed_message"] == "let in"
        assert env.state()["step_count"] == 1


@pytest.mark.skipif(not REFERENCE_0_10, reason="new_session() is openenv 0.10.0's; openenv-core 0.3.0 has none")
def test_the_token_given_reaches_every_session_of_that_client(private: Server) -> None:
    async def child_echo() -> str:
        async with AutoEnv.from_env("someone/private-env", base_url=private.url, skip_install=True, bearer_token="hf_s3cret") as env:
            await env.reset()
            child = await env.new_session()
            return (await child.step({"message": "child"})).observation["echoed_message"]

    assert asyncio.run(child_echo()) == "child"


def test_a_private_space_without_the_token_says_what_to_set(private: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env asks the open /health only, as the reference does: the refusal comes when the
    client connects."""
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", "/nonexistent")
    refused = "answered HTTP 40[13]: not authorized. .* any other server .* gets a token only when given: the option bearer_token"
    for token in (None, "hf_s3cret"):  # then the right one, but this server is no https://*.hf.space
        if token is not None:
            monkeypatch.setenv("HF_TOKEN", token)
        env = AutoEnv.from_env("someone/private-env", base_url=private.url, skip_install=True)
        with pytest.raises(ConnectionError, match=refused), env.sync() as connected:
            connected.reset()
    with pytest.raises(EnvConnectionError, match=refused), pytest.warns(UserWarning, match="without your consent"):
        AutoAction.from_env("someone/private-env", base_url=private.url)  # the class needs the schema


def test_hf_token_goes_to_no_other_server(private: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_s3cret")
    with pytest.raises(EnvConnectionError, match="HTTP 403"):
        connect(private.url)
    env = AutoEnv.from_env("no-such-env", base_url=private.url, skip_install=True)
    with pytest.raises(ConnectionError, match="answered HTTP 403"), env.sync() as connected:
        connected.reset()
    assert connect(private.url, bearer_token="hf_s3cret").step({"message": "given"}).observation["echoed_message"] == "given"


def test_a_token_that_would_break_the_header_is_refused(private: Server) -> None:
    with pytest.raises(InvalidArgumentError, match="line break or control character"):
        AutoEnv.from_env("someone/private-env", base_url=private.url, skip_install=True, bearer_token="hf_s3cret\r\nX-Injected: yes")
