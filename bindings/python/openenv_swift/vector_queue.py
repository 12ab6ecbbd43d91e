"""The engine queue a vector environment's sessions belong to, and its rounds of requests.

The queue is an event-loop queue (``openenv_queue_new_inline``) driven by whichever thread calls
the vector environment: a request is written by the call that submits it, and ``collect``
reads the answers on the calling thread while it waits (with the GIL released), so a round of
requests never hands work to the engine's I/O thread and back. On a busy machine each such
hand-off waits for the scheduler. Between calls, the engine's I/O thread keeps the idle sessions
alive.

A round (``VectorQueue.round``) writes its requests one by one, so the servers start on the
first while the others go out, and parses each answer as it arrives, while the servers still
work on the others; the results come back in the order of the requests.
"""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, List, Tuple

from . import _native

#: Or'ed into a round's tags, so that a round tells its answers from send/recv's.
_ROUND = 1 << 62


class VectorQueue:
    """One vector environment's queue. Not for two threads at once (as a vector environment)."""

    def __init__(self) -> None:
        self._lib = _native.library()
        self.pointer = ctypes.c_void_p()
        status = self._lib.openenv_queue_new_inline(ctypes.byref(self.pointer))
        if status != _native.OK:
            _native._raise(self._lib, status)
        self._count = ctypes.c_size_t()
        #: Where collect writes completions: kept, and grown as needed, as making one per
        #: collect costs as much as the collect.
        self._completions = (_native.Completion * 64)()
        #: Completions of send/recv requests that a round's collect took, for the next recv.
        self._early: List[Tuple[int, Any]] = []

    def open_from_env(self, name: str, launch: Dict[str, Any], count: int) -> List[int]:
        """``count`` sessions of environment ``name`` on servers found or started as
        ``from_env`` does (one after the other, as a shared server's room is only known once a
        session has joined it); none is left open if one fails."""
        handles: List[int] = []
        options = json.dumps(launch).encode()
        try:
            for index in range(count):
                status = self._lib.openenv_submit_open(self.pointer, _native.OPEN_FROM_ENV, name.encode("utf-8", "surrogatepass"),
                                                       options, _ROUND | index)
                if status != _native.OK:
                    _native._raise(self._lib, status)
                outcome = self._collect_round(1)[0][1]
                if isinstance(outcome, Exception):
                    raise outcome
                handles.append(outcome)
        except BaseException:
            for handle in handles:
                _native.close(handle)
            raise
        return handles

    def open_placed(self, urls: List[str], count: int, options: bytes) -> List[int]:
        """``count`` sessions spread over ``urls`` by their room (``openenv_queue_open_placed``)."""
        given = (ctypes.c_char_p * len(urls))(*[url.encode() for url in urls])
        out = (ctypes.c_void_p * count)()
        status = self._lib.openenv_queue_open_placed(self.pointer, given, len(urls), count, options, out)
        if status != _native.OK:
            _native._raise(self._lib, status)
        return [int(handle) for handle in out]

    def round(self, handles: List[int], frames: List[bytes], parse: Callable[[Any], Any]) -> Tuple[List[Any], Dict[int, Exception]]:
        """Sends ``frames`` (whole messages, one per session of ``handles``, in order) and waits
        for every answer, parsing each (``parse`` of its ``data``) as it comes. Returns the
        results in order (None where a request failed) and the failures by index; a failure
        never stops the others."""
        submit, pointer = self._lib.openenv_submit, self.pointer
        failures: Dict[int, Exception] = {}
        sent = 0
        for index, frame in enumerate(frames):
            status = submit(handles[index], pointer, _native.OP_MESSAGE, frame, _ROUND | index)
            if status == _native.OK:
                sent += 1
            else:  # a handle closed under us: that session fails, the others go on
                failures[index] = _native.exception(status, self._lib.openenv_last_error().decode("utf-8", "replace"))
        results: List[Any] = [None] * len(handles)
        while sent:
            arrived = self._collect_round(sent)
            sent -= len(arrived)
            texts = [(index, outcome) for index, outcome in arrived if not isinstance(outcome, Exception)]
            failures.update((index, outcome) for index, outcome in arrived if isinstance(outcome, Exception))
            # One json.loads for all that arrived together costs half as much as one each;
            # the engine has checked each answer to be one whole JSON object.
            answers = json.loads("[" + ",".join(text for _, text in texts) + "]") if texts else []
            for (index, _), answer in zip(texts, answers):
                try:
                    results[index] = parse(answer.get("data", {}))
                except Exception as error:  # the package's parser refused this answer: that env's failure
                    failures[index] = error
        return results, failures

    def submit(self, handle: int, frame: bytes, tag: int) -> None:
        """Sends one whole message without waiting (send/recv's); its completion carries ``tag``."""
        status = self._lib.openenv_submit(handle, self.pointer, _native.OP_MESSAGE, frame, tag)
        if status != _native.OK:
            _native._raise(self._lib, status)

    def collect(self, wanted: int, timeout: float) -> List[Tuple[int, Any]]:
        """Up to ``wanted`` send/recv completions as (tag, result text or exception), waiting up
        to ``timeout`` seconds (negative: no limit) for the first when none has come."""
        early, self._early = self._early[:wanted], self._early[wanted:]
        if early:
            return early
        return self._take(wanted, timeout)

    def _collect_round(self, wanted: int) -> List[Tuple[int, Any]]:
        """At least one of a round's completions (at most ``wanted``), as (index, outcome);
        send/recv completions that come meanwhile are kept for ``collect``."""
        while True:
            arrived = []
            for tag, outcome in self._take(wanted, -1.0):
                if tag & _ROUND:
                    arrived.append((tag & ~_ROUND, outcome))
                else:
                    self._early.append((tag, outcome))
            if arrived:
                return arrived

    def _take(self, wanted: int, timeout: float) -> List[Tuple[int, Any]]:
        if wanted > len(self._completions):
            self._completions = (_native.Completion * wanted)()
        completions, lib = self._completions, self._lib
        lib.openenv_collect(self.pointer, completions, max(1, wanted), timeout, ctypes.byref(self._count))
        return [(int(completion.tag), _native.take_completion(lib, completion)) for completion in completions[:self._count.value]]

    def free(self) -> None:
        """Releases the queue (idempotent); close its sessions first."""
        if self.pointer:
            self._lib.openenv_queue_free(self.pointer)
            self.pointer = ctypes.c_void_p()
