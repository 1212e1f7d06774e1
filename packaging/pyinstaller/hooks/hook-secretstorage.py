"""PyInstaller hook for SecretStorage, the Secret Service client under keyring's Linux backend.

keyring imports it inside a ``try`` block and treats an ImportError as "no Secret Service", so a
missing piece would silently leave the frozen app without a keyring. Its D-Bus session encryption
lives in ``dhcrypto`` (cryptography) and its transport in ``jeepney.io.blocking``; the metadata
goes along so that ``keyring --list-backends``-style checks and version lookups keep working.
"""

from __future__ import annotations

from PyInstaller.utils.hooks import copy_metadata

hiddenimports = [
    "secretstorage.dhcrypto",
    "secretstorage.collection",
    "secretstorage.item",
    "jeepney.io.blocking",
    "jeepney.bus_messages",
]
datas = copy_metadata("SecretStorage") + copy_metadata("jeepney")
