"""Every libFuzzer target (JSON, WebSocket frames, HTTP heads, whole HTTP responses, action schemas, Python sources,
dist-info files; Tests/Fuzz/targets.py) under AddressSanitizer for a short, fixed run.
scripts/fuzz.sh runs them for longer."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "Tests" / "Fuzz"))
import targets  # noqa: E402


@pytest.mark.parametrize("name", sorted(targets.TARGETS))
def test_target_survives_the_fuzzer(name: str, tmp_path: Path) -> None:
    if shutil.which("swiftc") is None:
        pytest.fail("swiftc is not on PATH")
    binary = targets.build(name, tmp_path)
    result = targets.run(name, binary, tmp_path, seconds=8)
    assert result.returncode == 0, result.stderr[-4000:]
    done = re.search(r"Done (\d+) runs", result.stderr)
    assert done and int(done.group(1)) > 1000, result.stderr[-2000:]
