"""A C program compiled against include/openenv.h, linked with libopenenv.so, and run."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from typing import Iterator

import pytest

from conftest import REPO, compile_c, run
from servers import Server, many_env_source, serve


def test_c_program_discovers_and_handles_bad_input(cc: str, tmp_path: Path) -> None:
    binary = compile_c(cc, REPO / "Tests" / "CABI" / "discover_test.c", tmp_path / "discover_test")
    result = run([str(binary), sysconfig.get_paths()["purelib"], "parrot-env"])
    assert "\"env_class\":\"ParrotEnv\"" in result.stdout
    assert result.stdout.strip().endswith(", 0 failed")


def test_c_program_starts_a_server_with_from_env(cc: str, tmp_path: Path) -> None:
    binary = compile_c(cc, REPO / "Tests" / "CABI" / "from_env_test.c", tmp_path / "from_env_test")
    result = run([str(binary), sysconfig.get_paths()["purelib"], "parrot"])
    assert result.stdout.startswith("server: http://127.0.0.1:")
    assert result.stderr.strip().endswith(", 0 failed")


@pytest.fixture(scope="module")
def many(template_factory) -> Iterator[Server]:
    """A template environment serving 64 sessions at once."""
    yield from serve("many_env.server.app:app", many_env_source(template_factory))


@pytest.mark.parametrize("queue", [(), ("inline",)], ids=["io-thread", "inline"])
@pytest.mark.parametrize("sanitizer", [(), ("-fsanitize=address", "-fno-omit-frame-pointer", "-g")], ids=["plain", "asan"])
def test_c_program_drives_64_sessions_through_the_completion_api(cc: str, tmp_path: Path, many: Server, sanitizer: tuple, queue: tuple) -> None:
    binary = compile_c(cc, REPO / "Tests" / "CABI" / "completion_test.c", tmp_path / "completion_test", sanitizer)
    # Swift's own crash reporter would hang symbolicating an ASan abort; ASan reports instead.
    environment = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", SWIFT_BACKTRACE="enable=no",
                       LSAN_OPTIONS=f"suppressions={REPO / 'Tests' / 'lsan.supp'}")
    result = run([str(binary), many.url, "64", "5", *queue], env=environment, timeout=300)
    assert result.stdout.strip().endswith(", 0 failed"), result.stderr


@pytest.mark.parametrize("sanitizer", [(), ("-fsanitize=address", "-fno-omit-frame-pointer", "-g")], ids=["plain", "asan"])
def test_c_program_misusing_every_function_gets_statuses(cc: str, tmp_path: Path, many: Server, sanitizer: tuple) -> None:
    from servers import SilentServer

    binary = compile_c(cc, REPO / "Tests" / "CABI" / "misuse_test.c", tmp_path / "misuse_test", sanitizer)
    silent = SilentServer(handshake=True)
    try:
        environment = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1", SWIFT_BACKTRACE="enable=no",
                       LSAN_OPTIONS=f"suppressions={REPO / 'Tests' / 'lsan.supp'}")
        result = run([str(binary), many.url, silent.url], env=environment, timeout=300)
    finally:
        silent.stop()
    assert result.stdout.strip().endswith(", 0 failed"), result.stderr
