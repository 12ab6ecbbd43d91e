"""AutoEnv: the reference's environment factory, answered by the Swift engine."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .client import SwiftEnvClient

from . import discovery
from ._factory import Factory


class AutoEnv(Factory):
    """Finds installed OpenEnv environments by name (``"parrot"``, ``"parrot-env"``, ``"parrot_env"``).

    A factory: use its class methods; instances cannot be made.
    """

    @classmethod
    def from_env(
        cls,
        name: str,
        base_url: Optional[str] = None,
        docker_image: Optional[str] = None,
        container_provider: Any = None,
        wait_timeout: float = 30.0,
        env_vars: Optional[Dict[str, str]] = None,
        trust_remote_code: bool = False,
        skip_install: bool = False,
        **kwargs: Any,
    ) -> SwiftEnvClient:
        """A client of environment ``name`` connected to its server at ``base_url``.

        Observations and states come back as the installed package's own classes. With
        ``skip_install=True``, or for a Hub name (``owner/space``) whose package is not
        installed, results are plain attribute objects instead.

        Raises:
            EnvironmentNotFoundError: ``name`` is not installed (and is not a Hub name).
            EnvConnectionError: nothing answers at ``base_url``.
        """
        if base_url is None:
            from .errors import UnsupportedError

            raise UnsupportedError(
                "starting an environment server is not supported by this version of openenv_swift; "
                f"start it yourself and pass base_url=..., e.g. AutoEnv.from_env({name!r}, base_url='http://127.0.0.1:8000')"
            )
        observation_class = state_class = None
        if not skip_install:
            try:
                info = discovery.details(name)
            except ValueError:
                if "/" not in name:
                    raise
            else:
                observation_class = discovery.optional_class(info, "module", "observation_class")
                state_class = discovery.optional_class(info, "module", "state_class")
        return SwiftEnvClient(base_url, observation_class=observation_class, state_class=state_class, **kwargs)

    @classmethod
    def from_hub(cls, name: str, base_url: Optional[str] = None, **kwargs: Any) -> SwiftEnvClient:
        """Alias of :meth:`from_env`."""
        return cls.from_env(name, base_url=base_url, **kwargs)

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
