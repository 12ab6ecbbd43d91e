"""Action classes built from a server's action JSON Schema, for environments whose package
is not installed. The engine validates every action before it is sent."""

from __future__ import annotations

import json
from typing import Any, Dict

from ._native import call_json


class SchemaAction(dict):
    """Base of the classes :func:`action_class` builds: a dict of the action's fields,
    readable as attributes, checked against the schema when made."""

    _schema_text = "{}"

    def __init__(self, **fields: Any) -> None:
        super().__init__(call_json("openenv_validate_action", self._schema_text, json.dumps(fields)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}") from None

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.items())
        return f"{type(self).__name__}({inner})"


def action_class(schema: Dict[str, Any]) -> type:
    """A class named after the schema's title whose keyword constructor takes the schema's
    fields, enforces required ones, checks types, enums and bounds, and fills in defaults.

    Raises:
        InvalidArgumentError: the schema is not an object schema.
    """
    import inspect  # here, not at the top, to keep the package's import light

    schema_text = json.dumps(schema)
    summary = call_json("openenv_action_fields", schema_text)
    lines = [summary.get("description") or f"The {summary['title']} of an OpenEnv environment.", "", "Fields:"]
    parameters = []
    for field in summary["fields"]:
        flag = "required" if field["required"] else f"default {field['default']!r}" if "default" in field else "optional"
        lines.append(f"    {field['name']} ({flag}): {field.get('description') or ''}".rstrip())
        if field["name"].isidentifier():
            default = inspect.Parameter.empty if field["required"] else field.get("default")
            parameters.append(inspect.Parameter(field["name"], inspect.Parameter.KEYWORD_ONLY, default=default))
    namespace = {
        "__doc__": "\n".join(lines),
        "__module__": __name__,
        "__signature__": inspect.Signature(parameters),
        "_schema_text": schema_text,
    }
    return type(summary["title"], (SchemaAction,), namespace)
