"""Installing a Space's client code from the Hub, with consent, against a local stand-in: a
real git repository of an `openenv init` package, served as HF_ENDPOINT=file://..."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import run
from servers import Server, faulty_env_source, serve

SPACE = "someone/hubby-env"


@pytest.fixture(scope="module")
def hub(template_factory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Hub whose Space someone/hubby-env is a git repository holding the package hubby_env."""
    root = tmp_path_factory.mktemp("hub")
    repository = root / "spaces" / "someone" / "hubby-env"
    shutil.copytree(template_factory("hubby_env"), repository, ignore=shutil.ignore_patterns("__pycache__"))
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    run(git + ["init", "-q", str(repository)])
    run(git + ["-C", str(repository), "add", "-A"])
    run(git + ["-C", str(repository), "commit", "-q", "-m", "the Space"])
    return root


@pytest.fixture(scope="module")
def server(template_factory) -> Iterator[Server]:
    """The Space's server, run locally; the tests pass its URL as a user overriding it would."""
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


def environment(hub: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "OPENENV_TRUST_REMOTE_CODE"}
    return dict(env, HF_ENDPOINT=f"file://{hub}", **extra)


EPISODE = """
from openenv_swift import AutoAction, AutoEnv
Action = AutoAction.from_env({space!r}{consent})
with AutoEnv.from_env({space!r}, base_url={url!r}{consent}).sync() as env:
    result = env.step(Action(message="from the hub"))
    print(type(result.observation).__module__, type(result.observation).__name__, result.observation.echoed_message)
"""


def test_consent_granted_installs_and_types_the_results(hub: Path, server: Server, child_venv_factory) -> None:
    venv = child_venv_factory("granted")
    code = EPISODE.format(space=SPACE, url=server.url, consent=", trust_remote_code=True")
    result = subprocess.run([str(venv.python), "-c", code], capture_output=True, text=True, env=environment(hub), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["hubby_env.models", "HubbyObservation", "from", "the", "hub"]
    assert f"Installing {SPACE} from git+file://{hub}/spaces/{SPACE}" in result.stderr  # progress is shown
    assert list(venv.site_packages.glob("openenv_hubby_env-*.dist-info"))  # found from pip's own report


def test_consent_from_the_environment_variable(hub: Path, child_venv_factory) -> None:
    venv = child_venv_factory("variable")
    code = f"from openenv_swift import AutoAction\nAction = AutoAction.from_env({SPACE!r})\nprint(Action.__name__, Action(message='x').message)"
    result = subprocess.run([str(venv.python), "-c", code], capture_output=True, text=True,
                            env=environment(hub, OPENENV_TRUST_REMOTE_CODE="1"), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["HubbyAction", "x"]


def test_no_consent_without_a_terminal_is_refused(hub: Path, server: Server, child_venv_factory) -> None:
    venv = child_venv_factory("absent")
    code = ("from openenv_swift import AutoEnv, ConsentRequiredError\n"
            f"try:\n    AutoEnv.from_env({SPACE!r}, base_url={server.url!r})\n"
            "except ConsentRequiredError as error:\n    print('refused:', error)\n")
    result = subprocess.run([str(venv.python), "-c", code], capture_output=True, text=True, env=environment(hub),
                            stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "needs your consent" in result.stdout and "trust_remote_code=True" in result.stdout
    assert not list(venv.site_packages.glob("openenv_hubby_env-*.dist-info"))


def test_without_consent_actions_come_from_the_spaces_schema(hub: Path, server: Server, child_venv_factory) -> None:
    venv = child_venv_factory("schema")
    code = ("import warnings\nfrom openenv_swift import AutoAction\n"
            "with warnings.catch_warnings(record=True) as caught:\n"
            "    warnings.simplefilter('always')\n"
            f"    Action = AutoAction.from_env({SPACE!r}, base_url={server.url!r})\n"
            "print(Action.__name__, Action(message='typed').message, type(Action).__name__)\n"
            "print(caught[0].message)\n")
    result = subprocess.run([str(venv.python), "-c", code], capture_output=True, text=True, env=environment(hub),
                            stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stderr
    first, warning = result.stdout.splitlines()
    assert first.split() == ["FaultyAction", "typed", "type"]  # the class the Space's server describes
    assert "not installed and may not be without your consent" in warning and "trust_remote_code=True" in warning
    assert not list(venv.site_packages.glob("openenv_hubby_env-*.dist-info"))


def test_consent_refused_at_the_prompt(hub: Path, server: Server, child_venv_factory) -> None:
    venv = child_venv_factory("prompt")
    code = ("from openenv_swift import AutoEnv, ConsentRequiredError\n"
            f"try:\n    AutoEnv.from_env({SPACE!r}, base_url={server.url!r})\n"
            "except ConsentRequiredError as error:\n    print('REFUSED:', error, flush=True)\n")
    controller, terminal = pty.openpty()
    process = subprocess.Popen([str(venv.python), "-c", code], stdin=terminal, stdout=terminal, stderr=terminal,
                               env=environment(hub), close_fds=True)
    os.close(terminal)
    output = b""
    deadline = time.monotonic() + 60
    answered = False
    while time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                output += os.read(controller, 4096)
            except OSError:
                break
        if not answered and b"[y/N]" in output:
            os.write(controller, b"n\n")
            answered = True
    process.wait(timeout=30)
    try:
        while select.select([controller], [], [], 0.2)[0]:
            output += os.read(controller, 4096)
    except OSError:
        pass
    os.close(controller)
    text = output.decode(errors="replace")
    assert answered, text
    assert "SECURITY WARNING" in text and SPACE in text
    assert "REFUSED:" in text and "refused at the prompt" in text
    assert not list(venv.site_packages.glob("openenv_hubby_env-*.dist-info"))
