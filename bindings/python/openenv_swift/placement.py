"""Where a vector environment's sessions go: spread over the servers given, round-robin, each
server taking no more sessions than it has room for (the engine's ``openenv_open_placed``; see
openenv.h for how a server's room is found). With a provider, servers are added as room runs
out."""

from __future__ import annotations

import ctypes
import json
from typing import Any, Callable, Dict, List, Optional

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
        self._options = json.dumps(options).encode()
        self._grow = grow
        self._most_servers = most_servers

    def open(self, count: int) -> List[int]:
        """``count`` new session handles. Raises ``CapacityError`` (or the connection error, when
        no server answered at all) when the servers cannot hold ``count`` more and none may be
        added; nothing is left open then."""
        grown = 0
        while True:
            try:
                return _open_placed(self.urls, count, self._options)
            except OpenEnvError as error:
                if grown >= count or not self._may_grow(error):  # each new server takes one at least, or stops this
                    raise
            self.urls.append(self._grow())  # type: ignore[misc]
            grown += 1

    def _may_grow(self, error: OpenEnvError) -> bool:
        if self._grow is None:
            return False
        servers = error.details.get("servers", {}) if isinstance(error, CapacityError) else {}
        reachable = sum(state != "unreachable" for state in servers.values())
        return self._most_servers is None or reachable < self._most_servers


def _open_placed(urls: List[str], count: int, options: bytes) -> List[int]:
    lib = _native.library()
    given = (ctypes.c_char_p * len(urls))(*[url.encode() for url in urls])
    out = (ctypes.c_void_p * count)()
    status = lib.openenv_open_placed(given, len(urls), count, options, out)
    if status != _native.OK:
        _native._raise(lib, status)
    return [int(handle) for handle in out]
