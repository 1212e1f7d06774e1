"""Keyring fixtures (filled in with the secret store)."""
