"""AutoEnv metadata calls against the real parrot_env package the set-up installed."""

from __future__ import annotations

import pytest

from openenv_swift import (
    AutoAction,
    AutoEnv,
    EnvironmentNotFoundError,
    InvalidArgumentError,
)

REFERENCE_KEYS = {
    "env_key", "name", "package", "version", "description", "env_class", "action_class",
    "observation_class", "module", "default_image", "spec_version",
}


def test_get_env_info_describes_the_template_package() -> None:
    info = AutoEnv.get_env_info("parrot")
    assert set(info) == REFERENCE_KEYS
    assert info["env_key"] == "parrot"
    assert info["name"] == "parrot_env"
    assert info["package"].replace("_", "-") == "openenv-parrot-env"
    assert info["version"] == "0.1.0"
    assert info["env_class"] == "ParrotEnv"
    assert info["action_class"] == "ParrotAction"
    assert info["observation_class"] == "ParrotObservation"
    assert info["module"] == "parrot_env.client"
    assert info["default_image"] == "parrot-env:latest"
    assert info["spec_version"] is None


@pytest.mark.parametrize("spelling", ["parrot", "parrot-env", "parrot_env", "Parrot-Env", "PARROT_ENV"])
def test_every_spelling_finds_the_environment(spelling: str) -> None:
    assert AutoEnv.get_env_info(spelling)["env_key"] == "parrot"


def test_get_env_class_imports_the_real_client() -> None:
    from openenv.core import EnvClient

    client_class = AutoEnv.get_env_class("parrot-env")
    assert client_class.__name__ == "ParrotEnv"
    assert client_class.__module__ == "parrot_env.client"
    assert issubclass(client_class, EnvClient)


def test_auto_action_returns_the_real_action_class() -> None:
    action_class = AutoAction.from_env("parrot")
    assert action_class.__name__ == "ParrotAction"
    assert action_class(message="hi").message == "hi"
    assert AutoAction.from_hub("parrot_env") is action_class


def test_get_action_info_has_the_reference_keys() -> None:
    assert AutoAction.get_action_info("parrot") == {
        "env_key": "parrot",
        "env_name": "parrot_env",
        "package": AutoEnv.get_env_info("parrot")["package"],
        "action_class": "ParrotAction",
        "observation_class": "ParrotObservation",
        "module": "parrot_env.client",
    }


def test_listings_print_every_environment(capsys: pytest.CaptureFixture[str]) -> None:
    AutoEnv.list_environments()
    AutoAction.list_actions()
    out = capsys.readouterr().out
    assert "Available OpenEnv Environments:" in out
    assert "  parrot         : " in out
    assert "Available Action Classes:" in out
    assert "  parrot         : ParrotAction" in out


def test_unknown_names_raise_with_suggestions() -> None:
    with pytest.raises(EnvironmentNotFoundError) as caught:
        AutoEnv.get_env_info("parot")
    assert isinstance(caught.value, ValueError)
    assert "Did you mean: parrot?" in str(caught.value)
    assert "Available environments:" in str(caught.value)
    with pytest.raises(EnvironmentNotFoundError):
        AutoAction.from_env("no-such-env")
    with pytest.raises(EnvironmentNotFoundError):
        AutoAction.get_action_info("no-such-env")
    with pytest.raises(EnvironmentNotFoundError):
        AutoEnv.get_env_class("no-such-env")


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_names_are_invalid(bad: str) -> None:
    with pytest.raises(InvalidArgumentError, match="the name is empty"):
        AutoEnv.get_env_info(bad)


def test_non_string_names_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        AutoEnv.get_env_info(42)  # type: ignore[arg-type]


def test_names_with_nul_or_lone_surrogates_get_clear_errors() -> None:
    with pytest.raises((ValueError, TypeError)):
        AutoEnv.get_env_info("par\x00rot")
    with pytest.raises(InvalidArgumentError, match="UTF-8"):
        AutoEnv.get_env_info("\udc80parrot")


@pytest.mark.parametrize("factory", [AutoEnv, AutoAction])
def test_the_factories_refuse_instantiation(factory: type) -> None:
    with pytest.raises(TypeError, match="factory class"):
        factory()
