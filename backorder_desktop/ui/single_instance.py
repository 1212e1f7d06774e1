"""One window per profile: a second start asks the first to come forward and exits.

``InstanceGuard(key)`` is built from the profile folder (the path given to ``run_window``) before
the profile is opened. ``claim()`` first tries to connect to the local server named after the key:
when one answers, it sends ``show`` and returns False (the caller exits with code 0); otherwise it
listens under that name and returns True, and each later ``show`` it receives emits
``show_requested``. A socket file left behind by a killed instance answers no connection, so it is
removed (``QLocalServer.removeServer``) and listened on again: it never blocks a new start.

**Only this user's instances count**. On Linux and macOS the socket is a file
in a folder only this user can enter (``runtime_folder``): ``$XDG_RUNTIME_DIR/backorder-desktop``
when ``XDG_RUNTIME_DIR`` is ours with mode 0700, else ``backorder-desktop-<uid>`` in the
temporary folder, made 0700 and checked to be ours. In the shared temporary folder under a
predictable name, another user could create the socket first and every start would exit
silently. Where the peer's user id can be asked (Linux: ``SO_PEERCRED``), a server of another user
is not obeyed but ignored, and a client of another user is not listened to. When no private folder
can be had (another user made ``backorder-desktop-<uid>`` first), the check is off for the run and
the log says why. On Windows the name is a named pipe that ``UserAccessOption`` keeps to the user.

If the guard cannot listen at all (an odd ``/tmp``), the window still opens: one instance per
profile is a convenience, and the database copes with several processes on its own.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import socket
import stat
import struct
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtCore import Signal
from PySide6.QtNetwork import QLocalServer
from PySide6.QtNetwork import QLocalSocket

logger = logging.getLogger(__name__)

SERVER_PREFIX = "backorder-desktop-"
SHOW_MESSAGE = b"show\n"
CONNECT_TIMEOUT_MS = 1_000
WRITE_TIMEOUT_MS = 1_000
RUNTIME_SUBFOLDER = "backorder-desktop"
# A socket path must fit sockaddr_un.sun_path: 108 bytes on Linux, 104 on macOS (with its NUL).
MAX_SOCKET_PATH = 100
_OTHERS = 0o077


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        return "unknown-user"


def server_name(key: str) -> str:
    """The local server's name for a profile: short, and distinct per user and per profile folder.

    (On Linux and macOS the socket file of that name sits in the user's own runtime folder,
    ``socket_path``; the user name in the hash also keeps two users' names apart on Windows.)
    """
    digest = hashlib.sha256(f"{_user()}\0{key}".encode()).hexdigest()[:16]
    return SERVER_PREFIX + digest


def _uid() -> int:
    return os.geteuid()  # POSIX only: not called on Windows


def _private_folder(folder: Path, *, create: bool) -> str | None:
    """None when ``folder`` is a folder of ours that only we can enter; else what is wrong with it."""
    if create:
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            return f"it cannot be created ({exc.strerror or exc})"
    try:
        info = folder.lstat()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    if info.st_uid != _uid():
        return f"it belongs to another user (uid {info.st_uid})"
    if stat.S_IMODE(info.st_mode) & _OTHERS:
        if not create:
            return "other users may enter it"
        try:
            os.chmod(folder, 0o700)  # ours (mkdir honours the umask): make it private
        except OSError as exc:
            return f"it cannot be made private ({exc.strerror or exc})"
    return None


def runtime_folder() -> Path | None:
    """The folder for this user's sockets (see the module docstring); None when there is none.

    Checked on every call: it is created 0700 when missing and must belong to this user.
    """
    if sys.platform == "win32":
        return None
    problems: list[str] = []
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    candidates: list[Path] = []
    if base and os.path.isabs(base):
        why = _private_folder(Path(base), create=False)
        if why is None:
            candidates.append(Path(base) / RUNTIME_SUBFOLDER)
        else:
            problems.append(f"XDG_RUNTIME_DIR {base}: {why}")
    candidates.append(Path(tempfile.gettempdir()) / f"{RUNTIME_SUBFOLDER}-{_uid()}")
    for folder in candidates:
        if len(str(folder)) + 1 + len(SERVER_PREFIX) + 16 > MAX_SOCKET_PATH:
            problems.append(f"{folder}: the path is too long for a socket")
            continue
        why = _private_folder(folder, create=True)
        if why is None:
            return folder
        problems.append(f"{folder}: {why}")
    logger.warning(
        "one-window-per-profile check is off for this run: no folder only you can use for its "
        "socket (%s). If another user made that folder, remove it or set XDG_RUNTIME_DIR.",
        "; ".join(problems),
    )
    return None


def socket_path(key: str) -> Path | None:
    """Where the guard of the profile ``key`` listens (Linux, macOS); None when it cannot."""
    folder = runtime_folder()
    return None if folder is None else folder / server_name(key)


def peer_uid(descriptor: int) -> int | None:
    """The user id of the process at the other end of a local socket, or None where it cannot
    be asked (only Linux has ``SO_PEERCRED``; elsewhere the private folder keeps others out)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or descriptor < 0:
        return None
    try:
        with socket.fromfd(descriptor, socket.AF_UNIX, socket.SOCK_STREAM) as duplicate:
            raw = duplicate.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    except OSError:
        return None
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def _is_other_user(local: QLocalSocket) -> int | None:
    """The peer's uid when it is another user's, else None (ours, or unknown)."""
    uid = peer_uid(int(local.socketDescriptor()))
    if uid is None or uid == _uid():
        return None
    return uid


class InstanceGuard(QObject):
    """The first instance on a profile listens; a later one tells it to show itself."""

    show_requested = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(key)
        """The server's name: a full socket path on Linux and macOS (see ``socket_path``)."""
        self._enabled = True
        if sys.platform != "win32":
            path = socket_path(key)
            self._enabled = path is not None
            if path is not None:
                self.name = str(path)
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def claim(self) -> bool:
        """True: this is the first instance (now listening). False: another one was told to show."""
        if not self._enabled:
            return True  # runtime_folder() logged why
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
        local = QLocalSocket()
        local.connectToServer(self.name)
        if not local.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        other = _is_other_user(local)
        if other is not None:
            logger.warning(
                "a program of another user (uid %s) listens at %s; ignored, this window opens",
                other,
                self.name,
            )
            local.abort()
            return False
        local.write(SHOW_MESSAGE)
        local.waitForBytesWritten(WRITE_TIMEOUT_MS)
        local.disconnectFromServer()
        if local.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            local.waitForDisconnected(WRITE_TIMEOUT_MS)
        return True

    def _on_server_new_connection(self) -> None:
        server = self._server
        if server is None:
            return
        while server.hasPendingConnections():
            client = server.nextPendingConnection()
            if client is None:
                break
            other = _is_other_user(client)
            if other is not None:
                logger.warning("ignored a connection from another user (uid %s) at %s", other, self.name)
                client.abort()
                continue
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
