"""This desktop's own records beside a profile: ``team.json`` (the team database's address, without
its password) and ``desktop.json`` (the display name of the person at this computer).

Both are small JSON files in the profile's settings folder, readable by the user only (0600, the
folder 0700), written whole through a temporary file so a crash never leaves half of one. Neither
holds a secret: the team database's password is in the keyring. Only the standard library here:
a SQLite profile's start reads ``team.json``'s absence and nothing more.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from backorder_desktop.adapters.paths import PRIVATE_FILE_MODE
from backorder_desktop.adapters.paths import make_private_dir
from backorder_desktop.domain.errors import StorageError

TEAM_FILE = "team.json"
DESKTOP_FILE = "desktop.json"


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """What ``team.json`` holds."""

    url: str  # without its password
    team_name: str = ""


class DesktopFiles:
    """``team.json`` and ``desktop.json`` of one profile (its settings folder)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    @property
    def team_file(self) -> Path:
        return self._folder / TEAM_FILE

    def team(self) -> TeamRecord | None:
        """The team this profile belongs to, or None (a profile of its own, on SQLite)."""
        data = self._read(self.team_file)
        if data is None:
            return None
        url = data.get("url")
        if not isinstance(url, str) or not url:
            raise StorageError(
                f"{self.team_file} names no team database. Delete the file to use this computer's own "
                "database, or join the team again."
            )
        return TeamRecord(url=url, team_name=str(data.get("team_name", "")))

    def write_team(self, url: str, team_name: str) -> None:
        self._write(self.team_file, {"url": url, "team_name": team_name})

    def remove_team(self) -> None:
        self.team_file.unlink(missing_ok=True)

    def display_name(self) -> str:
        data = self._read(self._folder / DESKTOP_FILE) or {}
        name = data.get("display_name", "")
        return name if isinstance(name, str) else ""

    def set_display_name(self, name: str) -> None:
        data = self._read(self._folder / DESKTOP_FILE) or {}
        self._write(self._folder / DESKTOP_FILE, {**data, "display_name": name})

    def _read(self, path: Path) -> dict[str, object] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"Cannot read {path}: {exc.strerror or exc}. Fix its permissions.") from exc
        try:
            data = json.loads(text)
        except ValueError:
            raise StorageError(f"{path} is not valid JSON. Delete it and set it again.") from None
        if not isinstance(data, dict):
            raise StorageError(f"{path} is not valid. Delete it and set it again.")
        return data

    def _write(self, path: Path, data: dict[str, object]) -> None:
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            make_private_dir(path.parent)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2)
                out.write("\n")
            if hasattr(os, "chmod"):
                os.chmod(temporary, PRIVATE_FILE_MODE)  # an odd umask may have taken the user's bits
            os.replace(temporary, path)
        except OSError as exc:
            raise StorageError(
                f"Cannot write {path}: {exc.strerror or exc}. Fix the folder's permissions."
            ) from exc
