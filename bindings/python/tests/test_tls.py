"""Sessions over TLS (https:// and wss://) against uvicorn serving a certificate made here."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from conftest import run
from openenv_swift import EnvConnectionError
from servers import AsyncEngineSession, Server, connect, faulty_env_source


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, and its key."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the openssl command is missing; install it with: apt-get install openssl")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
    return cert, key


@pytest.fixture(scope="module")
def tls_server(template_factory, certificate) -> Iterator[Server]:
    cert, key = certificate
    server = Server("faulty_env.server.app:app", faulty_env_source(template_factory),
                    extra_arguments=["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)], scheme="https")
    try:
        yield server
    finally:
        server.stop()


def test_an_episode_over_verified_tls(tls_server: Server, certificate) -> None:
    cert, _ = certificate
    url = tls_server.url.replace("127.0.0.1", "localhost")
    with connect(url, ca_file=str(cert)) as env:
        env.reset()
        assert env.step({"message": "secret"}).observation["echoed_message"] == "secret"
        assert env.state()["step_count"] == 1
        assert "message" in env.schema()["action"]["properties"]


def test_awaited_requests_over_tls_through_the_io_loop(tls_server: Server, certificate) -> None:
    import asyncio

    cert, _ = certificate
    url = tls_server.url.replace("127.0.0.1", "localhost")

    async def episode() -> list:
        clients = [AsyncEngineSession(url, ca_file=str(cert)) for _ in range(3)]
        await asyncio.gather(*(client.connect() for client in clients))
        big = "x" * 200_000  # several TLS records each way, partial non-blocking reads and writes
        results = await asyncio.gather(*(client.step({"message": f"{index}-{big}"}) for index, client in enumerate(clients)))
        states = await asyncio.gather(*(client.state() for client in clients))
        await asyncio.gather(*(client.close() for client in clients))
        return [(result.observation["message_length"], state["step_count"]) for result, state in zip(results, states)]

    assert asyncio.run(episode()) == [(200_002, 1)] * 3


def test_an_untrusted_certificate_is_refused(tls_server: Server) -> None:
    with pytest.raises(EnvConnectionError, match="certificate is not trusted"):
        connect(tls_server.url)


def test_a_name_that_does_not_match_the_certificate_is_refused(tls_server: Server, tmp_path: Path, certificate) -> None:
    cert, _ = certificate
    url = tls_server.url.replace("127.0.0.1", "127.0.0.2")  # loopback, but not a name in the certificate
    with pytest.raises(EnvConnectionError):
        connect(url, ca_file=str(cert), connect_timeout_s=5)


def test_a_missing_ca_file_is_reported(tls_server: Server, tmp_path: Path) -> None:
    with pytest.raises(EnvConnectionError, match="cannot load trusted certificates"):
        connect(tls_server.url, ca_file=str(tmp_path / "missing.pem"))
