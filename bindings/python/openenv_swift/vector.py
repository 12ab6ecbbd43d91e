"""Many sessions of one environment stepped together, in the spirit of Gymnasium's
``make_vec`` and EnvPool: ``step(actions)`` sends every request before waiting (the servers
start on the first while the others go out) and parses each answer as it comes, waiting with
the GIL released; ``send``/``recv`` give EnvPool's asynchronous mode."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from . import _native, discovery
from .client import generic_client_class, session_options
from .errors import InvalidArgumentError, OpenEnvError
from .fleet import ProvidedServers
from .placement import Placement
from .vector_queue import VectorQueue


class VectorEnvError(OpenEnvError, RuntimeError):
    """Some sessions of a vector environment failed. ``errors`` maps each failed env id to
    its exception; ``results`` holds every result that did come (None where it failed). The
    sessions that did not fail stay usable. ``reopened``: the env ids whose lost sessions were
    replaced by new ones (``make_vec(..., reopen=True)``); reset them before stepping.
    ``reopen_error``: why the lost sessions could not be reopened (no server had room or could
    be reached; the message names each server tried), else None."""

    def __init__(self, errors: Dict[int, Exception], results: List[Any], reopened: Sequence[int] = (),
                 reopen_error: Optional[Exception] = None) -> None:
        described = "; ".join(f"env {env_id}: {error}" for env_id, error in sorted(errors.items()))
        note = f"; reopened env {', '.join(map(str, reopened))} (reset before stepping)" if reopened else ""
        if reopen_error is not None:
            lost = [env_id for env_id, error in sorted(errors.items()) if error.__cause__ is reopen_error]
            note += f"; could not reopen env {', '.join(map(str, lost))}: {reopen_error}"
        super().__init__(f"{len(errors)} of {len(results)} environments failed: {described}{note}")
        self.errors = errors
        self.results = results
        self.reopened = list(reopened)
        self.reopen_error = reopen_error


class VectorEnv:
    """``num_envs`` sessions of one environment, each running its own episode.

    Its sessions' bytes are moved by the thread that calls it (see :mod:`.vector_queue`): use
    one from one thread at a time."""

    def __init__(self, queue: VectorQueue, handles: List[int], hooks: Any, opener: Optional[Callable[[int], List[int]]] = None,
                 servers: Optional[ProvidedServers] = None) -> None:
        self._queue = queue
        self._handles = handles
        self._hooks = hooks
        self._in_flight: Dict[int, bool] = {}
        #: Opens replacement sessions for lost ones (``reopen=True``), else None.
        self._opener = opener
        #: The servers started through a provider for these sessions, stopped with them.
        self._servers = servers

    @classmethod
    def open(cls, name: str, num_envs: int, base_url: Union[None, str, List[str]], options: Dict[str, Any]) -> "VectorEnv":
        """Opens the sessions (see ``AutoEnv.make_vec``)."""
        if not isinstance(num_envs, int) or num_envs < 1:
            raise InvalidArgumentError(f"num_envs must be a whole number of at least 1, not {num_envs!r}")
        skip_install = options.pop("skip_install", False)
        reopen = bool(options.pop("reopen", False))
        provider, num_servers = options.pop("provider", None), options.pop("num_servers", None)
        if num_servers is not None and (not isinstance(num_servers, int) or num_servers < 1):
            raise InvalidArgumentError(f"num_servers must be a whole number of at least 1, not {num_servers!r}")
        if provider is not None and base_url is not None:
            raise InvalidArgumentError("give base_url (servers already running) or provider (servers to start), not both")
        timing = session_options(options.pop("connect_timeout_s", 10.0), options.pop("message_timeout_s", 60.0),
                                 options.pop("max_message_size_mb", 100.0), options.pop("ca_file", None), options.pop("bearer_token", None),
                                 options.pop("websocket_ping_interval_s", 20.0), options.pop("websocket_ping_timeout_s", 20.0))
        if skip_install:
            hooks: Any = generic_client_class()(base_url="http://unused.invalid")  # its hooks only: never connected
        else:
            hooks = discovery.import_class(discovery.resolve(name, options.pop("trust_remote_code", False)), "module", "env_class")
            hooks = hooks.__new__(hooks)  # the package's hooks only: never connected
        if isinstance(base_url, (list, tuple)) and not base_url:
            raise InvalidArgumentError("base_url is an empty list; give at least one server URL")
        launch_keys = _launch_keys(options)
        queue = VectorQueue()
        servers: Optional[ProvidedServers] = None
        try:
            opener: Callable[[int], List[int]]
            if provider is not None:
                servers = ProvidedServers(provider, name, launch_keys)
                started = servers
                placement = Placement(servers.start(num_servers or 1), timing, queue, lambda: started.start(1)[0], num_servers)
                opener = placement.open
            elif isinstance(base_url, (list, tuple)):
                opener = Placement(list(base_url), timing, queue).open
            else:
                launch = _native.launch_options(base_url=base_url, **timing, **launch_keys)
                opener = lambda count: queue.open_from_env(name, launch, count)  # noqa: E731
            return cls(queue, opener(num_envs), hooks, opener if reopen else None, servers)
        except BaseException:
            if servers is not None:
                servers.stop_all()
            queue.free()
            raise

    @property
    def num_envs(self) -> int:
        """How many sessions."""
        return len(self._handles)

    @property
    def base_urls(self) -> List[str]:
        """Each session's server, by env id."""
        return [_native.call_text("openenv_base_url", handle) for handle in self._handles]

    def is_open(self, env_id: int) -> bool:
        """Whether env ``env_id``'s session can still be used (its server, a failure, or its
        keep-alive may have ended it; the next call on it then says why)."""
        return _native.is_open(self._handles[env_id])

    def reset(self, seed: Union[None, int, Sequence[Optional[int]]] = None, **kwargs: Any) -> List[Any]:
        """Resets every environment; ``seed`` (an int gives env ``i`` the seed ``seed + i``, a
        list one seed each) and ``kwargs`` go to each reset. One result per environment."""
        seeds = [None] * self.num_envs if seed is None else [seed + index for index in range(self.num_envs)] if isinstance(seed, int) else list(seed)
        if len(seeds) != self.num_envs:
            raise InvalidArgumentError(f"seed has {len(seeds)} entries for {self.num_envs} environments")
        frames = [json.dumps({"type": "reset", "data": {**kwargs, **({} if value is None else {"seed": value})}}).encode() for value in seeds]
        return self._round(frames, self._hooks._parse_result)

    def step(self, actions: Sequence[Any]) -> List[Any]:
        """Steps every environment with its action. Every message is made first (an action
        that cannot be sent fails the call before any environment steps); then each goes out
        on its own, and each answer is parsed as it comes, while the servers work on the
        others. One result per environment, in order."""
        return self._round(self._step_frames(actions, range(self.num_envs)), self._hooks._parse_result)

    def state(self) -> List[Any]:
        """Every environment's state."""
        return self._round([_STATE_FRAME] * self.num_envs, self._hooks._parse_state)

    def send(self, actions: Sequence[Any], env_ids: Optional[Sequence[int]] = None) -> None:
        """Sends actions to some environments without waiting (EnvPool's asynchronous mode);
        collect the answers with :meth:`recv`."""
        ids = list(range(self.num_envs)) if env_ids is None else [int(env_id) for env_id in env_ids]
        for env_id in ids:
            if not 0 <= env_id < self.num_envs:
                raise InvalidArgumentError(f"env id {env_id} is out of range 0..{self.num_envs - 1}")
            if env_id in self._in_flight:
                raise InvalidArgumentError(f"env {env_id} has an action in flight; recv its result first")
        for env_id, frame in zip(ids, self._step_frames(actions, ids)):
            self._queue.submit(self._handles[env_id], frame, env_id)
            self._in_flight[env_id] = True

    def recv(self, min_results: int = 1, timeout: Optional[float] = None) -> List[Tuple[int, Any]]:
        """The results that have come, as ``(env_id, result)`` pairs: at least ``min_results``
        (fewer if ``timeout`` seconds pass first), or all in flight if fewer are."""
        wanted = min(min_results, len(self._in_flight))
        if wanted <= 0:
            return []
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        results: List[Tuple[int, Any]] = []
        errors: Dict[int, Exception] = {}
        parse = self._hooks._parse_result
        while len(results) + len(errors) < wanted:
            remaining = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
            arrived = self._queue.collect(len(self._in_flight), remaining)
            texts = []
            for env_id, outcome in arrived:
                self._in_flight.pop(env_id, None)
                if isinstance(outcome, Exception):
                    errors[env_id] = outcome
                else:
                    texts.append((env_id, outcome))
            answers = json.loads("[" + ",".join(text for _, text in texts) + "]") if texts else []
            results += [(env_id, parse(answer.get("data", {}))) for (env_id, _), answer in zip(texts, answers)]
            if deadline is not None and time.monotonic() >= deadline:
                break
        if errors:
            raise VectorEnvError(errors, [result for _, result in results], *self._reopen_lost(errors))
        return results

    def close(self) -> None:
        """Closes every session (and the servers started for them)."""
        handles, self._handles = self._handles, []
        for handle in handles:
            _native.close(handle)
        if self._servers is not None:
            self._servers.stop_all()
        self._queue.free()

    def __enter__(self) -> "VectorEnv":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _step_frames(self, actions: Sequence[Any], ids: Any) -> List[bytes]:
        """The step messages' frames, the package's payloads spliced into a fixed head (one
        ``json.dumps`` of the payload each, not of a wrapping dict)."""
        actions = list(actions)
        ids = list(ids)
        if len(actions) != len(ids):
            raise InvalidArgumentError(f"got {len(actions)} actions for {len(ids)} environments")
        payload = self._hooks._step_payload
        return [_STEP_HEAD + json.dumps(payload(action)).encode() + b"}" for action in actions]

    def _round(self, frames: List[bytes], parse: Any) -> List[Any]:
        if not self._handles:
            raise InvalidArgumentError("the vector environment is closed")
        results, errors = self._queue.round(self._handles, frames, parse)
        if errors:
            raise VectorEnvError(errors, results, *self._reopen_lost(errors))
        return results

    def _reopen_lost(self, errors: Dict[int, Exception]) -> Tuple[List[int], Optional[Exception]]:
        """With ``reopen=True``: replaces the sessions among ``errors`` that are no longer open
        (their server died, dropped them or timed out) with new ones, spread over the servers
        that still answer by their room; returns their env ids, and None. A session that is
        still open (a server error such as EXECUTION_ERROR) keeps its episode. If no server can
        take them, the lost sessions stay closed: returns no ids and the error saying why, also
        each lost session's error's ``__cause__``."""
        lost = [env_id for env_id in sorted(errors) if not _native.is_open(self._handles[env_id])]
        if self._opener is None or not lost:
            return [], None
        try:
            fresh = self._opener(len(lost))
        except OpenEnvError as error:
            for env_id in lost:
                errors[env_id].__cause__ = error
            return [], error
        for env_id, handle in zip(lost, fresh):
            _native.close(self._handles[env_id])
            self._handles[env_id] = handle
        return lost, None


#: Every step message's text up to its payload (``json.dumps``'s spacing, as before).
_STEP_HEAD = b'{"type": "step", "data": '
#: The state message's text.
_STATE_FRAME = b'{"type": "state"}'


def _launch_keys(options: Dict[str, Any]) -> Dict[str, Any]:
    """``from_env``'s launch options among ``options``."""
    known = ("docker_image", "container_engine", "wait_timeout", "env_vars")
    unknown = [key for key in options if key not in known]
    if unknown:
        raise InvalidArgumentError(f"unknown make_vec option(s) {', '.join(unknown)}; known: {', '.join(known)} and from_env's client options")
    return {key: value for key, value in options.items() if value is not None}
