"""AutoAction: the reference's action-class factory, answered by the Swift engine."""

from __future__ import annotations

from typing import Any, Dict

from . import discovery
from ._factory import Factory


class GenericAction(dict):
    """An action built from keyword arguments, for environments whose package is not
    installed: ``GenericAction(code="print(1)")`` sends ``{"code": "print(1)"}``."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(**fields)

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.items())
        return f"GenericAction({inner})"


class AutoAction(Factory):
    """Finds the Action class of an installed OpenEnv environment by name.

    A factory: use its class methods; instances cannot be made.
    """

    @classmethod
    def from_env(cls, name: str, skip_install: bool = False) -> type:
        """The Action class (not an instance) of environment ``name``.

        With ``skip_install=True`` no package is looked up and :class:`GenericAction` is returned.

        Raises:
            EnvironmentNotFoundError: no installed environment answers to ``name``.
            ImportError: the package is installed but its action class cannot be imported.
        """
        if skip_install:
            return GenericAction
        info = discovery.hub_environment(name, False) if "/" in name else discovery.environment(name)
        return discovery.import_class(info, "module", "action_class")

    @classmethod
    def from_hub(cls, env_name: str, skip_install: bool = False) -> type:
        """Alias of :meth:`from_env`."""
        return cls.from_env(env_name, skip_install=skip_install)

    @classmethod
    def get_action_info(cls, name: str) -> Dict[str, Any]:
        """The action class's metadata: env_key, env_name, package, action_class,
        observation_class, module."""
        return discovery.action_info(name)

    @classmethod
    def list_actions(cls) -> None:
        """Prints every installed environment's action class, as the reference does."""
        print(discovery.listing("actions"))
