"""AutoEnv: the reference's environment factory, answered by the Swift engine."""

from __future__ import annotations

from typing import Any, Dict

from . import discovery
from ._factory import Factory


class AutoEnv(Factory):
    """Finds installed OpenEnv environments by name (``"parrot"``, ``"parrot-env"``, ``"parrot_env"``).

    A factory: use its class methods; instances cannot be made.
    """

    @classmethod
    def get_env_info(cls, name: str) -> Dict[str, Any]:
        """Metadata of environment ``name``, with the reference's keys.

        Raises:
            EnvironmentNotFoundError: no installed environment answers to ``name``.
        """
        return discovery.environment(name)

    @classmethod
    def get_env_class(cls, name: str) -> type:
        """Imports and returns the environment's client class (e.g. ``ParrotEnv``)."""
        return discovery.import_class(discovery.environment(name), "module", "env_class")

    @classmethod
    def list_environments(cls) -> None:
        """Prints every installed environment, as the reference does."""
        print(discovery.listing("environments"))
