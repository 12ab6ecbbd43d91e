"""The libFuzzer targets: each target file with the engine sources it is compiled with, and its
corpus folder. Shared by bindings/python/tests/test_fuzz.py (a short run each) and
scripts/fuzz.sh (longer runs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

FUZZ = Path(__file__).resolve().parent
CORE = FUZZ.parent.parent / "Sources" / "OpenEnvCore"

#: The JSON reader and writer, with what they use.
JSON = ["JSON/*.swift", "Support/UTF8Validation.swift"]

TARGETS: Dict[str, List[str]] = {
    "json": JSON,
    "frames": ["Transport/WebSocketFrameDecoder.swift", "Support/UTF8Validation.swift", "Transport/TransportError.swift",
               "Support/Quoting.swift"],
    "http": ["Transport/HTTPResponseHead.swift", "Transport/TransportError.swift", "Support/Quoting.swift", "Naming/EnvironmentName.swift"],
    "response": ["Transport/HTTPResponse.swift", "Transport/HTTPResponseHead.swift", "Transport/ByteReader.swift", "Transport/ByteStream.swift",
                 "Transport/Deadline.swift", "Transport/TransportError.swift", "Support/Quoting.swift", "Naming/EnvironmentName.swift", *JSON],
    "schema": ["Schema/*.swift", *JSON],
    "python": ["Discovery/PythonClassScanner.swift", "Naming/EnvironmentName.swift"],
    "manifest": ["Discovery/EnvironmentManifest.swift", "YAML/*.swift", *JSON],
    "distinfo": ["Discovery/InstalledDistribution.swift", "Discovery/DistributionMetadata.swift", "Discovery/DiscoveryWarning.swift",
                 "Support/FileSystem.swift", "Naming/EnvironmentName.swift", *JSON],
}

FILES = {"json": "JSONFuzzTarget.swift", "frames": "FrameDecoderFuzzTarget.swift", "http": "HTTPHeadFuzzTarget.swift", "response": "HTTPResponseFuzzTarget.swift",
         "schema": "ActionSchemaFuzzTarget.swift", "python": "PythonClassScannerFuzzTarget.swift", "distinfo": "DistInfoFuzzTarget.swift",
         "manifest": "ManifestFuzzTarget.swift"}

# Compiler flags beyond the sources: the manifest reader imports libyaml's module (its module
# map links libyaml's static archive).
FLAGS: Dict[str, List[str]] = {"manifest": ["-I", str(CORE.parent / "CYAML")]}


def build(name: str, folder: Path) -> Path:
    """Compiles target ``name`` with libFuzzer and AddressSanitizer into ``folder``."""
    sources = sorted({str(path) for pattern in TARGETS[name] for path in CORE.glob(pattern)})
    binary = folder / f"{name}_fuzz"
    subprocess.run(["swiftc", "-O", "-sanitize=fuzzer,address", "-parse-as-library", str(FUZZ / FILES[name]), *sources, *FLAGS.get(name, []), "-o", str(binary)],
                   check=True, capture_output=True, text=True)
    return binary


def run(name: str, binary: Path, folder: Path, seconds: int) -> subprocess.CompletedProcess:
    """Runs the target for ``seconds`` on a copy of its corpus (libFuzzer adds what it finds to
    the copy, never to the repository), without Swift's own crash reporter."""
    corpus = folder / f"corpus_{name}"
    shutil.copytree(FUZZ / f"corpus_{name}", corpus, dirs_exist_ok=True)
    import os

    return subprocess.run([str(binary), f"-max_total_time={seconds}", "-max_len=4096", "-timeout=10", str(corpus)],
                          capture_output=True, text=True, cwd=folder, env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
