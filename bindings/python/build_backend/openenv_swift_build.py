"""The PEP 517 build backend of the openenv-swift wheel.

``pip install ./bindings/python`` (or ``pip wheel``) comes here: the backend builds the shipped
``libopenenv.so`` with ``scripts/build_library.sh`` (a release build with the Swift runtime
linked in), and writes a wheel holding the ``openenv_swift`` package and that library. It needs
nothing from PyPI, so it also builds offline.

The version has one home, ``Sources/OpenEnvCore/Version.swift`` (``openenv_version()``); the
name, summary, Python requirement and license come from ``pyproject.toml``, the long
description from the repository's README. The wheel is tagged ``py3-none-<platform>``: the
library is loaded with ctypes, so it serves any Python 3 on this platform, and it is not a
manylinux wheel because it links the system's OpenSSL.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

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


def project() -> Dict[str, object]:
    """The ``[project]`` table of pyproject.toml."""
    text = (BINDING / "pyproject.toml").read_text()
    if tomllib is not None:
        return tomllib.loads(text)["project"]
    table: Dict[str, object] = {}  # Python 3.10: the flat string keys this file uses
    section = text.split("[project]", 1)[1].split("\n[", 1)[0]
    for key, value in re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', section, re.M):
        table[key] = value
    license_text = re.search(r'^license\s*=\s*\{\s*text\s*=\s*"([^"]*)"', section, re.M)
    if license_text:
        table["license"] = {"text": license_text.group(1)}
    if "[project.optional-dependencies]" in text:  # extra = ["requirement", ...], one per line
        extras = text.split("[project.optional-dependencies]", 1)[1].split("\n[", 1)[0]
        table["optional-dependencies"] = {key: re.findall(r'"([^"]*)"', value)
                                          for key, value in re.findall(r'^([\w-]+)\s*=\s*\[([^\]]*)\]', extras, re.M)}
    return table


def platform_tag() -> str:
    """This platform's wheel tag (``linux_x86_64``)."""
    return re.sub(r"[-.]", "_", sysconfig.get_platform())


def wheel_name() -> str:
    """The file name of the wheel this backend builds here."""
    return f"{DISTRIBUTION}-{version()}-py3-none-{platform_tag()}.whl"


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
    """The wheel's METADATA (core metadata 2.1)."""
    table = project()
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {table['name']}",
        f"Version: {version()}",
        f"Summary: {table['description']}",
        f"Requires-Python: {table['requires-python']}",
        f"License: {table['license']['text']}",  # type: ignore[index]
        "Home-page: https://github.com/meta-pytorch/OpenEnv",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Operating System :: POSIX :: Linux",
        "Description-Content-Type: text/markdown",
    ]
    for extra, requirements in table.get("optional-dependencies", {}).items():  # type: ignore[union-attr]
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {requirement}; extra == "{extra}"' for requirement in requirements]
    return "\n".join(lines) + "\n\n" + (REPOSITORY / "README.md").read_text()


def package_files() -> List[Tuple[str, Path]]:
    """(path in the wheel, file) for the Python package: modules and py.typed."""
    source = BINDING / PACKAGE
    return [(f"{PACKAGE}/{path.name}", path) for path in sorted(source.iterdir()) if path.suffix == ".py" or path.name == "py.typed"]


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(directory: Path, library: Path) -> str:
    """Writes the wheel into ``directory``; its file name."""
    name = wheel_name()
    dist_info = f"{DISTRIBUTION}-{version()}.dist-info"
    entries: List[Tuple[str, bytes, int]] = [(arcname, path.read_bytes(), 0o644) for arcname, path in package_files()]
    entries.append((f"{PACKAGE}/libopenenv.so", library.read_bytes(), 0o755))
    entries.append((f"{PACKAGE}_engine.pth", STARTUP_HOOK.encode(), 0o644))
    entries.append((f"{dist_info}/METADATA", metadata().encode(), 0o644))
    wheel = f"Wheel-Version: 1.0\nGenerator: openenv_swift_build\nRoot-Is-Purelib: false\nTag: py3-none-{platform_tag()}\n"
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


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings: Optional[dict] = None) -> List[str]:
    """Nothing from PyPI: the backend uses the standard library and the Swift toolchain."""
    return []


def build_wheel(wheel_directory: str, config_settings: Optional[dict] = None, metadata_directory: Optional[str] = None) -> str:
    """Builds libopenenv.so and the wheel; the wheel's file name."""
    try:
        return write_wheel(Path(wheel_directory), build_library())
    except BuildError as error:
        raise SystemExit(f"error: {error}") from None
