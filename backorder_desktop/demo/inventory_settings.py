"""``/v3/settings/inventory``: the store-wide inventory behaviour, globally and per channel (settings.v3.yml).

Orders read ``update_stock_behavior``, ``edit_order_stock_adjustment`` and
``refund_order_stock_adjustment`` from here (notes §5.3, §6.3). A channel's value ``None`` means
"inherits the global setting"; demo orders are placed on channel 1.
"""

from __future__ import annotations

import threading
from typing import Any

from backorder_desktop.demo.errors import ValidationError

_ENUMS: dict[str, tuple[str, ...]] = {
    "product_out_of_stock_behavior": (
        "do_nothing",
        "hide_product",
        "hide_product_and_accessible",
        "hide_product_and_redirect",
    ),
    "option_out_of_stock_behavior": ("do_nothing", "hide_option", "label_option"),
    "update_stock_behavior": ("order_placed", "order_completed_or_shipped"),
    "stock_level_display": ("dont_show", "show", "show_when_low"),
}
_FLAGS = (
    "edit_order_stock_adjustment",
    "refund_order_stock_adjustment",
    "hide_in_product_filtering",
    "show_pre_order_stock_levels",
    "show_out_of_stock_message",
)
DEFAULTS: dict[str, Any] = {
    "product_out_of_stock_behavior": "do_nothing",
    "option_out_of_stock_behavior": "do_nothing",
    "update_stock_behavior": "order_placed",
    "edit_order_stock_adjustment": True,
    "refund_order_stock_adjustment": True,
    "stock_level_display": "dont_show",
    "default_out_of_stock_message": "Currently out of stock",
    "hide_in_product_filtering": False,
    "show_pre_order_stock_levels": False,
    "show_out_of_stock_message": False,
}
ORDER_CHANNEL = 1


def _clean(body: object, *, channel: bool) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationError("JSON data is missing or is invalid", errors={"body": "must be an object"})
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in body.items():
        if name not in DEFAULTS:
            continue  # unknown fields are ignored, as elsewhere in the API
        if value is None:
            if channel:
                clean[name] = None  # back to the global value
            else:
                errors[name] = f"{name} cannot be null for the global settings"
        elif name in _ENUMS and value not in _ENUMS[name]:
            errors[name] = f"{name} must be one of: {', '.join(_ENUMS[name])}"
        elif name in _FLAGS and not isinstance(value, bool):
            errors[name] = f"{name} must be a boolean"
        elif name == "default_out_of_stock_message" and not isinstance(value, str):
            errors[name] = f"{name} must be a string"
        else:
            clean[name] = value
    if errors:
        raise ValidationError("Provided settings could not be applied", errors=errors)
    return clean


class InventorySettings:
    """The store's inventory settings (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._global: dict[str, Any] = dict(DEFAULTS)
        self._channels: dict[int, dict[str, Any]] = {}

    def read(self, channel_id: int | None = None) -> dict[str, Any]:
        """The global values, or a channel's overrides (``None`` where it inherits)."""
        with self._lock:
            if channel_id is None:
                return dict(self._global)
            over = self._channels.get(channel_id, {})
            return {name: over.get(name) for name in DEFAULTS}

    def update(self, body: object, channel_id: int | None = None) -> dict[str, Any]:
        clean = _clean(body, channel=channel_id is not None)
        with self._lock:
            if channel_id is None:
                self._global.update(clean)
            else:
                over = self._channels.setdefault(channel_id, {})
                for name, value in clean.items():
                    if value is None:
                        over.pop(name, None)
                    else:
                        over[name] = value
        return self.read(channel_id)

    def effective(self, name: str, channel_id: int = ORDER_CHANNEL) -> Any:
        """What applies to an order of ``channel_id``: its override, else the global value."""
        with self._lock:
            value = self._channels.get(channel_id, {}).get(name)
            return self._global[name] if value is None else value
