"""Sessions over TLS (https:// and wss://) against uvicorn serving a certificate made here."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from conftest import run
from openenv_swift import EnvConnectionError
from servers import connect
from servers import Server, faulty_env_source


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
