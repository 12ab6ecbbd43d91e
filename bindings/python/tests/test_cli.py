"""The openenv-swift command line against the set-up's real parrot_env package."""

from __future__ import annotations

import json
import subprocess
import sysconfig

from conftest import REPO

CLI = str(REPO / ".build" / "release" / "openenv-swift")
SITE = sysconfig.get_paths()["purelib"]


def cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *arguments, "--path", SITE], capture_output=True, text=True)


def test_list_prints_the_environments() -> None:
    result = cli("list")
    assert result.returncode == 0, result.stderr
    assert "  parrot         : Parrot Env environment for OpenEnv (v0.1.0)" in result.stdout
    assert result.stdout.strip().endswith("environments")


def test_list_json_has_every_field() -> None:
    document = json.loads(cli("list", "--json").stdout)
    parrot = next(env for env in document["environments"] if env["env_key"] == "parrot")
    assert parrot["env_class"] == "ParrotEnv"
    assert parrot["package_path"].endswith("site-packages/parrot_env")
    assert document["warnings"] == []


def test_info_describes_one_environment() -> None:
    result = cli("info", "Parrot-Env")
    assert result.returncode == 0, result.stderr
    assert "Client:         parrot_env.client.ParrotEnv" in result.stdout
    assert json.loads(cli("info", "parrot", "--json").stdout)["action_class"] == "ParrotAction"


def test_info_of_an_unknown_name_fails_with_suggestions() -> None:
    result = cli("info", "parot")
    assert result.returncode == 1
    assert "Did you mean: parrot?" in result.stderr


def test_actions_lists_action_classes() -> None:
    assert "  parrot         : ParrotAction" in cli("actions").stdout
    actions = json.loads(cli("actions", "--json").stdout)
    assert {"env_key": "parrot", "action_class": "ParrotAction"}.items() <= next(a for a in actions if a["env_key"] == "parrot").items()


def test_a_broken_package_is_a_warning_on_stderr(tmp_path) -> None:
    dist_info = tmp_path / "openenv_ghost-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Name: openenv-ghost\nVersion: 0.1\n")
    result = subprocess.run([CLI, "list", "--path", str(tmp_path), "--no-cache"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "warning: " in result.stderr and "openenv-ghost" in result.stderr
    assert "No OpenEnv environments found." in result.stdout


def test_ping_reports_health_metadata_and_schema() -> None:
    from servers import Server

    server = Server("parrot_env.server.app:app")
    try:
        result = subprocess.run([CLI, "ping", server.url], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert 'health:   {"status":"healthy"}' in result.stdout
        assert "action:   metadata, message" in result.stdout
        document = json.loads(subprocess.run([CLI, "ping", server.url, "--json"], capture_output=True, text=True).stdout)
        assert document["metadata"]["name"] == "ParrotEnvironment"
    finally:
        server.stop()
    result = subprocess.run([CLI, "ping", server.url], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Is the environment server running there?" in result.stderr


def test_run_refuses_bad_options() -> None:
    result = subprocess.run([CLI, "run", "--base-url", "http://127.0.0.1:9", "--action", "[1]"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "--action must be a JSON object" in result.stderr


def test_run_by_name_starts_and_stops_the_server() -> None:
    result = cli("run", "parrot-env", "--steps", "2", "--action", '{"message": "by name"}', "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["observation"]["echoed_message"] for line in lines[1:3]] == ["by name", "by name"]
    assert lines[-1]["state"]["step_count"] == 2


def test_run_needs_a_name_or_a_base_url() -> None:
    result = subprocess.run([CLI, "run"], capture_output=True, text=True)
    assert result.returncode != 0
    assert "give an environment NAME or --base-url" in result.stderr


def test_info_describes_a_hub_space() -> None:
    document = json.loads(cli("info", "https://huggingface.co/spaces/Someone/Parrot_Env", "--json").stdout)
    assert document == {
        "repo_id": "Someone/Parrot_Env",
        "space_url": "https://someone-parrot-env.hf.space",
        "docker_image": "registry.hf.space/someone-parrot-env:latest",
        "install_url": "git+https://huggingface.co/spaces/Someone/Parrot_Env",
        "installed_env_key": "parrot",
    }
    bad = cli("info", "a/b/c")
    assert bad.returncode == 1
    assert "expected exactly 'owner/space'" in bad.stderr


def test_version_is_the_one_the_package_declares() -> None:
    result = subprocess.run([CLI, "--version"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    declared = subprocess.run(["bash", str(REPO / "scripts" / "build_library.sh"), "--version"], capture_output=True, text=True).stdout
    assert result.stdout.strip() == declared.strip() != ""
