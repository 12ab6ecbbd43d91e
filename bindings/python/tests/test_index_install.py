"""The package as its users get it: ``pip install swift-openenv`` by name from a package index
(pypiserver, run here on a free port), in a fresh virtualenv, under every CPython the set-up
found (scripts/setup_pythons.sh), as the manylinux wheel and as the source distribution, which
pip builds with the Swift toolchain; and the checks an index's tools make (twine, auditwheel,
the classifiers).

The index serves the wheel and the sdist built here and redirects every other name to PyPI
(pypiserver's fallback), so that ``swift-openenv[ray]`` resolves Ray and its dependencies there
while swift-openenv itself can only come from the local index: pip's installation report says
where each package came from, and the tests check it. The episode needs the reference and the
example environment, which the fresh virtualenv sees after its own packages, from the set-up's
virtualenv of the same Python (openenv 0.10.0 and parrot_env).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Dict, Iterator

import pytest

from conftest import REPO, VENV, run
from installs import EPISODE, FreshVenv, without_toolchain
from servers import free_port

sys.path.insert(0, str(REPO / "bindings" / "python" / "build_backend"))
import openenv_swift_build as backend  # noqa: E402

TOOLS = REPO / ".venv-tools"
PYTHONS = REPO / ".work" / "pythons"
#: The set-up's virtualenvs, one per CPython found (openenv 0.10.0 and parrot_env in each).
REFERENCES: Dict[str, Path] = {folder.name: folder for folder in sorted(PYTHONS.glob("3.*"), key=lambda path: int(path.name.split(".")[1]))}
#: pip without the machine's own package sources (PIP_FIND_LINKS, PIP_INDEX_URL...): only the index given.
PIP_ENV = {**{key: value for key, value in os.environ.items() if not (key.startswith("PIP_") and key not in ("PIP_CERT", "PIP_DEFAULT_TIMEOUT"))},
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def tool(name: str) -> str:
    path = TOOLS / "bin" / name
    assert path.is_file(), f"{path} is missing: run scripts/setup.sh"
    return str(path)


def purelib(venv: Path) -> Path:
    return Path(run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the wheel and the sdist, built the way the README says."""
    folder = tmp_path_factory.mktemp("packages")
    run([str(VENV / "bin" / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-w", str(folder), str(REPO / "bindings" / "python")])
    run([str(VENV / "bin" / "python"), "-c", "import sys; sys.path.insert(0, sys.argv[1]); import openenv_swift_build as b; b.build_sdist(sys.argv[2])",
         str(REPO / "bindings" / "python" / "build_backend"), str(folder)])
    return folder


@pytest.fixture(scope="module")
def wheel(packages: Path) -> Path:
    (found,) = packages.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def sdist(packages: Path) -> Path:
    (found,) = packages.glob("*.tar.gz")
    return found


@pytest.fixture(scope="module")
def index(packages: Path) -> Iterator[str]:
    """pypiserver serving ``packages`` on 127.0.0.1 and a free port; its simple index's URL."""
    port = free_port()
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([tool("pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".",
                                "--fallback-url", "https://pypi.org/simple/", str(packages)],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/simple/"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "swift-openenv/", timeout=1).close()
            break
        except OSError:
            log.seek(0)
            assert process.poll() is None and time.monotonic() < deadline, f"pypiserver did not serve {url}: {log.read().decode(errors='replace')}"
            time.sleep(0.2)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=10)
    log.close()


def pip_install(venv: FreshVenv, index: str, requirement: str, tmp_path: Path, *options: str) -> Dict[str, str]:
    """``pip install REQUIREMENT`` from ``index`` only; {name: where it came from}."""
    report = tmp_path / "report.json"
    run([str(venv.python), "-m", "pip", "install", "--quiet", "--index-url", index, "--report", str(report), *options, requirement],
        env=PIP_ENV, timeout=1800)
    return {item["metadata"]["name"]: item["download_info"]["url"] for item in json.loads(report.read_text())["install"]}


def episode(venv: FreshVenv, reference: Path) -> Dict[str, str]:
    venv.see_after_own(purelib(reference))
    answer = json.loads(run([str(venv.python), "-c", EPISODE], timeout=180).stdout)
    assert Path(answer["file"]).parent == venv.site_packages / "openenv_swift"
    return answer


def test_the_set_up_found_the_python_versions_the_package_declares(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(archive.read(f"swift_openenv-{backend.version()}.dist-info/METADATA").decode())
    declared = [re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", classifier) for classifier in metadata.get_all("Classifier")]
    assert [match.group(1) for match in declared if match] == list(REFERENCES)
    assert metadata["Requires-Python"] == f">={next(iter(REFERENCES))}"


@pytest.mark.parametrize("version", list(REFERENCES))
def test_pip_installs_the_wheel_by_name_from_the_index_and_runs_an_episode(version: str, index: str, wheel: Path, tmp_path: Path) -> None:
    reference = REFERENCES[version]
    venv = FreshVenv(reference / "bin" / "python", tmp_path / "fresh")
    sources = pip_install(venv, index, "swift-openenv", tmp_path)
    assert sources == {"swift-openenv": index.replace("/simple/", "/packages/") + wheel.name}
    answer = episode(venv, reference)
    assert answer == dict(answer, version=backend.version(), env_class="ParrotEnv", echo="from the wheel")


@pytest.mark.parametrize("version", list(REFERENCES))
def test_the_ray_extra_brings_ray_from_pypi_and_the_package_from_the_index(version: str, index: str, wheel: Path, tmp_path: Path) -> None:
    reference = REFERENCES[version]
    venv = FreshVenv(reference / "bin" / "python", tmp_path / "fresh")
    sources = pip_install(venv, index, "swift-openenv[ray]", tmp_path)
    assert sources.pop("swift-openenv") == index.replace("/simple/", "/packages/") + wheel.name
    assert "ray" in sources and all(not url.startswith(index.split("/simple/")[0]) for url in sources.values())
    answer = episode(venv, reference)
    assert answer["echo"] == "from the wheel"
    ray_file = run([str(venv.python), "-c", "import openenv_swift.ray, ray; print(ray.__file__)"]).stdout.strip()
    assert Path(ray_file).is_relative_to(venv.site_packages)


def test_pip_builds_the_sdist_with_the_swift_toolchain(index: str, sdist: Path, tmp_path: Path) -> None:
    version, reference = next(reversed(REFERENCES.items()))
    venv = FreshVenv(reference / "bin" / "python", tmp_path / "fresh")
    sources = pip_install(venv, index, "swift-openenv", tmp_path, "--no-binary", "swift-openenv")
    assert sources == {"swift-openenv": index.replace("/simple/", "/packages/") + sdist.name}
    answer = episode(venv, reference)
    assert answer == dict(answer, version=backend.version(), env_class="ParrotEnv", echo="from the wheel")


def test_the_sdist_without_swift_says_what_is_missing(index: str, tmp_path: Path) -> None:
    version, reference = next(iter(REFERENCES.items()))
    venv = FreshVenv(reference / "bin" / "python", tmp_path / "fresh")
    command = without_toolchain([str(venv.python), "-m", "pip", "install", "--index-url", index, "--no-binary", "swift-openenv", "swift-openenv"])
    result = subprocess.run(command, capture_output=True, text=True, env=PIP_ENV, timeout=600)
    assert result.returncode != 0
    assert "needs the Swift toolchain (6.0 or later): put 'swift' on PATH" in result.stdout + result.stderr
    assert not (venv.site_packages / "openenv_swift").exists()


def test_twine_check_passes_the_wheel_and_the_sdist(wheel: Path, sdist: Path) -> None:
    result = run([tool("twine"), "check", "--strict", str(wheel), str(sdist)])
    assert result.stdout.count("PASSED") == 2


def test_the_classifiers_are_known_to_pypi(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        metadata = Parser().parsestr(archive.read(f"swift_openenv-{backend.version()}.dist-info/METADATA").decode())
    known = set(run([tool("python"), "-c", "import trove_classifiers; print('\\n'.join(trove_classifiers.classifiers))"]).stdout.splitlines())
    assert set(metadata.get_all("Classifier")) <= known


def test_auditwheel_agrees_with_the_wheels_manylinux_tag(wheel: Path) -> None:
    shown = " ".join(run([tool("auditwheel"), "show", str(wheel)]).stdout.split())
    tag = wheel.name[:-len(".whl")].split("-")[-1]
    assert re.match(r"manylinux_2_\d+_x86_64$", tag)
    assert f'is consistent with the following platform tag: "{tag}"' in shown
    assert f'This constrains the platform tag to "{tag}"' in shown
