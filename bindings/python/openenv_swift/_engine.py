"""Engine requests awaited from asyncio without a thread per call.

Each event loop gets one engine completion queue, an inline one: the sessions opened through
it have their bytes moved on the event loop's own thread, so an answer wakes that thread only
(not the engine's I/O thread first, then this one). A request to such a session is written by
the call that submits it, which returns at once, as a socket's ``send`` would. A session the
engine's I/O thread moves (one opened blocking) has its requests deferred instead: those of
one pass of the event loop (the tasks it woke) cost that thread one wake-up, by one call
scheduled after them. The queue's descriptor is watched with
``loop.add_reader``: it turns readable when answers arrive (or a deadline or keep-alive ping is
due), and one call then reads them and collects every finished completion, each handed to the
future waiting for it. The descriptor stays watched from the first request on (it is readable
only while there is something to do): un-watching it whenever no request waits cost two
``epoll_ctl`` calls a step to a single awaited session. A cancelled await leaves its request to
finish on the wire; the answer is then dropped, so it can never be mistaken for another
request's.
"""

from __future__ import annotations

import ctypes
import itertools
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

if TYPE_CHECKING:
    import asyncio

from . import _native

_BATCH = 256

#: What a failed request's future gets instead of the engine's exception (None: that exception).
Translation = Optional[Callable[[Exception], Exception]]


class AsyncEngine:
    """The engine's completions, delivered to one event loop's futures."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        lib = _native.library()
        queue = ctypes.c_void_p()
        status = lib.openenv_queue_new_inline(ctypes.byref(queue))
        if status != _native.OK:
            _native._raise(lib, status)
        descriptor = ctypes.c_int()
        lib.openenv_queue_fd(queue, ctypes.byref(descriptor))
        self._lib = lib
        self._loop = loop
        self._queue = queue
        self._descriptor = descriptor.value
        self._futures: Dict[int, Tuple[asyncio.Future, Translation]] = {}
        self._tags = itertools.count(1)
        self._completions = (_native.Completion * _BATCH)()
        self._count = ctypes.c_size_t()
        self._submit = lib.openenv_submit
        self._flush_scheduled = False
        self._watching = False
        self._release = weakref.finalize(self, lib.openenv_queue_free, queue.value)

    def submit(self, handle: int, op: int, payload: Optional[bytes], translate: Translation = None,
               deferred: bool = False) -> asyncio.Future:
        """Sends ``op`` on session ``handle``; the future gets the result's JSON text, or the
        engine's exception (passed through ``translate`` when given). ``deferred``: the
        session's bytes are moved by the engine's I/O thread, woken once for all the requests
        deferred in this pass of the event loop."""
        tag = next(self._tags)
        status = self._submit(handle, self._queue, op | _native.SUBMIT_DEFERRED if deferred else op, payload, tag)
        if status != _native.OK:
            _native._raise(self._lib, status)
        if deferred and not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        return self._expect(tag, translate)

    def open(self, how: int, target: str, options: str) -> asyncio.Future:
        """Opens a session without blocking; the future gets its handle."""
        tag = next(self._tags)
        status = self._lib.openenv_submit_open(self._queue, how, target.encode("utf-8", "surrogatepass"), options.encode(), tag)
        if status != _native.OK:
            _native._raise(self._lib, status)
        return self._expect(tag, None)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._lib.openenv_submit_flush()

    def loop_closed(self) -> bool:
        """Whether this engine's event loop has closed (its futures can no longer be awaited).
        A closed loop's queue is released at once, so that the engine's I/O thread moves the
        bytes of the sessions opened through it from then on (for use from another loop)."""
        if not self._loop.is_closed():
            return False
        self._release()
        return True

    def _expect(self, tag: int, translate: Translation) -> asyncio.Future:
        future = self._loop.create_future()
        self._futures[tag] = (future, translate)
        if not self._watching:
            self._loop.add_reader(self._descriptor, self._drain)
            self._watching = True
        return future

    def _drain(self) -> None:
        lib, completions, count, futures = self._lib, self._completions, self._count, self._futures
        while True:
            lib.openenv_collect(self._queue, completions, _BATCH, 0.0, ctypes.byref(count))
            for index in range(count.value):
                completion = completions[index]
                deliver(futures.pop(completion.tag, None), _native.take_completion(lib, completion))
            if count.value < _BATCH:
                break


def deliver(waiting: Optional[Tuple[asyncio.Future, Translation]], outcome: Any) -> None:
    """Hands a completion's outcome (an answer, a session's handle, or an exception) to the
    future ``waiting`` for it with its translation; an opened session nobody waits for any
    more is closed, any other outcome nobody waits for dropped."""
    future, translate = waiting if waiting is not None else (None, None)
    if future is None or future.done():
        if isinstance(outcome, int):
            _native.close(outcome)
        return
    if isinstance(outcome, Exception):
        future.set_exception(translate(outcome) if translate else outcome)
    else:
        future.set_result(outcome)


def engine() -> AsyncEngine:
    """The running event loop's engine."""
    import asyncio  # not at the top: importing the package must not pay for asyncio

    loop = asyncio.get_running_loop()
    found = getattr(loop, "_openenv_swift_engine", None)
    if found is None:
        found = AsyncEngine(loop)
        loop._openenv_swift_engine = found  # type: ignore[attr-defined]  # lives and dies with its loop
    return found
