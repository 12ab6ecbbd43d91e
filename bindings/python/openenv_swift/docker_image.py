"""``X.from_docker_image(image)`` for clients that use the engine (engine classes, such as
``AutoEnv.get_env_class(...)``, or every client under ``OPENENV_ENGINE=swift``): with no
provider given, the engine runs the container as for ``from_env(docker_image=...)`` (its
container engine choice, a container that stops at start reported at once, removal on close and
when the process ends, however it ends) in place of the reference's ``LocalDockerProvider``,
which sleeps a fixed second, asks ``/health`` every half second, and whose ``docker stop``
outwaits its own 10 s time-out on the template's server (``sh -c`` as PID 1 ignores SIGTERM),
raising ``TimeoutExpired`` from ``close()`` with the container left behind. With a provider, or
arguments for one other than ``env_vars``, the reference's own code runs.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

from . import _native
from .engine_server import EngineServer


def _engine_runs_it(client_class: type, provider: Any, kwargs: Dict[str, Any], uses_engine: Callable[[Any], bool]) -> bool:
    return provider is None and set(kwargs) <= {"env_vars"} and uses_engine(client_class)


def _start(client_class: type, image: str, kwargs: Dict[str, Any]) -> Any:
    """An unconnected ``client_class`` client on a container of ``image`` the engine started;
    its provider (an :class:`EngineServer`) keeps the first session for it."""
    launch = _native.launch_options(docker_image=image, env_vars=dict(kwargs.get("env_vars") or {}))
    server = EngineServer(_native.open_session("openenv_from_env", client_class.__name__, launch))
    try:
        client = client_class(base_url=server.base_url, provider=server)
    except BaseException:
        server.stop()
        raise
    server.expect(client._ws_url)
    return client


def patch(env_client: Any, uses_engine: Callable[[Any], bool]) -> Dict[str, Any]:
    """Routes ``EnvClient.from_docker_image`` of engine clients through the engine (0.10.0: its
    ``_bootstrap_container``, which the returned handle runs when awaited or ``.sync()``'d;
    0.3.0: the ``async`` classmethod itself). Returns the reference's originals, by name."""
    client_class = env_client.EnvClient
    if "_bootstrap_container" in vars(client_class):
        bootstrap = vars(client_class)["_bootstrap_container"]

        def bootstrap_container(cls: type, image: str, provider: Any = None, **kwargs: Any) -> Any:
            if _engine_runs_it(cls, provider, kwargs, uses_engine):
                return _start(cls, image, kwargs)
            return bootstrap.__func__(cls, image, provider, **kwargs)

        client_class._bootstrap_container = classmethod(bootstrap_container)
        return {"_bootstrap_container": bootstrap}
    factory = vars(client_class)["from_docker_image"]

    async def from_docker_image(cls: type, image: str, provider: Any = None, **kwargs: Any) -> Any:
        if not _engine_runs_it(cls, provider, kwargs, uses_engine):
            return await factory.__func__(cls, image, provider, **kwargs)
        client = _start(cls, image, kwargs)
        await client.connect()
        return client

    client_class.from_docker_image = classmethod(from_docker_image)
    return {"from_docker_image": factory}
