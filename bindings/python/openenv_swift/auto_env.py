"""AutoEnv: the reference's environment factory, answered by the Swift engine."""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import discovery
from ._factory import Factory
from ._native import launch_options
from .client import SwiftEnvClient
from .container_provider import open_client as container_provider_client


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
        """A client of environment ``name``: connected to ``base_url`` if given; otherwise the
        engine starts the environment's server (a local process, shared with this process's
        other sessions where the server allows; ``docker_image`` in Docker; or, given a
        ``container_provider`` like openenv's, a container of the provider's) and stops it when
        the client closes. A Hub name (``owner/space``) reaches the running
        Space, or its image in Docker; its client code is installed first when no installed
        environment matches (only with consent: ``trust_remote_code=True``,
        ``OPENENV_TRUST_REMOTE_CODE=1`` or a yes at the prompt).

        Observations and states come back as the installed package's own classes; with
        ``skip_install=True``, or for a Hub name whose package is not installed, as plain
        attribute objects. Extra keyword arguments (``message_timeout_s``...) go to the client.

        Raises:
            EnvironmentNotFoundError: ``name`` is not installed (and is not a Hub name).
            ServerStartError: the server could not be started.
            EnvTimeoutError: the server did not become healthy within ``wait_timeout``.
            ConsentRequiredError: a Hub package would be installed without consent.
        """
        observation_class = state_class = None
        if not skip_install:
            info = discovery.resolve(name, trust_remote_code)
            observation_class = discovery.optional_class(info, "module", "observation_class")
            state_class = discovery.optional_class(info, "module", "state_class")
        options = launch_options(wait_timeout=wait_timeout, env_vars=dict(env_vars or {}), base_url=base_url, docker_image=docker_image)
        client_options = {"observation_class": observation_class, "state_class": state_class, **kwargs}
        if container_provider is not None:
            return container_provider_client(container_provider, name, options, client_options)
        return SwiftEnvClient(launch=("openenv_from_env", name, options), **client_options)

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
