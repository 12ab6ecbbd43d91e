"""Where a vector environment's sessions go: spread over the servers given, round-robin, each
server taking no more sessions than it has room for.

An OpenEnv server tells its capacity only by refusing a session (``CAPACITY_REACHED``, with
``active_sessions`` and ``max_sessions``), and only once the session sends its first message.
So each new session asks for its state once: a refused session is closed and opened again on
a server with room, and a server that refused takes no more from this placement. A server that
cannot be reached (refused connection, no upgrade in time) is dropped the same way, which is
what lets a vector environment reopen sessions after losing a server.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import _native
from .errors import CapacityError, OpenEnvError


class Placement:
    """Opens sessions over ``urls`` (the engine's session ``options`` for each). With ``grow``,
    a server is added (``grow()`` starts one and returns its URL) whenever none has room, as
    long as fewer than ``most_servers`` (no limit when None) can still be reached: a fleet of a
    fixed size replaces the servers it loses but does not grow past its size."""

    def __init__(self, urls: List[str], options: Dict[str, Any], grow: Optional[Callable[[], str]] = None,
                 most_servers: Optional[int] = None) -> None:
        self.urls = list(urls)
        self._grow = grow
        self._most_servers = most_servers
        self._options = json.dumps(options).encode()
        #: Servers that refused a session, with the ``max_sessions`` each reported.
        self.full: Dict[str, Optional[int]] = {}
        #: Servers that could not be reached, with why.
        self.unreachable: Dict[str, Exception] = {}
        self._next = 0

    def open(self, count: int) -> List[Tuple[str, int]]:
        """``count`` new sessions as ``(url, handle)``, round-robin over the servers that still
        have room. Raises ``CapacityError`` (or the connection error, when no server answered at
        all) when they cannot hold ``count`` more; nothing is left open then."""
        placed: List[Tuple[str, int]] = []
        grown = 0
        try:
            while len(placed) < count:
                candidates = [url for url in self.urls if url not in self.full and url not in self.unreachable]
                if not candidates and self._may_grow() and grown < count:  # each new server takes one at least, or stops this
                    self.urls.append(self._grow())  # type: ignore[misc]
                    grown += 1
                    continue
                if not candidates:
                    raise self._no_room(count, len(placed))
                targets = [candidates[(self._next + index) % len(candidates)] for index in range(count - len(placed))]
                self._next += len(targets)
                opened = []
                for url, outcome in zip(targets, _open_each(targets, self._options)):
                    if isinstance(outcome, Exception):
                        self._drop(url, outcome)
                    else:
                        opened.append((url, outcome))
                placed += self._admitted(opened)
        except BaseException:
            for _, handle in placed:
                _native.close(handle)
            raise
        return placed

    def _may_grow(self) -> bool:
        reachable = sum(url not in self.unreachable for url in self.urls)
        return self._grow is not None and (self._most_servers is None or reachable < self._most_servers)

    def _admitted(self, opened: List[Tuple[str, int]]) -> List[Tuple[str, int]]:
        """The sessions the servers admit: each asks for its state once (all at once)."""
        if not opened:
            return []
        lib = _native.library()
        envs = (ctypes.c_void_p * len(opened))(*[handle for _, handle in opened])
        completions = (_native.Completion * len(opened))()
        status = lib.openenv_run_batch(_native.OP_STATE, envs, None, len(opened), completions)
        if status != _native.OK:
            _native._raise(lib, status)
        admitted = []
        for (url, handle), completion in zip(opened, completions):
            outcome = _native.take_completion(lib, completion)
            if isinstance(outcome, Exception) and not _native.is_open(handle):
                _native.close(handle)
                self._drop(url, outcome)
            else:  # a state, or an error that leaves the session open (a state the environment cannot give)
                admitted.append((url, handle))
        return admitted

    def _drop(self, url: str, error: Exception) -> None:
        if isinstance(error, CapacityError):
            self.full[url] = error.max_sessions
        elif isinstance(error, OpenEnvError):  # no connection, no upgrade in time, an unusable URL
            self.unreachable[url] = error
        else:
            raise error

    def _no_room(self, count: int, placed: int) -> Exception:
        if not self.full and self.unreachable:
            return next(iter(self.unreachable.values()))
        described = [f"{url} holds at most {maximum if maximum is not None else 'what it has'}" for url, maximum in self.full.items()]
        described += [f"{url} cannot be reached ({error})" for url, error in self.unreachable.items()]
        return CapacityError(
            f"the servers have room for {placed} of the {count} sessions asked for: {'; '.join(described)}. "
            "Give more servers, or start them with a higher max_concurrent_envs",
            {"code": "CAPACITY_REACHED"})


def _open_each(urls: List[str], options: bytes) -> List[Any]:
    """One session per URL, opened at once (the engine overlaps the connections): each a
    handle, or the exception its opening raised."""
    lib = _native.library()
    queue = ctypes.c_void_p()
    status = lib.openenv_queue_new(ctypes.byref(queue))
    if status != _native.OK:
        _native._raise(lib, status)
    outcomes: List[Any] = [None] * len(urls)
    try:
        for index, url in enumerate(urls):
            status = lib.openenv_submit_open(queue, _native.OPEN_CONNECT, url.encode(), options, index)
            if status != _native.OK:
                _native._raise(lib, status)
        completions = (_native.Completion * len(urls))()
        count = ctypes.c_size_t()
        done = 0
        while done < len(urls):
            lib.openenv_collect(queue, completions, len(urls), -1.0, ctypes.byref(count))
            for index in range(count.value):
                outcomes[int(completions[index].tag)] = _native.take_completion(lib, completions[index])
            done += count.value
    except BaseException:
        for outcome in outcomes:
            if isinstance(outcome, int):
                _native.close(outcome)
        raise
    finally:
        lib.openenv_queue_free(queue)
    return outcomes
