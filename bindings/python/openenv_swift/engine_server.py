"""A server the engine started for one client, handed to that client as its ``provider``."""

from __future__ import annotations

from typing import Optional

from . import _native
from .connection import EngineConnection


class EngineServer:
    """The provider of a client whose server the engine started (``AutoEnv.from_env`` with no
    ``base_url``). The engine starts a server together with a first session on it, and stops
    the server with its last session. This object keeps that session, so the server runs
    and the client's slot on it is kept, until the client closes:

    - the client's first connect to the session's own URL takes the session as its
      connection (:meth:`take`): the environment is not made twice;
    - a connect elsewhere (an MCP client's ``?session_id=`` URL, an HTTP session made first)
      has the session hung up first (:meth:`make_room`), freeing the slot but keeping the
      server;
    - the reference's clients call :meth:`stop` when they close, as for any provider.
    """

    def __init__(self, handle: int) -> None:
        self._first_session = EngineConnection(handle, "")
        self._taken = False
        self._hung_up = False
        #: The server's base URL.
        self.base_url = self._first_session.base_url

    def expect(self, uri: str) -> None:
        """Sets the WebSocket URL the client will connect to (its ``_ws_url``)."""
        self._first_session.uri = uri

    def take(self, uri: str) -> Optional[EngineConnection]:
        """The first session, once, for a connect to its own ``uri``; else None."""
        session = self._first_session
        if self._taken or self._hung_up or session.uri != uri or not session.open:
            return None
        self._taken = True
        return session

    async def make_room(self) -> None:
        """Hangs the first session up unless the client took it, freeing its slot on the
        server for another connection; the server keeps running. Idempotent. Waits for the
        server to let the session go on a worker thread, not on the event loop."""
        import asyncio

        handle = self._first_session.handle
        if not self._taken and not self._hung_up and handle is not None:
            self._hung_up = True
            await asyncio.get_running_loop().run_in_executor(None, _native.hang_up, handle)

    def stop(self) -> None:
        """Lets the server go, unless the client took the first session (closing that
        connection does it): the server stops once no session is left on it. Idempotent."""
        if not self._taken:
            self._first_session.abandon()

    def __repr__(self) -> str:
        return f"EngineServer({self.base_url!r}, taken={self._taken})"
