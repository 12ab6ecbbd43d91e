"""The client of one environment session, driven by the Swift engine.

It answers like the reference's ``EnvClient``: ``reset(**kwargs)``, ``step(action)``,
``state()``, ``close()``, context-manager use, and results whose observation is the
environment package's own Observation class when it can be imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Generic, Mapping, Optional, Tuple, TypeVar

from . import _native
from .schema_action import action_class

ObsT = TypeVar("ObsT")


@dataclass
class StepResult(Generic[ObsT]):
    """The result of ``reset`` or ``step``, as the reference's ``StepResult``."""

    observation: ObsT
    reward: Optional[float] = None
    done: bool = False


class AttributeView:
    """JSON fields readable as attributes, for environments whose classes are not installed."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        inner = ", ".join(f"{key}={value!r}" for key, value in self.__dict__.items())
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AttributeView) and self.__dict__ == other.__dict__


class Observation(AttributeView):
    """An observation of an environment whose Observation class is not installed."""


class State(AttributeView):
    """A state of an environment whose State class is not installed."""


def action_json(action: Any, fields: Dict[str, Any]) -> bytes:
    """The JSON object of an action as UTF-8: a pydantic model's set fields, a mapping, or keywords."""
    if action is None:
        return json.dumps(fields).encode()
    if fields:
        raise TypeError("pass either an action object or keyword fields, not both")
    if hasattr(action, "model_dump_json"):
        return action.model_dump_json(exclude_unset=True).encode()
    if isinstance(action, Mapping):
        return json.dumps(dict(action)).encode()
    raise TypeError(f"an action must be a pydantic model, a dict or keyword fields, not {type(action).__name__}")


class SwiftEnvClient:
    """A session with one environment instance on an OpenEnv server (``http://`` or, over
    verified TLS, ``https://``; ``ca_file`` names authorities to trust instead of the system's).

    Use it as a context manager, or call :meth:`close`. Several clients may be stepped from
    several Python threads at once: calls release the GIL.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        observation_class: Optional[type] = None,
        state_class: Optional[type] = None,
        connect_timeout_s: float = 10.0,
        message_timeout_s: float = 60.0,
        max_message_size_mb: float = 100.0,
        ca_file: Optional[str] = None,
        launch: Optional[Tuple[str, str, Dict[str, Any]]] = None,
        on_close: Optional[Callable[[], None]] = None,
    ) -> None:
        """Connects to the server at ``base_url``; or, with ``launch`` (an engine function,
        its target and its options, as :meth:`AutoEnv.from_env` passes), lets the engine find
        or start the server first. ``on_close`` is called once, after the session ends (a
        container provider's ``stop_container``)."""
        self._handle: Optional[int] = None
        self._on_close: Optional[Callable[[], None]] = None
        self._observation_class = observation_class
        self._state_class = state_class
        options: Dict[str, Any] = {
            "connect_timeout": connect_timeout_s,
            "message_timeout": message_timeout_s,
            "max_message_bytes": int(max_message_size_mb * 1024 * 1024),
            "ca_file": ca_file,
        }
        self._reset = _native.session_function("openenv_reset")
        self._step = _native.session_function("openenv_step")
        self._state = _native.session_function("openenv_state")
        self._schema = _native.session_function("openenv_schema")
        self._metadata = _native.session_function("openenv_metadata")
        if launch is None:
            if base_url is None:
                raise TypeError("SwiftEnvClient needs base_url; use AutoEnv.from_env to start a server")
            self._handle = _native.open_session("openenv_connect", base_url, options)
        else:
            function, target, extra = launch
            self._handle = _native.open_session(function, target, {**options, **extra})
        self.base_url: str = _native.call_text("openenv_base_url", self._handle)
        self._on_close = on_close

    def _call(self, function: Any, *arguments: bytes) -> Any:
        handle = self._handle
        if handle is None:
            from .errors import SessionClosedError

            raise SessionClosedError("the session is closed (closed by the client); open a new one")
        return json.loads(function(handle, *arguments))

    def _result(self, answer: Dict[str, Any]) -> StepResult:
        fields, reward, done = answer["observation"], answer["reward"], answer["done"]
        observation: Any = None
        if self._observation_class is not None:
            try:
                observation = self._observation_class.model_validate({**fields, "done": done, "reward": reward})
            except Exception:  # a server whose observation does not fit the installed class
                observation = None
        if observation is None:
            observation = Observation({**fields, "done": done, "reward": reward})
        return StepResult(observation=observation, reward=reward, done=done)

    def reset(self, **kwargs: Any) -> StepResult:
        """Starts a new episode; keyword arguments go to the environment (``seed``, ``episode_id``)."""
        return self._result(self._call(self._reset, json.dumps(kwargs).encode()))

    def step(self, action: Any = None, **fields: Any) -> StepResult:
        """Sends one action: the package's Action instance, a dict, or keyword fields."""
        return self._result(self._call(self._step, action_json(action, fields)))

    def state(self) -> Any:
        """The environment's state, as the package's State class when known."""
        fields = self._call(self._state)
        if self._state_class is not None:
            try:
                return self._state_class.model_validate(fields)
            except Exception:  # a state that does not fit the installed class
                pass
        return State(fields)

    def schema(self) -> Dict[str, Any]:
        """The server's action, observation and state JSON Schemas."""
        return self._call(self._schema)

    @property
    def action_class(self) -> type:
        """A class built from this server's action schema (see :func:`action_class`)."""
        return action_class(self.schema()["action"])

    def metadata(self) -> Dict[str, Any]:
        """The server's metadata."""
        return self._call(self._metadata)

    def close(self) -> None:
        """Ends the session (idempotent)."""
        handle, self._handle = self._handle, None
        on_close, self._on_close = self._on_close, None
        try:
            if handle is not None:
                _native.close(handle)
        finally:
            if on_close is not None:
                on_close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._handle is None

    def __enter__(self) -> "SwiftEnvClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    def __repr__(self) -> str:
        return f"SwiftEnvClient(base_url={self.base_url!r}, closed={self.closed})"
