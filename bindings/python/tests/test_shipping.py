"""What users install: the shipped libopenenv.so, the wheel, the C install and the Swift package.

The shipped library must load where no Swift toolchain and no system OpenSSL are installed.
Those tests hide the toolchain's folder and OpenSSL's libraries from one command (installs.py:
``unshare -m`` with an empty tmpfs or /dev/null mounted over them, which needs root); where
that cannot be done they are skipped, saying why. (The installs from a package index, the
sdist and the index tools' checks are in test_index_install.py.)
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

import pytest

from conftest import REPO, VENV, ChildVenv, run
from installs import EPISODE, SYSTEM_OPENSSL, FreshVenv, hiding, toolchain_folder, without_toolchain
from servers import Server

sys.path.insert(0, str(REPO / "bindings" / "python" / "build_backend"))
import openenv_swift_build as backend  # noqa: E402

PURELIB = sysconfig.get_paths()["purelib"]
# What the shipped library may need at run time: the C and C++ runtimes (the manylinux policy's).
ALLOWED_NEEDED = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2"}


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


def test_the_dynamic_symbols_are_the_headers_functions(shipped_library: Path) -> None:
    # Every defined symbol of the dynamic symbol table, local or global: a name the version
    # script hid but the linker kept there (as gold keeps Swift's) shows the engine's insides.
    lines = run(["nm", "-D", "--defined-only", str(shipped_library)]).stdout.splitlines()
    assert {line.split()[-1] for line in lines} == header_functions()


def test_the_library_needs_only_the_c_runtime(shipped_library: Path) -> None:
    dynamic = run(["readelf", "-d", str(shipped_library)]).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic))
    assert needed <= ALLOWED_NEEDED, f"needs {sorted(needed - ALLOWED_NEEDED)}"
    assert "Library soname: [libopenenv.so.0]" in dynamic
    assert str(toolchain_folder()) not in dynamic  # no RUNPATH into the toolchain


def test_the_manylinux_tag_is_the_newest_glibc_version_the_library_needs(shipped_library: Path) -> None:
    needed = run(["objdump", "-T", str(shipped_library)]).stdout
    newest = max(int(minor) for minor in re.findall(r"\(GLIBC_2\.(\d+)", needed))
    assert backend.platform_tag(shipped_library) == f"manylinux_2_{newest}_x86_64"


def test_the_python_3_10_pyproject_reader_reads_what_tomllib_reads() -> None:
    tomllib = pytest.importorskip("tomllib")
    text = (REPO / "bindings" / "python" / "pyproject.toml").read_text()
    assert backend._parse_project(text) == tomllib.loads(text)["project"]


def test_the_wheel_holds_the_package_and_the_library_with_correct_metadata(wheel: Path, shipped_library: Path) -> None:
    version = backend.version()
    assert wheel.name == f"swift_openenv-{version}-py3-none-{backend.platform_tag(shipped_library)}.whl"
    assert wheel.stat().st_size < 15 * 1024 * 1024
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = Parser().parsestr(archive.read(f"swift_openenv-{version}.dist-info/METADATA").decode())
        tags = archive.read(f"swift_openenv-{version}.dist-info/WHEEL").decode()
        record = archive.read(f"swift_openenv-{version}.dist-info/RECORD").decode()
        library = archive.read("openenv_swift/libopenenv.so")
        license_text = archive.read(f"swift_openenv-{version}.dist-info/licenses/LICENSE")
    sources = {f"openenv_swift/{path.name}" for path in (REPO / "bindings" / "python" / "openenv_swift").iterdir() if path.suffix == ".py"}
    assert sources | {"openenv_swift/py.typed", "openenv_swift/libopenenv.so"} <= names
    assert library == shipped_library.read_bytes()
    assert license_text == (REPO / "LICENSE").read_bytes()
    assert (metadata["Name"], metadata["Version"], metadata["Requires-Python"], metadata["License-Expression"], metadata["License-File"]) \
        == ("swift-openenv", version, ">=3.10", "BSD-3-Clause", "LICENSE")
    assert metadata.get_all("Provides-Extra") == ["ray"] and metadata.get_all("Requires-Dist") == ['ray>=2.9; extra == "ray"']
    assert metadata.get_all("Project-URL") == ["OpenEnv, https://github.com/meta-pytorch/OpenEnv"]
    assert "Operating System :: POSIX :: Linux" in metadata.get_all("Classifier")
    assert metadata.get_payload() == (REPO / "README.md").read_text()
    assert f"Tag: py3-none-{backend.platform_tag(shipped_library)}" in tags and "Root-Is-Purelib: false" in tags
    assert all(f"{name}," in record for name in names)


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


def test_the_wheels_library_runs_an_episode_where_the_systems_openssl_cannot_be_found(wheel: Path, tmp_path: Path, cc: str) -> None:
    # The library of the wheel installed in a fresh venv, driven by the C episode program: Python
    # cannot run there (its ssl module needs the system's OpenSSL, and the reference's client
    # and server import it), so the server runs outside, and the client inside, with OpenSSL's
    # libraries and the toolchain hidden.
    venv = FreshVenv(Path(sys.executable), tmp_path / "fresh")
    run([str(venv.python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", str(wheel)])
    library = venv.site_packages / "openenv_swift" / "libopenenv.so"
    linked = tmp_path / "lib"  # the soname's link to it, as make install makes
    linked.mkdir()
    (linked / "libopenenv.so.0").symlink_to(library)
    program = tmp_path / "episode_test"
    run([cc, "-std=c11", "-D_DEFAULT_SOURCE", "-I", str(REPO / "include"), str(REPO / "Tests" / "CABI" / "episode_test.c"),
         str(library), f"-Wl,-rpath,{linked}", "-lpthread", "-o", str(program)])
    probe = subprocess.run(hiding([str(VENV / "bin" / "python"), "-c", "import ctypes; ctypes.CDLL('libssl.so.3')"], files=SYSTEM_OPENSSL),
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "libssl.so.3" in probe.stderr  # the system's OpenSSL is out of reach there
    server = Server("parrot_env.server.app:app")
    try:
        result = run(hiding([str(program), server.url, "no OpenSSL", "3"], folders=[toolchain_folder()], files=SYSTEM_OPENSSL), timeout=180)
    finally:
        server.stop()
    assert result.stdout.count('"echoed_message":"no OpenSSL"') == 3
    assert result.stderr.strip().endswith(", 0 failed")


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
