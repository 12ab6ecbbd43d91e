"""What users install: the shipped libopenenv.so, the wheel, the C install and the Swift package.

The shipped library must load where no Swift toolchain is installed. Those tests hide the
toolchain's folder from one command (``unshare -m`` with an empty tmpfs mounted over it, which
needs root); where that cannot be done they are skipped, saying why.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import List

import pytest

from conftest import REPO, VENV, ChildVenv, run

sys.path.insert(0, str(REPO / "bindings" / "python" / "build_backend"))
import openenv_swift_build as backend  # noqa: E402

PARROT_SOURCE = REPO / ".work" / "envs" / "parrot_env"
PURELIB = sysconfig.get_paths()["purelib"]
# What the shipped library may need at run time: the C and C++ runtimes and the system OpenSSL.
ALLOWED_NEEDED = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2", "libssl.so.3", "libcrypto.so.3"}


def toolchain_folder() -> Path:
    """The Swift toolchain's root (``/opt/swift`` for ``/opt/swift/usr/bin/swift``)."""
    swift = shutil.which("swift")
    assert swift is not None, "swift is not on PATH"
    return Path(swift).resolve().parents[2]


def without_toolchain(command: List[str]) -> List[str]:
    """``command`` run with an empty folder mounted over the toolchain's, in a private mount
    namespace; skips the test where that cannot be done."""
    folder = toolchain_folder()
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {folder} && test -z \"$(ls -A {folder})\""],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot hide the toolchain at {folder} (unshare -m and mount need root): {probe.stderr.strip()}")
    return ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"', str(folder), *command]


@pytest.fixture(scope="module")
def shipped_library() -> Path:
    return Path(run(["bash", str(REPO / "scripts" / "build_library.sh")]).stdout.strip())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built the way the README says: pip through the repository's build backend."""
    folder = tmp_path_factory.mktemp("wheel")
    run([str(VENV / "bin" / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-w", str(folder), str(REPO / "bindings" / "python")])
    (built,) = folder.glob("*.whl")
    return built


def header_functions() -> set:
    text = re.sub(r"/\*.*?\*/", "", (REPO / "include" / "openenv.h").read_text(), flags=re.S)
    return set(re.findall(r"\b(openenv_\w+)\s*\(", text))


def test_the_exported_symbols_are_the_headers_functions(shipped_library: Path) -> None:
    lines = run(["nm", "-D", "--defined-only", str(shipped_library)]).stdout.splitlines()
    exported = {line.split()[-1] for line in lines if re.match(r"^\S+ [A-Z] ", line)}
    assert exported == header_functions()


def test_the_library_needs_only_the_c_runtime_and_openssl(shipped_library: Path) -> None:
    dynamic = run(["readelf", "-d", str(shipped_library)]).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic))
    assert needed <= ALLOWED_NEEDED, f"needs {sorted(needed - ALLOWED_NEEDED)}"
    assert "Library soname: [libopenenv.so.0]" in dynamic
    assert str(toolchain_folder()) not in dynamic  # no RUNPATH into the toolchain


def test_the_wheel_holds_the_package_and_the_library_with_correct_metadata(wheel: Path, shipped_library: Path) -> None:
    version = backend.version()
    assert wheel.name == f"swift_openenv-{version}-py3-none-{backend.platform_tag()}.whl"
    assert wheel.stat().st_size < 15 * 1024 * 1024
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"swift_openenv-{version}.dist-info/METADATA").decode())
        tags = archive.read(f"swift_openenv-{version}.dist-info/WHEEL").decode()
        record = archive.read(f"swift_openenv-{version}.dist-info/RECORD").decode()
        library = archive.read("openenv_swift/libopenenv.so")
    sources = {f"openenv_swift/{path.name}" for path in (REPO / "bindings" / "python" / "openenv_swift").iterdir() if path.suffix == ".py"}
    assert sources | {"openenv_swift/py.typed", "openenv_swift/libopenenv.so"} <= names
    assert library == shipped_library.read_bytes()
    assert (metadata["Name"], metadata["Version"], metadata["Requires-Python"], metadata["License"]) == ("swift-openenv", version, ">=3.10", "BSD-3-Clause")
    assert metadata.get_all("Provides-Extra") == ["ray"] and metadata.get_all("Requires-Dist") == ['ray>=2.9; extra == "ray"']
    assert metadata.get_payload() == (REPO / "README.md").read_text()
    assert f"Tag: py3-none-{backend.platform_tag()}" in tags and "Root-Is-Purelib: false" in tags
    assert all(f"{name}," in record for name in names)


EPISODE = """
import asyncio, json, openenv_swift
from openenv_swift import AutoEnv
from parrot_env import ParrotAction

async def episode():
    async with AutoEnv.from_env("parrot", wait_timeout=60) as env:
        await env.reset()
        return (await env.step(ParrotAction(message="from the wheel"))).observation.echoed_message

info = AutoEnv.get_env_info("parrot")
print(json.dumps({"file": openenv_swift.__file__, "version": openenv_swift.__version__, "env_class": info["env_class"],
                  "echo": asyncio.run(episode())}))
"""


def test_the_wheel_works_in_a_fresh_venv_with_the_toolchain_hidden(wheel: Path, tmp_path: Path) -> None:
    # A venv of its own with the wheel; openenv-core and parrot_env (for the server and its client
    # class) come from the repository's .venv, put after the venv's own site-packages once the
    # wheel is in (before, pip would see the .venv's openenv-swift and install nothing).
    venv = ChildVenv(tmp_path / "fresh")
    link = next(venv.site_packages.glob("*.pth"))
    path_line = link.read_text()
    link.unlink()
    run([str(VENV / "bin" / "pip"), "--python", str(venv.python), "install", "--quiet", "--disable-pip-version-check", "--no-deps", str(wheel)])
    link.write_text(path_line)
    result = run(without_toolchain([str(venv.python), "-c", EPISODE]), timeout=180)
    answer = json.loads(result.stdout)
    assert Path(answer["file"]).parent == venv.site_packages / "openenv_swift"
    assert answer == dict(answer, version=backend.version(), env_class="ParrotEnv", echo="from the wheel")


def test_the_test_suite_runs_against_the_installed_wheel() -> None:
    import openenv_swift

    package = Path(openenv_swift.__file__).parent
    assert package == Path(PURELIB) / "openenv_swift"
    assert (package / "libopenenv.so").is_file()
    assert "Library soname: [libopenenv.so.0]" in run(["readelf", "-d", str(package / "libopenenv.so")]).stdout


def test_a_c_program_builds_through_pkg_config_and_runs_with_the_toolchain_hidden(tmp_path: Path, cc: str) -> None:
    prefix = tmp_path / "prefix"
    run(["make", "-C", str(REPO), "install", f"PREFIX={prefix}"])
    assert (prefix / "lib" / "libopenenv.so.0").resolve() == prefix / "lib" / f"libopenenv.so.{backend.version()}"
    program = tmp_path / "program"
    program.mkdir()
    for name in ("from_env_test.c", "check.h"):
        shutil.copy(REPO / "Tests" / "CABI" / name, program / name)
    flags = run(["pkg-config", "--cflags", "--libs", "openenv"], env={"PKG_CONFIG_PATH": str(prefix / "lib" / "pkgconfig")}).stdout.split()
    run([cc, "-std=c11", "-D_DEFAULT_SOURCE", "from_env_test.c", *flags, "-o", "from_env_test"], cwd=program)
    result = run(without_toolchain([str(program / "from_env_test"), PURELIB, "parrot"]), timeout=180)
    assert result.stdout.startswith("server: http://127.0.0.1:")
    assert result.stderr.strip().endswith(", 0 failed")


def test_a_swift_package_outside_the_repository_uses_openenv_core_by_path(tmp_path: Path) -> None:
    package = tmp_path / "swift-episode"
    shutil.copytree(REPO / "examples" / "swift-episode", package)
    manifest = package / "Package.swift"
    manifest.write_text(manifest.read_text().replace('path: "../.."', f'path: "{REPO}"'))
    run(["swift", "build", "--package-path", str(package), "--scratch-path", str(tmp_path / "build")], timeout=1200)
    result = run([str(tmp_path / "build" / "debug" / "SwiftEpisode"), "parrot", PURELIB], timeout=180)
    assert "environments: " in result.stdout and "parrot" in result.stdout.splitlines()[0]
    assert '"echoed_message":"Swift"' in result.stdout and "state: {" in result.stdout


def test_building_without_swift_says_what_to_do(tmp_path: Path) -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import openenv_swift_build as b; b.build_wheel(sys.argv[2])")
    result = subprocess.run([sys.executable, "-c", code, str(REPO / "bindings" / "python" / "build_backend"), str(tmp_path)],
                            capture_output=True, text=True, env={"PATH": "/nonexistent"})
    assert result.returncode != 0
    assert "needs the Swift toolchain" in result.stderr and "put 'swift' on PATH" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_backend_outside_a_checkout_says_where_it_must_be(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(backend, "REPOSITORY", tmp_path)
    with pytest.raises(backend.BuildError, match="build the wheel from a checkout of openenv-swift"):
        backend.version()
