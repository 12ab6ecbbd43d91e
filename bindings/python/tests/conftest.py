"""Shared fixtures: the repository, the built library, and real environment packages made by
``openenv init`` and pip-installed into light child virtualenvs.

A child virtualenv has no pip of its own; a ``.pth`` file puts the repository's ``.venv``
site-packages (openenv-core, the binding, the set-up's parrot_env) on its path, and packages
are installed into it with the ``.venv``'s pip (``pip --python``), regular or editable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Set

import pytest

REPO = Path(__file__).resolve().parents[3]
#: The virtualenv running the tests: .venv (openenv-core 0.3.0) or .venv-openenv-0.10 (openenv 0.10.0).
VENV = Path(sys.prefix)
#: Whether the installed reference is openenv 0.10 (dual-mode clients), else openenv-core 0.3.
REFERENCE_0_10 = __import__("importlib.util").util.find_spec("openenv.core.env_client") is not None and "_connect_async" in vars(__import__("openenv.core.env_client", fromlist=["EnvClient"]).EnvClient)
LIBRARY = REPO / ".build" / "release" / "libopenenv.so"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keeps the discovery caches of the whole run, the engine's and the reference's, out of the
    user's: the reference never revalidates its cache (openenv 0.10.0's under XDG_CACHE_HOME,
    openenv-core 0.3.0's in the temporary folder), so one left by earlier use of OpenEnv would
    answer for this run's environments. Its processes and this one get private folders (the
    temporary one short: Ray puts its sockets' paths there)."""
    os.environ["OPENENV_SWIFT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    saved = os.environ.get("TMPDIR"), tempfile.tempdir
    temporary = tempfile.mkdtemp(prefix="oe-")
    os.environ["TMPDIR"] = tempfile.tempdir = temporary
    yield
    tempfile.tempdir = saved[1]
    if saved[0] is None:
        del os.environ["TMPDIR"]
    else:
        os.environ["TMPDIR"] = saved[0]
    shutil.rmtree(temporary, ignore_errors=True)


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs a command, failing the test with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{command} exited {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


class ChildVenv:
    """A throwaway virtualenv that sees the repository's .venv packages."""

    def __init__(self, root: Path) -> None:
        self.root = root
        run([sys.executable, "-m", "venv", "--without-pip", str(root)])
        self.python = root / "bin" / "python"
        purelib = run([str(self.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
        self.site_packages = Path(purelib)
        (self.site_packages / "zz_repo_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    def install(self, package: Path, editable: bool = False) -> None:
        command = [str(VENV / "bin" / "pip"), "--python", str(self.python), "install", "--quiet",
                   "--disable-pip-version-check", "--no-deps", "--no-build-isolation"]
        run(command + (["-e", str(package)] if editable else [str(package)]))

    def python_code(self, code: str, env: dict[str, str] | None = None) -> str:
        """Runs ``code`` in this venv's interpreter; returns its standard output."""
        return run([str(self.python), "-c", code], env=env).stdout


@pytest.fixture(scope="session")
def template_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Makes an environment package with the real ``openenv init`` template."""
    root = tmp_path_factory.mktemp("templates")

    def make(name: str, distribution: str | None = None) -> Path:
        folder = root / name
        if not folder.exists():
            run([str(VENV / "bin" / "openenv"), "init", name], cwd=root)
            if distribution is not None:
                pyproject = folder / "pyproject.toml"
                text = pyproject.read_text().replace(f'name = "openenv-{name}"', f'name = "{distribution}"')
                pyproject.write_text(text)
        return folder

    return make


@pytest.fixture(scope="session")
def child_venv_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], ChildVenv]:
    def make(name: str) -> ChildVenv:
        return ChildVenv(tmp_path_factory.mktemp(name) / "venv")

    return make


@pytest.fixture(scope="session")
def cc() -> str:
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None:
        pytest.fail("no C compiler on PATH; install one with: apt-get install gcc")
    return compiler


def compile_c(cc: str, source: Path, binary: Path, extra_flags: tuple = ()) -> Path:
    """Compiles a C program against include/openenv.h and links it with libopenenv.so."""
    run([cc, "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Werror", *extra_flags, "-I", str(REPO / "include"), str(source),
         "-L", str(LIBRARY.parent), "-lopenenv", f"-Wl,-rpath,{LIBRARY.parent}", "-lpthread", "-o", str(binary)])
    return binary


#: Why the container tests skipped, repeated in the run's summary (empty when they ran).
CONTAINER_SKIPS: Set[str] = set()


def container_skip_reason(images: Iterable[str]) -> Optional[str]:
    """Why the container tests cannot run here (no engine, or its images missing), else None.
    scripts/setup_containers.sh writes its outcome to .work/containers/status."""
    status = REPO / ".work" / "containers" / "status"
    reason: Optional[str] = None
    if not status.exists():
        reason = "no container engine set up here: run scripts/setup_containers.sh (as root; scripts/test.sh does)"
    elif status.read_text().strip() != "ready":
        reason = f"scripts/setup_containers.sh found no container engine: {status.read_text().strip()}"
    elif shutil.which("podman") is None:
        reason = "podman is not on PATH, though scripts/setup_containers.sh installed it"
    else:
        missing = [image for image in images if subprocess.run(["podman", "image", "exists", image]).returncode != 0]
        if missing:
            reason = f"the test images {', '.join(missing)} are missing: run scripts/setup_containers.sh again"
    if reason is not None:
        CONTAINER_SKIPS.add(reason)
    return reason


def pytest_terminal_summary(terminalreporter) -> None:
    """Says, at the end of the run, that the container tests did not run and why."""
    for reason in sorted(CONTAINER_SKIPS):
        terminalreporter.write_line(f"CONTAINER TESTS SKIPPED (they did not run against a real engine): {reason}", yellow=True, bold=True)
