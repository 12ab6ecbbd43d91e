"""Discovery of real packages made by `openenv init`, installed regular and editable, and
compared with the reference implementation (openenv-core's openenv.auto) side by side."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import LIBRARY, REPO, ChildVenv

COMPARE = """
import json, sys
from openenv.auto._discovery import get_discovery
from openenv.auto import AutoEnv as Reference
from openenv_swift import AutoEnv
names = sys.argv[1:] if len(sys.argv) > 1 else {names!r}
out = {{}}
for name in names:
    mine = AutoEnv.get_env_info(name)
    try:
        theirs = Reference.get_env_info(name)
    except Exception as error:
        theirs = repr(error)
    try:
        AutoEnv.get_env_class(name)
        importable = True
    except ImportError:
        importable = False
    out[name] = {{"mine": mine, "theirs": theirs, "importable": importable}}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def packaging_venv(template_factory, child_venv_factory) -> ChildVenv:
    """A venv with a regular install, an editable install, and a package whose import name
    differs from its distribution name (as openenv-web_search installs websearch_env)."""
    venv = child_venv_factory("packaging")
    venv.install(template_factory("tiles_env"), editable=True)
    venv.install(template_factory("websearch_env", distribution="openenv-web_search"))
    return venv


def compare(venv: ChildVenv, names: list[str], tmp_path: Path) -> dict:
    env = dict(os.environ, TMPDIR=str(tmp_path))  # the reference caches in the temp dir
    return json.loads(venv.python_code(COMPARE.format(names=names), env=env))


def test_matches_the_reference_where_the_reference_is_right(packaging_venv: ChildVenv, tmp_path: Path) -> None:
    results = compare(packaging_venv, ["parrot", "tiles"], tmp_path)
    for name, result in results.items():
        mine, theirs = result["mine"], result["theirs"]
        assert isinstance(theirs, dict), theirs
        assert set(mine) == set(theirs)
        for key in mine:
            if key == "description":
                continue  # compared below: the reference has no source for it without a manifest
            assert mine[key] == theirs[key], (name, key)
        assert result["importable"]
    # The reference invents "<name> environment"; the package's own summary is used instead.
    assert results["parrot"]["theirs"]["description"] == "parrot_env environment"
    assert results["parrot"]["mine"]["description"] == "Parrot Env environment for OpenEnv"
    # The editable install's manifest is read by both.
    assert results["tiles"]["mine"]["spec_version"] == 1


def test_finds_the_real_import_package_where_the_reference_guesses(packaging_venv: ChildVenv, tmp_path: Path) -> None:
    result = compare(packaging_venv, ["web_search"], tmp_path)["web_search"]
    assert result["mine"]["module"] == "websearch_env.client"
    assert result["mine"]["env_class"] == "WebsearchEnv"
    assert result["importable"]
    # The reference derives module web_search.client from the distribution name: not importable.
    assert result["theirs"]["module"] == "web_search.client"


def test_an_environment_installed_after_a_cached_discovery_is_seen(template_factory, child_venv_factory, tmp_path: Path) -> None:
    venv = child_venv_factory("late")
    script = "from openenv_swift import AutoEnv; AutoEnv.list_environments()"
    assert "late " not in venv.python_code(script)
    venv.install(template_factory("late_env"))
    assert "  late           : " in venv.python_code(script)


def test_import_is_light_and_loads_the_library_lazily() -> None:
    from conftest import VENV, run

    code = (
        "import sys, openenv_swift, openenv_swift._native as n\n"
        "heavy = [m for m in ('openenv', 'pydantic', 'fastapi', 'requests', 'yaml', 'asyncio', 'inspect', 'pathlib') if m in sys.modules]\n"
        "print(heavy, n._library is None)\n"
    )
    assert run([str(VENV / "bin" / "python"), "-c", code]).stdout.strip() == "[] True"


def test_works_from_a_checkout_with_openenv_swift_lib() -> None:
    from conftest import VENV, run

    env = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"), OPENENV_SWIFT_LIB=str(LIBRARY))
    code = (
        "import openenv_swift, openenv_swift._native as n\n"
        "print(openenv_swift.__file__); print(n.library_path()); print(openenv_swift.AutoEnv.get_env_info('parrot')['env_class'])\n"
    )
    lines = run([str(VENV / "bin" / "python"), "-c", code], env=env).stdout.split()
    assert lines[0].startswith(str(REPO / "bindings" / "python"))
    assert lines[1] == str(LIBRARY)
    assert lines[2] == "ParrotEnv"


def test_a_missing_library_says_how_to_build_it() -> None:
    from conftest import VENV

    import subprocess

    env = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"), OPENENV_SWIFT_LIB="/nonexistent/libopenenv.so")
    code = "from openenv_swift import AutoEnv\nAutoEnv.get_env_info('parrot')"
    result = subprocess.run([str(VENV / "bin" / "python"), "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "LibraryNotFoundError" in result.stderr
    assert "scripts/build_library.sh" in result.stderr
