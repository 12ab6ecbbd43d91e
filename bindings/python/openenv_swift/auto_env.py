"""AutoEnv: the reference's environment factory, answered by the Swift engine."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from . import container_provider as containers
from . import discovery
from ._factory import Factory
from ._native import OPEN_CONNECT, OPEN_FROM_ENV, call_text, close, launch_options, open_session
from .client import EngineTransport, GenericEnvClient, session_options
from .errors import ClientCreationError, OpenEnvError, creation_error
from .vector import VectorEnv

#: Client options of the reference's EnvClient, which the engine's sessions honour too.
_CLIENT_TIMING = {"connect_timeout_s": 10.0, "message_timeout_s": 60.0, "max_message_size_mb": 100.0}
#: Options of openenv_swift's own, for the engine only.
_ENGINE_ONLY = ("ca_file", "bearer_token")

_engine_classes: Dict[type, type] = {}


def engine_class(client_class: type) -> type:
    """``client_class`` with the engine as its transport: a subclass made once, so
    ``isinstance(env, client_class)`` holds and every method of the package's works."""
    found = _engine_classes.get(client_class)
    if found is None:
        if issubclass(client_class, EngineTransport):
            return client_class
        found = type(client_class.__name__, (EngineTransport, client_class),
                     {"__module__": client_class.__module__, "__qualname__": client_class.__qualname__,
                      "__doc__": client_class.__doc__})
        _engine_classes[client_class] = found
    return found


class AutoEnv(Factory):
    """Finds installed OpenEnv environments by name (``"parrot"``, ``"parrot-env"``, ``"parrot_env"``)
    or Hugging Face Space (``"owner/parrot-env"``) and hands back their client, async-first as
    the reference's: ``async with AutoEnv.from_env("parrot") as env: await env.step(a)``, or
    ``with AutoEnv.from_env("parrot").sync() as env: env.step(a)``.

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
    ) -> Any:
        """The client of environment ``name``: an instance of the installed package's own
        client class (``ParrotEnv``...) whose connection is the engine; with
        ``skip_install=True``, a :class:`GenericEnvClient` (dict actions and observations).

        The server: ``base_url`` if given; else the engine starts it (a local process, shared
        with this process's other sessions where the server allows; ``docker_image`` in
        Docker; or a container of ``container_provider``'s) and stops it when the client
        closes. A Hub name (``owner/space``) reaches the running Space, or its image; its
        client code is installed first when not installed, only with consent
        (``trust_remote_code=True``, ``OPENENV_TRUST_REMOTE_CODE=1`` or a yes at the prompt).

        Keyword arguments go to the client class (``message_timeout_s``...); ``ca_file`` and
        ``bearer_token`` go to the engine.

        Raises:
            EnvironmentNotFoundError: ``name`` is not installed (a ValueError).
            ConsentRequiredError, InstallError: a Hub package could not be installed (ValueErrors).
            ImportError: the package is installed but its client class cannot be imported.
            ClientCreationError: the server could not be started or reached (a ValueError,
                also of the specific class: ``ServerStartError``, ``EnvTimeoutError``...).
        """
        hub = isinstance(name, str) and "/" in name
        if skip_install:
            if not hub and base_url is None and docker_image is None:
                raise ValueError(
                    f"Cannot use skip_install=True for local environment '{name}' without providing base_url or docker_image. "
                    "For local environments, either:\n  1. Provide base_url to connect to a running server\n"
                    "  2. Provide docker_image to start a container\n  3. Set skip_install=False to use the installed package")
            client_class: type = GenericEnvClient
        else:
            client_class = discovery.import_class(discovery.resolve(name, trust_remote_code), "module", "env_class")
        timing = {key: kwargs.get(key, default) for key, default in _CLIENT_TIMING.items()}
        options = {**session_options(timing["connect_timeout_s"], timing["message_timeout_s"], timing["max_message_size_mb"]),
                   **{key: kwargs.pop(key) for key in _ENGINE_ONLY if key in kwargs}}
        launch = launch_options(wait_timeout=wait_timeout, env_vars=dict(env_vars or {}), base_url=base_url,
                                docker_image=docker_image, **options)
        try:
            return _open(client_class, name, launch, options, container_provider, kwargs)
        except OpenEnvError as error:
            raise creation_error(error, name, client_class.__name__) from error

    @classmethod
    def from_hub(
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
    ) -> Any:
        """Alias of :meth:`from_env`, with the same arguments in the same order."""
        return cls.from_env(name, base_url, docker_image, container_provider, wait_timeout, env_vars,
                            trust_remote_code, skip_install, **kwargs)

    @classmethod
    def make_vec(cls, name: str, num_envs: int, base_url: Union[None, str, List[str]] = None, **options: Any) -> VectorEnv:
        """``num_envs`` sessions of environment ``name`` stepped together (see :class:`VectorEnv`).
        Servers are started or shared as for :meth:`from_env`; ``base_url=[url, ...]`` spreads
        the sessions over servers already running, round-robin."""
        return VectorEnv.open(name, num_envs, base_url, options)

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


def _open(client_class: type, name: str, launch: Dict[str, Any], options: Dict[str, Any], provider: Any,
          kwargs: Dict[str, Any]) -> Any:
    """Opens the session, then makes the client around it."""
    stop_with_client = None
    if provider is not None:
        url, stop_with_client = containers.start(provider, name, launch)
        recipe = ("openenv_connect", OPEN_CONNECT, url, json.dumps(options))
    else:
        recipe = ("openenv_from_env", OPEN_FROM_ENV, name, json.dumps(launch))
    try:
        handle = open_session(recipe[0], recipe[2], json.loads(recipe[3]))
    except BaseException:
        if stop_with_client is not None:
            stop_with_client.stop_container()
        raise
    try:
        url = call_text("openenv_base_url", handle)
        client = engine_class(client_class)(base_url=url, provider=stop_with_client, **kwargs)
    except BaseException as error:
        close(handle)
        if stop_with_client is not None:
            stop_with_client.stop_container()
        if isinstance(error, Exception) and not isinstance(error, OpenEnvError):
            raise ClientCreationError(f"Failed to create environment client for '{name}'.\nClient class: "
                                      f"{client_class.__name__}\nError: {error}") from error
        raise
    client._engine_attach(handle, recipe)
    return client
