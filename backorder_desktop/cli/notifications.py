"""``notifications``: what the app told the merchant (the tray's messages), headless."""

from __future__ import annotations

import click

from backorder_desktop.cli.common import Options
from backorder_desktop.cli.common import echo_json
from backorder_desktop.cli.common import open_profile
from backorder_desktop.cli.common import pass_options
from backorder_desktop.cli.common import when
from backorder_desktop.domain.notifications import Notification
from backorder_desktop.domain.plurals import counted


def notification_line(notification: Notification) -> str:
    """One notification as ``service`` and ``notifications`` print it."""
    return f"{when(notification.at)}  {notification.title}: {notification.text}"


@click.command(short_help="List what the app told you (limits, dates, orders, failed syncs).")
@click.option("--all", "everything", is_flag=True, help="Read ones too (newest 200).")
@click.option("--mark-read", is_flag=True, help="Mark the ones listed read.")
@click.option("--json", "as_json", is_flag=True, help="Print them as a JSON list.")
@pass_options
def notifications(options: Options, everything: bool, mark_read: bool, as_json: bool) -> None:
    """The notifications not read yet, newest first (with --all, read ones too): limits reached,
    purchasing disabled or enabled again, expected dates passed, orders arrived, syncs failed.
    Each kind can be switched off: settings set notify-<kind> off."""
    with open_profile(options) as profile:
        listed = profile.notifications(unread_only=not everything)
        if mark_read:
            profile.mark_notifications_read([n.id for n in listed if not n.read])
        if as_json:
            echo_json([n.as_json() for n in listed])
            return
        if not listed:
            click.echo("No unread notifications." if not everything else "No notifications.")
            return
        for notification in listed:
            mark = "" if notification.read else "• "
            click.echo(f"{mark}{notification_line(notification)}")
        if mark_read:
            click.echo(f"Marked {counted(len([n for n in listed if not n.read]), 'notification')} read.")
