"""A C program compiled against include/openenv.h, linked with libopenenv.so, and run."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from conftest import REPO, compile_c, run


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
