"""A C program compiled against include/openenv.h, linked with libopenenv.so, and run."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from conftest import LIBRARY, REPO, run


def test_c_program_discovers_and_handles_bad_input(cc: str, tmp_path: Path) -> None:
    binary = tmp_path / "discover_test"
    run([cc, "-std=c11", "-Wall", "-Werror", "-I", str(REPO / "include"), str(REPO / "Tests" / "CABI" / "discover_test.c"),
         "-L", str(LIBRARY.parent), "-lopenenv", f"-Wl,-rpath,{LIBRARY.parent}", "-lpthread", "-o", str(binary)])
    result = run([str(binary), sysconfig.get_paths()["purelib"], "parrot-env"])
    assert "\"env_class\":\"ParrotEnv\"" in result.stdout
    assert result.stdout.strip().endswith(", 0 failed")


def test_c_program_starts_a_server_with_from_env(cc: str, tmp_path: Path) -> None:
    binary = tmp_path / "from_env_test"
    run([cc, "-std=c11", "-Wall", "-Werror", "-I", str(REPO / "include"), str(REPO / "Tests" / "CABI" / "from_env_test.c"),
         "-L", str(LIBRARY.parent), "-lopenenv", f"-Wl,-rpath,{LIBRARY.parent}", "-o", str(binary)])
    result = run([str(binary), sysconfig.get_paths()["purelib"], "parrot"])
    assert result.stdout.startswith("server: http://127.0.0.1:")
    assert result.stderr.strip().endswith(", 0 failed")
