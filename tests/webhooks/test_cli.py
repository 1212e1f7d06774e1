"""``backorder-desktop webhooks setup|status``, the real command in a subprocess (``--demo``: the
demo store in that process and a session-only secret store, so no keyring is needed)."""

from __future__ import annotations

from tests.integration.cli_runner import run_cli


def test_webhooks_setup_then_status_and_without_an_address(home: str) -> None:
    saved = run_cli(home, "--demo", "settings", "set", "webhook-public-url", "https://relay.example/bd")
    assert saved.code == 0, saved.stderr

    setup = run_cli(home, "--demo", "webhooks", "setup")
    assert setup.code == 0, setup.stderr
    assert "store/product/*    active      → https://relay.example/bd" in setup.stdout
    assert "store/sku/*        active      → https://relay.example/bd" in setup.stdout
    assert "store/order/*      active      → https://relay.example/bd" in setup.stdout
    assert "Changes: 3 created." in setup.stdout and "Polling stays on" in setup.stdout

    # Each --demo run starts a fresh demo store: this one has no hooks yet.
    status = run_cli(home, "--demo", "webhooks", "status", "--json").json()
    assert status["public_url"] == "https://relay.example/bd"
    assert status["healthy"] is False and status["missing"] == [
        "store/product/*",
        "store/sku/*",
        "store/order/*",
    ]

    refused = run_cli(home, "--demo", "settings", "set", "webhook-public-url", "http://relay.example/bd")
    assert refused.code != 0 and "only to https://" in refused.stderr

    unset = run_cli(home, "webhooks", "status")
    assert unset.code == 1
    assert "webhook-public-url" in unset.stderr
