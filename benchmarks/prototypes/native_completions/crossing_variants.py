"""Imported before openenv_swift is used, with OPENENV_PROTOTYPE naming a variant: puts that
variant of the awaited path's crossings under the binding's AsyncEngine (everything else, and
the library, as landed). A prototype for measurement only (see native_completions.py).

- ``native``: the extension's submit and drain (_native_completions.c);
- ``native-drain``: the extension's drain, submit through ctypes as landed;
- ``lean-drain``: the landed ctypes calls, the drain's Python made as lean as ctypes allows (the
  completions read by one ``struct.iter_unpack``, no ``Completion`` objects, no helper calls);
- ``packed-drain``: as lean-drain, over ``openenv_collect_texts`` (packed_drain.patch applied):
  the answers copied into one buffer, so no ``string_at`` and no free per answer.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import struct

from openenv_swift import _engine, _native

VARIANT = os.environ["OPENENV_PROTOTYPE"]
#: One ``openenv_completion`` as bytes: tag, status (and padding), json, error, env.
_FIELDS = struct.Struct("=QixxxxQQQ")
#: The packed drain's text buffer.
_TEXTS = 1 << 20
_landed_init = _engine.AsyncEngine.__init__
_landed_submit = _engine.AsyncEngine.submit


def _settle(self, entry, status, json_address, error_address, env_address):
    """A completion that is not a plain awaited answer, handed out as the landed drain does."""
    completion = _native.Completion(0, status, json_address or None, error_address or None, env_address or None)
    _engine.deliver(entry, _native.take_completion(self._lib, completion))


def _native_init(self, loop):
    import _native_completions

    _landed_init(self, loop)
    lib = self._lib
    address = lambda function: ctypes.cast(function, ctypes.c_void_p).value  # noqa: E731
    self._native_completions = _native_completions.Completions(
        self._queue.value, address(lib.openenv_submit), address(lib.openenv_collect), address(lib.openenv_string_free),
        loop.create_future, self._settle)
    self._futures = self._native_completions.futures  # one table for both kinds of request
    self._tags = itertools.count(1 << 62)  # the binding's own requests (opens, deferred) apart from the extension's
    loop.add_reader(self._descriptor, self._native_completions.drain)
    self._watching = True


def _native_submit(self, handle, op, payload, translate=None, deferred=False):
    if deferred:
        return _landed_submit(self, handle, op, payload, translate, deferred)
    future = self._native_completions.submit(handle, op, payload, translate)
    if future.__class__ is tuple:
        _native._raise(self._lib, future[0])
    return future


def _lean_init(self, loop):
    _landed_init(self, loop)
    self._fields_view = memoryview(self._completions).cast("B")
    self._count_ref = ctypes.byref(self._count)
    if VARIANT == "packed-drain":
        collect = self._collect_texts = self._lib.openenv_collect_texts
        collect.argtypes = [ctypes.c_void_p, ctypes.POINTER(_native.Completion), ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                            ctypes.c_double, ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t)]
        collect.restype = ctypes.c_int
        self._texts = ctypes.create_string_buffer(_TEXTS)
        self._texts_base = ctypes.addressof(self._texts)
        self._texts_view = memoryview(self._texts).cast("B")
        self._used = ctypes.c_size_t()
        self._used_ref = ctypes.byref(self._used)


def _lean_drain(self):
    futures, count, packed = self._futures, self._count, VARIANT == "packed-drain"
    string_at, free = ctypes.string_at, self._lib.openenv_string_free
    base = self._texts_base if packed else -1
    while True:
        if packed:
            self._collect_texts(self._queue, self._completions, _engine._BATCH, base, _TEXTS, 0.0, self._count_ref, self._used_ref)
            blob = self._texts_view[:self._used.value].tobytes()
        else:
            self._lib.openenv_collect(self._queue, self._completions, _engine._BATCH, 0.0, self._count_ref)
        for tag, status, text, error, env in _FIELDS.iter_unpack(self._fields_view[:count.value * _FIELDS.size]):
            entry = futures.pop(tag, None)
            if status != 0 or not text:
                _settle(self, entry, status, text, error, env)
                continue
            if packed and base <= text < base + _TEXTS:
                start = text - base
                answer = blob[start:blob.index(0, start)].decode("utf-8")
            else:
                answer = string_at(text).decode("utf-8")
                free(text)
            if entry is not None and not entry[0].done():
                entry[0].set_result(answer)
        if count.value < _engine._BATCH:
            break


_engine.AsyncEngine._settle = _settle
if VARIANT in ("native", "native-drain"):
    _engine.AsyncEngine.__init__ = _native_init
    if VARIANT == "native":
        _engine.AsyncEngine.submit = _native_submit
elif VARIANT in ("lean-drain", "packed-drain"):
    _engine.AsyncEngine.__init__ = _lean_init
    _engine.AsyncEngine._drain = _lean_drain
else:
    raise ValueError(f"OPENENV_PROTOTYPE={VARIANT!r}: pass native, native-drain, lean-drain or packed-drain")
