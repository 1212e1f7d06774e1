"""Background commands: ``service`` (the schedule without a window) and ``webhooks``.

``service`` runs exactly the schedule the window runs (``Profile.start_background``): polling,
the daily full sync in ``erp`` mode, the feed pull in ``api`` mode, retries, and the webhook
receiver when webhooks are set up, until Ctrl-C or SIGTERM; each finished run is printed as a line.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import run_line
from backorder_desktop.cli.common import when
from backorder_desktop.cli.notifications import notification_line
from backorder_desktop.domain.plurals import counted

if TYPE_CHECKING:  # annotations only: the command's module imports no service for them
    from backorder_desktop.services.profile import Profile
    from backorder_desktop.services.profile import WebhookReport

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _next_line(profile: Profile) -> str:
    upcoming = profile.next_run()
    if upcoming is None:
        return "Next scheduled run: none (paused)"
    return f"Next scheduled run: {when(upcoming.at)}, {upcoming.description}"


@click.command(short_help="Keep the catalog fresh without a window (the schedule).")
@click.option("--once", is_flag=True, help="Run what is due now (a missed daily sync too), then exit.")
@pass_options
def service(options: Options, once: bool) -> None:
    """Keep the catalog fresh without a window, on the same schedule, until Ctrl-C or SIGTERM."""
    with open_profile(options) as profile:
        profile.connected_store()  # NotConnected says how; a store given for this run is connected
        unsubscribe = profile.subscribe("run_finished", lambda run: click.echo(run_line(run)))
        # What the window's tray would show is printed (and logged by the notification service).
        quiet = profile.subscribe("notified", lambda told: click.echo(f"Told: {notification_line(told)}"))
        try:
            if once:
                claims = profile.run_due()
                due = f"{counted(len(claims), 'scheduled job')} {'was' if len(claims) == 1 else 'were'} due."
                click.echo(f"{due} {_next_line(profile)}")
                return
            _serve(profile)
        finally:
            unsubscribe()
            quiet()


def _serve(profile: Profile) -> None:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        receiver_url = profile.start_background()
        click.echo(f"Service running for {profile.status().store_hash}. Stop it with Ctrl-C.")
        click.echo(_next_line(profile))
        if receiver_url is not None:
            click.echo(f"Webhooks: listening on {receiver_url}")
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Stopping (a running sync is allowed to finish)…")
    profile.close()
    click.echo("Service stopped.")


@click.group(short_help="Optional webhooks: the store tells this app of changes.")
def webhooks() -> None:
    """Optional webhooks: the store tells this app of changes at once (needs a public https address)."""


def _report_json(report: WebhookReport) -> dict[str, object]:
    return {
        "public_url": report.public_url,
        "healthy": report.healthy,
        "missing": list(report.missing),
        "created": report.created,
        "updated": report.updated,
        "removed": report.removed,
        "reactivated": report.reactivated,
        "hooks": [
            {"scope": h.scope, "destination": h.destination, "is_active": h.active, "ours": h.current}
            for h in report.hooks
        ],
    }


def _print_report(profile: Profile, report: WebhookReport, as_json: bool) -> None:
    if as_json:
        echo_json(_report_json(report))
        return
    settings = profile.settings()
    click.echo(f"Public address: {report.public_url}")
    click.echo(
        f"Receiver: http://{settings.webhook_bind}:{settings.webhook_port}/ "
        "(your tunnel or relay forwards the public address here)"
    )
    for hook in report.hooks:
        state = "active" if hook.active else "DEACTIVATED"
        mark = "" if hook.current else " (not this app's current address)"
        click.echo(f"  {hook.scope:<18} {state:<11} → {hook.destination}{mark}")
    done = [
        f"{n} {what}"
        for n, what in (
            (report.created, "created"),
            (report.updated, "updated"),
            (report.removed, "old removed"),
            (report.reactivated, "turned back on"),
        )
        if n
    ]
    if done:
        click.echo("Changes: " + ", ".join(done) + ".")
    if report.missing:
        click.echo(f"Missing: {', '.join(report.missing)}: run `backorder-desktop webhooks setup`.")
    else:
        click.echo("Webhooks are set up. Polling stays on as the safety net.")


@webhooks.command("setup", short_help="Register the store's webhooks to the public address.")
@click.option("--json", "as_json", is_flag=True, help="Print the hooks as JSON.")
@pass_options
def webhooks_setup(options: Options, as_json: bool) -> None:
    """Register store/product/* and store/sku/* to the public address, with a secret header."""
    with open_profile(options) as profile:
        _print_report(profile, profile.setup_webhooks(), as_json)


@webhooks.command("status", short_help="List the hooks; turn deactivated ones back on.")
@click.option("--json", "as_json", is_flag=True, help="Print the hooks as JSON.")
@pass_options
def webhooks_status(options: Options, as_json: bool) -> None:
    """List the hooks; turn back on those the store deactivated after failed deliveries."""
    with open_profile(options) as profile:
        _print_report(profile, profile.webhook_health(), as_json)
