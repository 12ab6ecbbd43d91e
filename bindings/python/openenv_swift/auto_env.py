"""AutoEnv: the reference's environment factory, answered by the Swift engine."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Union

from . import container_provider as containers
from . import discovery
from ._factory import Factory
from ._native import call_json, launch_options, open_session
from .client import generic_client_class, session_options
from .errors import ClientCreationError, EnvConnectionError, EnvironmentNotFoundError, OpenEnvError, ProtocolError, creation_error
from .engine_server import EngineServer
from .seam import engine_class, remember_server_options, use_engine
from .vector import VectorEnv

#: Client options of the reference's EnvClient, which the engine's sessions honour too.
_CLIENT_TIMING = {"connect_timeout_s": 10.0, "message_timeout_s": 60.0, "max_message_size_mb": 100.0}
#: Options of openenv_swift's own, for the engine only.
_ENGINE_ONLY = ("ca_file", "bearer_token")


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
        ``skip_install=True``, the reference's ``GenericEnvClient`` (dict actions and
        observations), likewise. The client is the reference's own code: it connects on first
        use (``async with env``, ``await env.reset()``, ``env.sync()``...).

        The server: ``base_url`` if given (checked to answer); else the engine starts it (a
        local process, shared with this process's other sessions where the server allows;
        ``docker_image`` in Docker; or a container of ``container_provider``'s) and stops it
        when the client closes; it keeps a session slot for the client until the client
        connects. A Hub name (``owner/space``) reaches the running Space, or its image; its
        client code is installed first when not installed, only with consent
        (``trust_remote_code=True``, ``OPENENV_TRUST_REMOTE_CODE=1`` or a yes at the prompt).

        Keyword arguments go to the client class (``message_timeout_s``...); ``ca_file`` and
        ``bearer_token`` go to the engine, and ``container_engine`` (the container command,
        ``docker``, ``podman`` or a path; default ``OPENENV_CONTAINER_ENGINE``, else ``docker``
        if it answers, else ``podman``).

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
            client_class: type = generic_client_class()
        else:
            client_class = discovery.import_class(discovery.resolve(name, trust_remote_code), "module", "env_class")
        timing = {key: kwargs.get(key, default) for key, default in _CLIENT_TIMING.items()}
        engine_only = {key: kwargs.pop(key) for key in _ENGINE_ONLY if key in kwargs}
        engine_only.update(_pings_for_the_engine(kwargs))
        options = {**session_options(timing["connect_timeout_s"], timing["message_timeout_s"], timing["max_message_size_mb"]), **engine_only}
        launch = launch_options(wait_timeout=wait_timeout, env_vars=dict(env_vars or {}), base_url=base_url,
                                docker_image=docker_image, container_engine=kwargs.pop("container_engine", None), **options)
        try:
            return _client(client_class, name, launch, {**options, **engine_only}, engine_only, container_provider, kwargs)
        except ClientCreationError:
            raise
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
        the sessions over servers already running, round-robin, each taking no more than it has
        room for (a server that refuses with CAPACITY_REACHED, or cannot be reached, gets no
        more; ``CapacityError`` when all of them together cannot hold ``num_envs``).
        ``reopen=True``: a session lost with its server (or to a time-out) under a vector call is
        replaced by a new one on a server that still answers, so that the next ``reset`` of its
        env id works; the ``VectorEnvError`` of that call lists it in ``reopened``.
        ``provider=``: a ``RuntimeProvider`` or ``ContainerProvider`` of the reference's kinds (or
        a class or callable making one) that starts the servers, one provider object per server
        (see :mod:`openenv_swift.fleet`): ``num_servers=N`` starts N at once (and, with
        ``reopen``, replaces a lost one), else servers are started one by one as capacity runs
        out. They stop when the vector environment closes."""
        return VectorEnv.open(name, num_envs, base_url, options)

    @classmethod
    def get_env_info(cls, name: str) -> Dict[str, Any]:
        """Metadata of environment ``name``, with the reference's keys.

        Raises:
            EnvironmentNotFoundError: no installed environment answers to ``name`` (a
                ValueError whose first line is the reference's "Unknown environment: <name>").
        """
        try:
            return discovery.environment(name)
        except EnvironmentNotFoundError as error:
            raise EnvironmentNotFoundError(f"Unknown environment: {name}\n{error}") from error

    @classmethod
    def get_env_class(cls, name: str) -> type:
        """The environment's client class connecting through the engine: a subclass of the
        package's own (``issubclass(AutoEnv.get_env_class("parrot"), ParrotEnv)``), constructed
        as that class is (``X(base_url=...)``, ``X.from_docker_image(...)``, ``X.from_env(...)``)."""
        return engine_class(discovery.import_class(discovery.environment(name), "module", "env_class"))

    @classmethod
    def list_environments(cls) -> None:
        """Prints every installed environment, as the reference does."""
        print(discovery.listing("environments"))


def _pings_for_the_engine(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """openenv 0.10.0's keep-alive arguments (``websocket_ping_interval_s``,
    ``websocket_ping_timeout_s``; None switches one off), taken out of ``kwargs`` as the
    engine's own options where the installed reference's client takes none (openenv-core
    0.3.0): its sessions are then kept alive as asked all the same."""
    import inspect

    from .seam import reference

    if "websocket_ping_interval_s" in inspect.signature(reference().EnvClient.__init__).parameters:
        return {}
    names = {"websocket_ping_interval_s": "ping_interval", "websocket_ping_timeout_s": "ping_timeout"}
    return {key: kwargs.pop(name) or 0 for name, key in names.items() if name in kwargs}


def _client(client_class: type, name: str, launch: Dict[str, Any], options: Dict[str, Any], engine_only: Dict[str, Any],
            provider: Any, kwargs: Dict[str, Any]) -> Any:
    """The client, unconnected: on a server given, or one the provider or the engine starts
    (then given to the client as its ``provider``, stopped when it closes; see
    :class:`EngineServer`). Its
    connections to that server get ``engine_only``, the engine's own session options."""
    started: Any = None
    if launch.get("base_url") is not None:
        url = launch["base_url"]
        try:  # the one request the reference makes of a server it is given
            call_json("openenv_server_health", url, json.dumps(options))
        except ProtocolError as error:  # it answered, but not as a server that is up (a connection error says so itself)
            raise EnvConnectionError(f"Server not available at {url}. Please ensure the server is running. ({error})") from error
    elif provider is not None:
        url, started = containers.start(provider, name, launch)
    else:
        started = EngineServer(open_session("openenv_from_env", name, launch))
        url = started.base_url
    try:
        client = client_class(base_url=url, **({"provider": started} if started is not None else {}), **kwargs)
    except BaseException as error:
        if isinstance(started, EngineServer):
            started.stop()
        elif started is not None:
            started.stop_container()
        if isinstance(error, Exception) and not isinstance(error, OpenEnvError):
            raise ClientCreationError(f"Failed to create environment client for '{name}'.\nClient class: "
                                      f"{client_class.__name__}\nError: {error}") from error
        raise
    use_engine(client)
    remember_server_options(client, engine_only)
    if isinstance(started, EngineServer):
        started.expect(client._ws_url)
    return client
