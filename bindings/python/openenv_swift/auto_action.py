"""AutoAction: the reference's action-class factory, answered by the Swift engine."""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict, Optional

from . import discovery
from ._native import call_json, launch_options
from .client import reference_class
from .schema_action import action_class
from ._factory import Factory
from .errors import ConsentRequiredError, EnvironmentNotFoundError


class AutoAction(Factory):
    """Finds the Action class of an installed OpenEnv environment by name.

    A factory: use its class methods; instances cannot be made.
    """

    @classmethod
    def from_env(cls, name: str, skip_install: bool = False, base_url: Optional[str] = None, trust_remote_code: bool = False) -> type:
        """The Action class (not an instance) of environment ``name``.

        ``skip_install=True``: the reference's ``GenericAction`` (a dict of any fields), with
        no look-up and no network. Otherwise the installed package's own class; a Hub name's
        package is installed first if consent is given (``trust_remote_code=True``,
        ``OPENENV_TRUST_REMOTE_CODE=1`` or a yes at the prompt). With a ``base_url`` whose
        environment is not installed (or whose Hub package lacks consent), a class built from
        that server's action JSON Schema, whose keyword constructor checks required fields,
        types, enums and bounds before anything is sent.

        Raises:
            EnvironmentNotFoundError: no installed environment answers to ``name`` (and no
                ``base_url`` is given).
            ConsentRequiredError: a Hub name's package needs consent to install (a ValueError,
                as the reference's), and no ``base_url`` is given.
            ImportError: the package is installed but its action class cannot be imported.
        """
        if skip_install:
            return reference_class("GenericAction")
        try:
            return discovery.import_class(discovery.resolve(name, trust_remote_code), "module", "action_class")
        except ConsentRequiredError:
            if base_url is None:
                raise
            warnings.warn(f"the client code of {name} is not installed and may not be without your consent; using an action "
                          "class built from its server's schema (pass trust_remote_code=True for the package's own class)",
                          stacklevel=2)
        except EnvironmentNotFoundError:
            if base_url is None:
                raise
        return action_class(call_json("openenv_server_schema", name, json.dumps(launch_options(base_url=base_url))))

    @classmethod
    def from_hub(cls, env_name: str, skip_install: bool = False, base_url: Optional[str] = None, trust_remote_code: bool = False) -> type:
        """Alias of :meth:`from_env`, with the same arguments in the same order."""
        return cls.from_env(env_name, skip_install, base_url, trust_remote_code)

    @classmethod
    def get_action_info(cls, name: str) -> Dict[str, Any]:
        """The action class's metadata: env_key, env_name, package, action_class,
        observation_class, module."""
        return discovery.action_info(name)

    @classmethod
    def list_actions(cls) -> None:
        """Prints every installed environment's action class, as the reference does."""
        print(discovery.listing("actions"))
