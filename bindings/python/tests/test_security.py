"""The library in a hostile world: what it sends to whom (tokens), what a hostile server can do
to it (nothing but an error), and URLs that would smuggle bytes into a request. Servers are
real: faulty_env behind a gate that records every request's Authorization, and a raw loopback
server that answers as a hostile one would."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from conftest import REFERENCE_0_10
from openenv_swift import AutoAction, AutoEnv
from openenv_swift.errors import InvalidArgumentError, MessageTooLargeError
from servers import Server, accepted, faulty_env_source, loopback_listener

RECORDER = '''"""faulty_env's app recording each request's kind, path and Authorization header, one JSON
line each, in $HEADER_LOG."""
import json
import os

from faulty_env.server.app import app as inner


async def app(scope, receive, send):
    if scope["type"] in ("http", "websocket"):
        authorization = dict(scope["headers"]).get(b"authorization")
        with open(os.environ["HEADER_LOG"], "a") as log:
            log.write(json.dumps({"type": scope["type"], "path": scope["path"],
                                  "authorization": authorization.decode() if authorization else None}) + "\\n")
    await inner(scope, receive, send)
'''


class Recorder:
    """faulty_env served behind RECORDER; ``requests()`` are the requests seen so far."""

    def __init__(self, template_factory: Any, log: Path) -> None:
        folder = faulty_env_source(template_factory)
        (folder / "header_recorder.py").write_text(RECORDER)
        self.log = log
        self.server = Server("header_recorder:app", folder, env={"HEADER_LOG": str(log)})
        self.url = self.server.url

    def requests(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []

    def since(self, count: int) -> List[Dict[str, Any]]:
        """The requests after the first ``count``, those to the engine's routes only."""
        return [request for request in self.requests()[count:] if request["path"] in ("/schema", "/ws", "/health", "/metadata")]


@pytest.fixture(scope="module")
def recorder(template_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorder]:
    server = Recorder(template_factory, tmp_path_factory.mktemp("recorder") / "headers.jsonl")
    yield server
    server.server.stop()


def _episode(name: str, url: str, **kwargs: Any) -> None:
    """A client of ``name`` at ``url``: reset and a step, and with openenv 0.10.0 a step of a
    ``new_session()`` child too."""

    async def run() -> None:
        async with AutoEnv.from_env(name, base_url=url, skip_install=True, **kwargs) as env:
            await env.reset()
            await env.step({"message": "parent"})
            if REFERENCE_0_10:
                child = await env.new_session()
                await child.step({"message": "child"})

    asyncio.run(run())


def test_the_hugging_face_token_goes_to_no_server_given_by_url(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_s3cret")
    seen = len(recorder.requests())
    _episode("someone/private-env", recorder.url)
    requests = recorder.since(seen)
    assert {request["path"] for request in requests} >= {"/health", "/ws"}
    assert len([request for request in requests if request["path"] == "/ws"]) == (2 if REFERENCE_0_10 else 1)
    assert [request for request in requests if request["authorization"] is not None] == []


def test_a_token_given_explicitly_goes_with_every_request_of_that_client(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_s3cret")
    seen = len(recorder.requests())
    _episode("someone/private-env", recorder.url, bearer_token="given")
    requests = recorder.since(seen)
    assert len([request for request in requests if request["path"] == "/ws"]) == (2 if REFERENCE_0_10 else 1)
    assert {request["authorization"] for request in requests} == {"Bearer given"}


def test_options_belong_to_the_client_that_gave_them(recorder: Recorder) -> None:
    _episode("anything", recorder.url, bearer_token="first client's")
    seen = len(recorder.requests())
    _episode("anything", recorder.url)
    requests = recorder.since(seen)
    assert len([request for request in requests if request["path"] == "/ws"]) == (2 if REFERENCE_0_10 else 1)
    assert [request for request in requests if request["authorization"] is not None] == []


class HostileServer:
    """A loopback HTTP server that answers every request with ``answer`` and hangs up."""

    def __init__(self, answer: bytes) -> None:
        self.listener, self.url = loopback_listener()
        self.answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        for connection in accepted(self.listener):
            with connection:
                received = b""
                while b"\r\n\r\n" not in received:
                    data = connection.recv(4096)
                    if not data:
                        break
                    received += data
                connection.sendall(self.answer)

    def stop(self) -> None:
        self.listener.close()


@pytest.mark.parametrize("sizes", [b"1\r\n{\r\n7fffffffffffffff\r\n}", b"7fffffffffffffff\r\n}", b"ffffffffffffffffffff\r\n{}"])
def test_a_chunk_size_near_2_to_the_63_is_an_error_not_a_crash(sizes: bytes) -> None:
    hostile = HostileServer(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + sizes + b"\r\n0\r\n\r\n")
    try:
        with pytest.raises(Exception) as raised:
            AutoEnv.from_env("anything", base_url=hostile.url, skip_install=True)
        assert "exceeds the limit" in str(raised.value) or "larger than any message" in str(raised.value)
        if b"ffffffffffffffffffff" not in sizes:
            assert isinstance(raised.value, MessageTooLargeError)
    finally:
        hostile.stop()


@pytest.mark.parametrize(("url", "problem"), [
    ("http://127.0.0.1\u0000.hf.space", "control character (U+0000)"),
    ("http://127.0.0.1:1/a\r\nX-Injected: 1", "control character (U+000D)"),
    ("http://127.0.0.1:1/a b", "a space"),
    ("http://127.0.0.1:1?q=\u0085", "control character (U+0085)"),
])
def test_a_url_with_a_space_or_control_character_is_refused(url: str, problem: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(problem)):
        AutoAction.from_env("no-such-env", base_url=url)
    with pytest.raises(InvalidArgumentError, match="NUL character" if "\u0000" in url else re.escape(problem)):
        AutoEnv.from_env("anything", base_url=url, skip_install=True)


def _discover_in_a_child(env: Dict[str, str], search_paths: List[str], use_cache: bool = True) -> Dict[str, Any]:
    """``openenv_discover`` run in a fresh interpreter with ``env``, within 60 s: a discovery
    that blocks fails the test instead of hanging it."""
    import subprocess
    import sys

    code = ("import json, sys\nfrom openenv_swift import _native\n"
            "print(_native.call_text('openenv_discover', json.dumps({'search_paths': json.loads(sys.argv[1]), 'use_cache': "
            f"{use_cache}}})))\n")
    result = subprocess.run([sys.executable, "-c", code, json.dumps(search_paths)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _fake_site(root: Path) -> Path:
    """A search-path folder holding one environment distribution, ``openenv-fifo_env``."""
    site = root / "site"
    dist_info = site / "openenv_fifo_env-0.1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: openenv-fifo_env\nVersion: 0.1.0\nRequires-Dist: openenv-core>=0.2\n")
    (dist_info / "top_level.txt").write_text("fifo_env\n")
    (site / "fifo_env").mkdir()
    (site / "fifo_env" / "__init__.py").write_text("")
    return site


def test_a_fifo_where_discovery_reads_a_file_is_passed_over(tmp_path: Path) -> None:
    import os

    site = _fake_site(tmp_path)
    os.mkfifo(site / "fifo_env" / "openenv.yaml")
    os.mkfifo(site / "fifo_env" / "client.py")
    os.mkfifo(site / "openenv_fifo_env-0.1.0.dist-info" / "RECORD")
    found = _discover_in_a_child(dict(os.environ), [str(site)], use_cache=False)
    assert [environment["env_key"] for environment in found["environments"]] == ["fifo"]
    assert any("openenv.yaml" in warning["path"] and "not a regular file" in warning["message"] for warning in found["warnings"]), found


@pytest.mark.parametrize("kind", ["another user's", "a symbolic link", "group-writable"])
def test_with_home_unset_a_cache_folder_another_user_could_change_is_not_used(tmp_path: Path, kind: str) -> None:
    import os

    site = _fake_site(tmp_path)
    shared = tmp_path / "tmp"
    shared.mkdir()
    folder = shared / f"openenv-swift-{os.geteuid()}"
    planted = tmp_path / "planted"
    planted.mkdir()
    if kind == "another user's":
        os.chown(planted, 65534, 65534)
        planted.rename(folder)
    elif kind == "a symbolic link":
        folder.symlink_to(planted)
    else:
        planted.chmod(0o777)
        planted.rename(folder)
    env = {key: value for key, value in os.environ.items() if key not in ("HOME", "XDG_CACHE_HOME", "OPENENV_SWIFT_CACHE_DIR")}
    env["TMPDIR"] = str(shared)
    found = _discover_in_a_child(env, [str(site)])
    assert [environment["env_key"] for environment in found["environments"]] == ["fifo"]
    assert any("the discovery cache is not used" in warning["message"] for warning in found["warnings"]), found
    assert list(planted.iterdir() if planted.exists() else folder.iterdir()) == []


def test_server_logs_go_to_a_folder_of_the_callers_own(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    shared = tmp_path / "tmp"
    shared.mkdir()
    planted = shared / f"openenv-swift-{os.geteuid()}"
    planted.mkdir()
    os.chown(planted, 65534, 65534)
    code = ("import os, sys\nfrom openenv_swift import AutoEnv\n"
            "with AutoEnv.from_env('parrot').sync() as env:\n"
            "    env.reset()\n"
            "    for root, folders, files in os.walk(sys.argv[1]):\n"
            "        for name in files:\n"
            "            path = os.path.join(root, name)\n"
            "            print(path, oct(os.stat(os.path.dirname(path)).st_mode & 0o777), os.stat(os.path.dirname(path)).st_uid)\n")
    result = subprocess.run([sys.executable, "-c", code, str(shared)], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, TMPDIR=str(shared)))
    assert result.returncode == 0, result.stderr
    logs = [line.split() for line in result.stdout.splitlines() if "openenv-server-" in line]
    assert len(logs) == 1, result.stdout
    path, mode, owner = logs[0]
    assert Path(path).parent != planted and Path(path).parent.parent == shared
    assert mode == "0o700" and int(owner) == os.geteuid()
