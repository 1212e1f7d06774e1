"""One window per profile (issue 8, item 4): a second start asks the first to come forward and exits.

``InstanceGuard(key)`` is built from the profile folder (the path given to ``run_window``) before
the profile is opened. ``claim()`` first tries to connect to the local server named after the key:
when one answers, it sends ``show`` and returns False (the caller exits with code 0); otherwise it
listens under that name and returns True, and each later ``show`` it receives emits
``show_requested``. A socket file left behind by a killed instance answers no connection, so it is
removed (``QLocalServer.removeServer``) and listened on again: it never blocks a new start.

If the guard cannot listen at all (an odd ``/tmp``), the window still opens: one instance per
profile is a convenience, and the database copes with several processes on its own.
"""

from __future__ import annotations

import getpass
import hashlib
import logging

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtNetwork import QLocalServer
from PySide6.QtNetwork import QLocalSocket

logger = logging.getLogger(__name__)

SERVER_PREFIX = "backorder-desktop-"
SHOW_MESSAGE = b"show\n"
CONNECT_TIMEOUT_MS = 1_000
WRITE_TIMEOUT_MS = 1_000


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown-user"


def server_name(key: str) -> str:
    """The local server's name for a profile: short, and distinct per user and per profile folder.

    (On Linux and macOS the name becomes a socket file in the temporary folder, shared by every
    user: the user name is part of the hash so that two users' profiles never meet.)
    """
    digest = hashlib.sha256(f"{_user()}\0{key}".encode()).hexdigest()[:16]
    return SERVER_PREFIX + digest


class InstanceGuard(QObject):
    """The first instance on a profile listens; a later one tells it to show itself."""

    show_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(key)
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def claim(self) -> bool:
        """True: this is the first instance (now listening). False: another one was told to show."""
        if self._ask_running_instance():
            logger.info("the profile is open in another window; asked it to come forward")
            return False
        server = QLocalServer(self)
        # Only this user may connect (the socket file is created with the user's rights only).
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_server_new_connection)
        if not server.listen(self.name):
            # Nothing answered, yet the name is taken: a socket file left by an instance that was
            # killed. Remove it and listen again.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                logger.info(
                    "one-window-per-profile check is off for this run (%s: %s)",
                    self.name,
                    server.errorString(),
                )
                return True
        self._server = server
        return True

    def close(self) -> None:
        """Stop listening (the socket file goes with it); a later start on the profile may listen."""
        # No deleteLater here or below: the connections are the server's children and the server
        # is ours, so Qt frees them with the guard (a deferred delete racing that crashed).
        clients, self._clients = self._clients, []
        for client in clients:
            client.abort()
        if self._server is not None:
            self._server.close()
            self._server = None

    def _ask_running_instance(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(SHOW_MESSAGE)
        socket.waitForBytesWritten(WRITE_TIMEOUT_MS)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(WRITE_TIMEOUT_MS)
        return True

    def _on_server_new_connection(self) -> None:
        server = self._server
        if server is None:
            return
        while server.hasPendingConnections():
            client = server.nextPendingConnection()
            if client is None:
                break
            self._clients.append(client)
            client.readyRead.connect(lambda client=client: self._read(client))
            client.disconnected.connect(lambda client=client: self._on_client_disconnected(client))
            self._read(client)  # the message may have arrived with the connection

    def _read(self, client: QLocalSocket) -> None:
        while client.canReadLine():
            line = bytes(client.readLine().data())
            if line == SHOW_MESSAGE:
                logger.info("another start on this profile: showing the window")
                self.show_requested.emit()

    def _on_client_disconnected(self, client: QLocalSocket) -> None:
        self._read(client)  # what was sent just before the peer hung up
        if client in self._clients:
            self._clients.remove(client)
