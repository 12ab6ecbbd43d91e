"""A server the engine started for one client, handed to that client as its ``provider``."""

from __future__ import annotations

from typing import Optional

from .connection import EngineConnection


class EngineServer:
    """The provider of a client whose server the engine started (``AutoEnv.from_env`` with no
    ``base_url``). The engine starts a server together with a first session on it, and stops
    the server with its last session; this object keeps that first session, which the
    client's first connect takes as its connection (:meth:`take`), and otherwise holds the
    server up until the client closes. The reference's clients call :meth:`stop` when they
    close, as they stop any provider's server."""

    def __init__(self, first_session: EngineConnection) -> None:
        self._first_session = first_session
        self._taken = False

    @property
    def base_url(self) -> str:
        """The server's base URL."""
        return self._first_session.base_url

    def take(self, uri: str) -> Optional[EngineConnection]:
        """The first session, once, for a connect to ``uri`` (the server's WebSocket URL);
        None if taken already, closed, or for another URL."""
        session = self._first_session
        if self._taken or session.uri != uri or not session.open:
            return None
        self._taken = True
        return session

    def stop(self) -> None:
        """Ends the first session unless the client took it (its close ends that), so the
        server stops once no session is left on it. Idempotent."""
        if not self._taken:
            self._first_session.abandon()

    def __repr__(self) -> str:
        return f"EngineServer({self._first_session.uri!r})"
