"""The JSON reader and writer under libFuzzer (with AddressSanitizer) for a short run."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, run

FUZZ = REPO / "Tests" / "Fuzz"


def test_json_survives_the_fuzzer(tmp_path: Path) -> None:
    swiftc = shutil.which("swiftc")
    if swiftc is None:
        pytest.fail("swiftc is not on PATH")
    binary = tmp_path / "json_fuzz"
    sources = sorted(str(path) for path in (REPO / "Sources" / "OpenEnvCore" / "JSON").glob("*.swift"))
    run([swiftc, "-O", "-sanitize=fuzzer,address", "-parse-as-library", str(FUZZ / "JSONFuzzTarget.swift"), *sources, "-o", str(binary)])
    corpus = tmp_path / "corpus"
    shutil.copytree(FUZZ / "corpus", corpus)
    result = subprocess.run([str(binary), "-max_total_time=15", "-max_len=4096", str(corpus)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Done " in result.stderr
