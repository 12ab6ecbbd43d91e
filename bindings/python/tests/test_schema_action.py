"""Action classes built from a server's JSON Schema, validated by the engine."""

from __future__ import annotations

import inspect
from typing import Iterator

import pytest

from openenv_swift import AutoAction, AutoEnv, GenericAction, InvalidActionError, InvalidArgumentError, action_class
from servers import connect
from servers import Server, faulty_env_source, serve

RICH = {
    "title": "Rich", "type": "object", "description": "A rich action.", "additionalProperties": False, "required": ["code"],
    "properties": {
        "metadata": {"type": "object", "additionalProperties": True, "description": "Additional metadata"},
        "code": {"type": "string", "description": "Code to run", "minLength": 1},
        "timeout": {"type": "number", "default": 1.5, "minimum": 0, "description": "Seconds"},
        "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "retries": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "point": {"$ref": "#/$defs/Point"},
    },
    "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}},
}


@pytest.fixture(scope="module")
def server(template_factory) -> Iterator[Server]:
    yield from serve("faulty_env.server.app:app", faulty_env_source(template_factory))


def test_a_class_from_a_live_server(server: Server) -> None:
    FaultyAction = AutoAction.from_env("anything", base_url=server.url)
    assert FaultyAction.__name__ == "FaultyAction"
    assert "message (required): Message to echo back" in FaultyAction.__doc__
    assert "message" in inspect.signature(FaultyAction).parameters
    action = FaultyAction(message="hi")
    assert action.message == "hi"
    assert repr(action) == "FaultyAction(message='hi')"
    with AutoEnv.from_env("anything", base_url=server.url, skip_install=True).sync() as env:
        assert env.step(action).observation["echoed_message"] == "hi"
    assert connect(server.url).step(action).observation["echoed_message"] == "hi"


def test_required_fields_types_and_unknown_fields_are_checked(server: Server) -> None:
    FaultyAction = AutoAction.from_env("anything", base_url=server.url)
    with pytest.raises(InvalidActionError, match="missing required field 'message'") as caught:
        FaultyAction()
    assert isinstance(caught.value, ValueError)
    with pytest.raises(InvalidActionError, match="field 'message': expected string, got 5"):
        FaultyAction(message=5)
    with pytest.raises(InvalidActionError, match="unknown field 'mesage'") as caught:
        FaultyAction(mesage="typo")
    assert len(caught.value.problems) == 2  # the typo, and the missing field it was meant to be


def test_defaults_enums_bounds_nulls_arrays_and_references() -> None:
    Rich = action_class(RICH)
    action = Rich(code="print(1)")
    assert dict(action) == {"code": "print(1)", "timeout": 1.5, "mode": "fast", "retries": None}
    assert Rich(code="x", retries=3, tags=["a"], point={"x": 1}).retries == 3
    for fields, problem in [
        ({"code": "x", "mode": "medium"}, "\"medium\" is not one of \"fast\", \"slow\""),
        ({"code": "x", "timeout": -1}, "less than the minimum 0"),
        ({"code": ""}, "shorter than 1 characters"),
        ({"code": "x", "tags": ["a", 2]}, "field 'tags[1]': expected string"),
        ({"code": "x", "tags": ["a", "b", "c"]}, "more than 2 items"),
        ({"code": "x", "retries": "3"}, "is not one of: integer, null"),
        ({"code": "x", "point": {"y": 1}}, "field 'point.x': missing"),
    ]:
        with pytest.raises(InvalidActionError) as caught:
            Rich(**fields)
        assert problem in str(caught.value), (fields, str(caught.value))


def test_skip_install_gives_generic_action_without_any_look_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("parrot", "no-such-env", "someone/space", "https://huggingface.co/spaces/someone/space"):
        assert AutoAction.from_env(name, skip_install=True) is GenericAction
        assert AutoAction.from_hub(name, True) is GenericAction
    assert GenericAction(message="x") == {"message": "x"}
    assert repr(GenericAction(message="x", n=1)) == "GenericAction(message='x', n=1)"


def test_bad_schemas_and_offline_hub_names_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidArgumentError, match="must describe an object"):
        action_class({"type": "string"})
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(InvalidArgumentError, match="HF_HUB_OFFLINE"):
        AutoAction.from_env("someone/space")
