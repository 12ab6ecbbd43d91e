"""Where a vector environment's sessions go: spread over the servers given, each server taking
no more sessions than it has room for (the engine's ``openenv_queue_open_placed``; see openenv.h
for how a server's room is found). With a provider, servers are added as room runs out."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

from .errors import CapacityError, OpenEnvError
from .vector_queue import VectorQueue


class Placement:
    """Opens sessions over ``urls`` (the engine's session ``options`` for each), belonging to
    ``queue`` (the vector environment's). With ``grow``, a server is added (``grow()`` starts
    one and returns its URL) whenever none has room, as long as fewer than ``most_servers`` (no
    limit when None) can still be reached: a fleet of a fixed size replaces the servers it loses
    but does not grow past its size."""

    def __init__(self, urls: List[str], options: Dict[str, Any], queue: VectorQueue, grow: Optional[Callable[[], str]] = None,
                 most_servers: Optional[int] = None) -> None:
        self.urls = list(urls)
        self._options = json.dumps(options).encode()
        self._queue = queue
        self._grow = grow
        self._most_servers = most_servers

    def open(self, count: int) -> List[int]:
        """``count`` new session handles. Raises ``CapacityError`` (or the connection error, when
        no server answered at all) when the servers cannot hold ``count`` more and none may be
        added; nothing is left open then."""
        grown = 0
        while True:
            try:
                return self._queue.open_placed(self.urls, count, self._options)
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

