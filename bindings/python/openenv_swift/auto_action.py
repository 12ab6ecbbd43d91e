"""AutoAction: the reference's action-class factory, answered by the Swift engine."""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, Optional

from . import discovery
from ._native import call_json
from .schema_action import action_class
from ._factory import Factory


class AutoAction(Factory):
    """Finds the Action class of an installed OpenEnv environment by name.

    A factory: use its class methods; instances cannot be made.
    """

    @classmethod
    def from_env(cls, name: str, skip_install: bool = False, base_url: Optional[str] = None, trust_remote_code: bool = False) -> type:
        """The Action class (not an instance) of environment ``name``.

        The installed package's own class when there is one (a Hub name's package is installed
        first, with consent). With ``skip_install=True``, or given ``base_url``, a class built
        from the server's action JSON Schema instead: its keyword constructor checks required
        fields, types, enums and bounds before anything is sent. The schema comes from
        ``base_url``, else the running Space (Hub names), else the environment's own server,
        started for the question.

        Raises:
            EnvironmentNotFoundError: no installed environment answers to ``name``.
            ImportError: the package is installed but its action class cannot be imported.
        """
        if skip_install or base_url is not None:
            options = {"search_paths": list(sys.path), "python": sys.executable, "base_url": base_url}
            schema = call_json("openenv_server_schema", name, json.dumps(options))
            return action_class(schema)
        info = discovery.hub_environment(name, trust_remote_code) if "/" in name else discovery.environment(name)
        return discovery.import_class(info, "module", "action_class")

    @classmethod
    def from_hub(cls, env_name: str, skip_install: bool = False, **kwargs: Any) -> type:
        """Alias of :meth:`from_env`."""
        return cls.from_env(env_name, skip_install=skip_install, **kwargs)

    @classmethod
    def get_action_info(cls, name: str) -> Dict[str, Any]:
        """The action class's metadata: env_key, env_name, package, action_class,
        observation_class, module."""
        return discovery.action_info(name)

    @classmethod
    def list_actions(cls) -> None:
        """Prints every installed environment's action class, as the reference does."""
        print(discovery.listing("actions"))
