"""The PEP 517 build backend of the openenv-swift wheel.

``pip install ./bindings/python`` (or ``pip wheel``), and ``pip install`` of the source
distribution it writes, come here: the backend builds the shipped ``libopenenv.so`` with
``scripts/build_library.sh`` (a release build with the Swift runtime, libyaml and OpenSSL linked
in), and writes a wheel holding the ``openenv_swift`` package and that library. It needs nothing
from PyPI, so it also builds offline.

The version has one home, ``Sources/OpenEnvCore/Version.swift`` (``openenv_version()``); the
name, summary, Python requirement, license, classifiers, URLs and extras come from
``pyproject.toml``, the long description from the repository's README. The wheel is tagged
``py3-none-manylinux_2_X_<machine>``: the library is loaded with ctypes, so it serves any
Python 3, and X is the newest glibc symbol version the built library needs, read from it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = None

BINDING = Path(__file__).resolve().parent.parent
REPOSITORY = BINDING.parent.parent
PACKAGE = "openenv_swift"
#: The distribution's file-name form (pyproject's name, normalized). Not "openenv-...": the
#: reference's discovery takes every distribution named so for an environment.
DISTRIBUTION = "swift_openenv"
#: Put on sys.path's start-up (site's .pth processing): imports openenv_swift, and so installs
#: the engine for every OpenEnv client, only when OPENENV_ENGINE=swift.
STARTUP_HOOK = ("import os; os.environ.get('OPENENV_ENGINE', '').strip().lower() == 'swift' "
                "and __import__('openenv_swift')\n")


class BuildError(RuntimeError):
    """The wheel cannot be built; the message says what to do."""


def version() -> str:
    """The engine's version, as ``Sources/OpenEnvCore/Version.swift`` declares it (read by
    ``scripts/build_library.sh --version``, which ``make install`` asks too)."""
    script = REPOSITORY / "scripts" / "build_library.sh"
    if not script.is_file():
        raise BuildError(f"{script} is missing: build the wheel from a checkout of openenv-swift, where bindings/python sits two levels below Package.swift")
    result = subprocess.run(["bash", str(script), "--version"], capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(result.stderr.strip())
    return result.stdout.strip()


def project() -> Dict[str, Any]:
    """The ``[project]`` table of pyproject.toml."""
    text = (BINDING / "pyproject.toml").read_text()
    if tomllib is not None:
        return tomllib.loads(text)["project"]
    return _parse_project(text)


def _parse_project(text: str) -> Dict[str, Any]:
    """Python 3.10, which has no tomllib: the subset of TOML the ``[project]`` tables of
    pyproject.toml use (strings, arrays of strings, ``{ text = "..." }``, and the
    ``[project.urls]`` and ``[project.optional-dependencies]`` tables of those)."""
    text = re.sub(r'(?m)^\s*#.*$|\s+#[^"\n]*$', "", text)
    tables: Dict[str, Dict[str, Any]] = {}
    for header, body in re.findall(r'(?ms)^\[([\w.-]+)\]\s*\n(.*?)(?=^\[|\Z)', text):
        table: Dict[str, Any] = {}
        for key, value in re.findall(r'(?ms)^"?([\w.-]+)"?\s*=\s*(\[.*?\]|\{.*?\}|"[^"\n]*")', body):
            if value.startswith("["):
                table[key] = re.findall(r'"([^"]*)"', value)
            elif value.startswith("{"):
                table[key] = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', value))
            else:
                table[key] = value[1:-1]
        tables[header] = table
    result = tables["project"]
    for name in ("urls", "optional-dependencies"):
        if f"project.{name}" in tables:
            result[name] = tables[f"project.{name}"]
    return result


def needed_glibc(library: Path) -> Tuple[int, int]:
    """The newest glibc symbol version ``library`` needs, as (2, minor), read from its version
    needs (``readelf``, from binutils, which the Swift toolchain needs anyway)."""
    result = subprocess.run(["readelf", "--version-info", "--wide", str(library)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"cannot read the symbol versions of {library} with readelf (binutils): {result.stderr.strip()}")
    versions = [(int(major), int(minor)) for major, minor in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", result.stdout)]
    return max(versions, default=(2, 17))


def platform_tag(library: Path) -> str:
    """The wheel's platform tag for ``library``: the lowest manylinux its glibc symbol versions
    allow (never below manylinux_2_17, the oldest policy installers still know), on this
    machine's architecture."""
    major, minor = needed_glibc(library)
    return f"manylinux_{major}_{max(minor, 17) if major == 2 else minor}_{platform.machine()}"


def wheel_name(library: Path) -> str:
    """The file name of the wheel this backend builds here around ``library``."""
    return f"{DISTRIBUTION}-{version()}-py3-none-{platform_tag(library)}.whl"


def build_library() -> Path:
    """Builds the shipped libopenenv.so; its path."""
    script = REPOSITORY / "scripts" / "build_library.sh"
    if shutil.which("swift") is None:
        raise BuildError("building openenv-swift from source needs the Swift toolchain (6.0 or later): put 'swift' on PATH, or install a prebuilt openenv_swift wheel")
    result = subprocess.run(["bash", str(script)], stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise BuildError(f"building libopenenv.so failed (exit {result.returncode}); the Swift build's output is above")
    return Path(result.stdout.strip().splitlines()[-1])


def metadata() -> str:
    """The core metadata (2.4) of the wheel's METADATA and the sdist's PKG-INFO."""
    table = project()
    lines = [
        "Metadata-Version: 2.4",
        f"Name: {table['name']}",
        f"Version: {version()}",
        f"Summary: {table['description']}",
        f"Requires-Python: {table['requires-python']}",
        f"License-Expression: {table['license']}",
        *(f"License-File: {name}" for name in table.get("license-files", [])),
        f"Keywords: {','.join(table.get('keywords', []))}",
        *(f"Classifier: {classifier}" for classifier in table.get("classifiers", [])),
        *(f"Project-URL: {label}, {url}" for label, url in table.get("urls", {}).items()),
        "Description-Content-Type: text/markdown",
    ]
    for extra, requirements in table.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {requirement}; extra == "{extra}"' for requirement in requirements]
    return "\n".join(lines) + "\n\n" + (REPOSITORY / "README.md").read_text()


def license_files() -> List[Tuple[str, Path]]:
    """(name, file) for each of pyproject's ``license-files``, found at the repository's root."""
    files = [(name, REPOSITORY / name) for name in project().get("license-files", [])]
    missing = [str(path) for _, path in files if not path.is_file()]
    if missing:
        raise BuildError(f"the license file {', '.join(missing)} is missing")
    return files


def package_files() -> List[Tuple[str, Path]]:
    """(path in the wheel, file) for the Python package: modules and py.typed."""
    source = BINDING / PACKAGE
    return [(f"{PACKAGE}/{path.name}", path) for path in sorted(source.iterdir()) if path.suffix == ".py" or path.name == "py.typed"]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(directory: Path, library: Path) -> str:
    """Writes the wheel into ``directory``; its file name."""
    name = wheel_name(library)
    dist_info = f"{DISTRIBUTION}-{version()}.dist-info"
    entries: List[Tuple[str, bytes, int]] = [(arcname, path.read_bytes(), 0o644) for arcname, path in package_files()]
    entries.append((f"{PACKAGE}/libopenenv.so", library.read_bytes(), 0o755))
    entries.append((f"{PACKAGE}_engine.pth", STARTUP_HOOK.encode(), 0o644))
    entries.append((f"{dist_info}/METADATA", metadata().encode(), 0o644))
    entries += [(f"{dist_info}/licenses/{name}", path.read_bytes(), 0o644) for name, path in license_files()]
    wheel = f"Wheel-Version: 1.0\nGenerator: openenv_swift_build\nRoot-Is-Purelib: false\nTag: py3-none-{platform_tag(library)}\n"
    entries.append((f"{dist_info}/WHEEL", wheel.encode(), 0o644))
    entries.append((f"{dist_info}/top_level.txt", f"{PACKAGE}\n".encode(), 0o644))
    record = [_record_line(arcname, data) for arcname, data, _ in entries] + [f"{dist_info}/RECORD,,"]
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), 0o644))
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(directory / name, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname, data, mode in entries:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same sources give the same wheel
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return name


#: What the source distribution holds, beside PKG-INFO and its top-level pyproject.toml: the
#: Swift package (its test target's folder too, which Package.swift names) and this binding.
SDIST_CONTENTS = ("Package.swift", "Sources", "Tests", "include", "scripts/build_library.sh", "README.md", "CHANGELOG.md",
                  "bindings/python/pyproject.toml", "bindings/python/build_backend", f"bindings/python/{PACKAGE}")


def sdist_files() -> List[Tuple[str, Path]]:
    """(path in the sdist, file) for every file of ``SDIST_CONTENTS`` and the license files."""
    files: List[Tuple[str, Path]] = [(name, path) for name, path in license_files()]
    for entry in SDIST_CONTENTS:
        path = REPOSITORY / entry
        if not path.exists():
            raise BuildError(f"{path} is missing: build the source distribution from a checkout of openenv-swift")
        found = [path] if path.is_file() else sorted(item for item in path.rglob("*") if item.is_file() and "__pycache__" not in item.parts)
        files += [(item.relative_to(REPOSITORY).as_posix(), item) for item in found]
    return files


def sdist_pyproject() -> str:
    """The sdist's top-level pyproject.toml: the binding's, with the backend found at its place
    in the tree, so that pip builds a wheel from the unpacked sdist as from the checkout."""
    text = (BINDING / "pyproject.toml").read_text()
    return text.replace('backend-path = ["build_backend"]', 'backend-path = ["bindings/python/build_backend"]')


def write_sdist(directory: Path) -> str:
    """Writes the source distribution into ``directory``; its file name."""
    root = f"{DISTRIBUTION}-{version()}"
    entries = [("PKG-INFO", metadata().encode(), 0o644), ("pyproject.toml", sdist_pyproject().encode(), 0o644)]
    entries += [(name, path.read_bytes(), 0o755 if path.stat().st_mode & 0o100 else 0o644) for name, path in sdist_files()]
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / f"{root}.tar.gz", "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for name, data, mode in entries:
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mode, info.mtime = len(data), mode, 1577836800  # fixed, as the wheel's
            archive.addfile(info, io.BytesIO(data))
    return f"{root}.tar.gz"


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing from PyPI: the backend uses the standard library and the Swift toolchain."""
    return []


def get_requires_for_build_sdist(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing from PyPI."""
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """Builds libopenenv.so and the wheel; the wheel's file name."""
    try:
        return write_wheel(Path(wheel_directory), build_library())
    except BuildError as error:
        raise SystemExit(f"error: {error}") from None


def build_sdist(sdist_directory: str, config_settings: Optional[dict] = None) -> str:
    """Writes the source distribution (no build needed); its file name."""
    try:
        return write_sdist(Path(sdist_directory))
    except BuildError as error:
        raise SystemExit(f"error: {error}") from None
