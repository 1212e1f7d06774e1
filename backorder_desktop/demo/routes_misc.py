"""Store information (v2), Inventory API adjustments and webhook endpoints (reads: ``inventory_routes``)."""

from __future__ import annotations

import time
import uuid

from backorder_desktop.demo.context import Reply
from backorder_desktop.demo.context import Request
from backorder_desktop.demo.context import StoreContext
from backorder_desktop.demo.context import json_reply
from backorder_desktop.demo.params import pagination
from backorder_desktop.demo.routes_catalog import path_id


def store_info(ctx: StoreContext, _req: Request, _params: list[str]) -> Reply:
    """``GET /v2/store``: a flat object (not a v3 envelope)."""
    domain = f"{ctx.store_hash}.demo-store.example"
    return json_reply(
        {
            "id": ctx.store_hash,
            "account_uuid": str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)),
            "domain": domain,
            "secure_url": f"https://{domain}",
            "control_panel_base_url": f"https://store-{ctx.store_hash}.mybigcommerce.com",
            "status": "live",
            "name": "BackOrder Demo Store",
            "first_name": "Dana",
            "last_name": "Demo",
            "address": "1 Demo Street, Austin, Texas 78701",
            "country": "United States",
            "country_code": "US",
            "infrastructure_region": "us-central1",
            "phone": "555-0100",
            "admin_email": "owner@demo-store.example",
            "order_email": "orders@demo-store.example",
            "favicon_url": "",
            "timezone": {
                "name": "Etc/UTC",
                "raw_offset": 0,
                "dst_offset": 0,
                "dst_correction": False,
                "date_format": {
                    "display": "M jS Y",
                    "export": "M jS Y",
                    "extended_display": "M jS Y @ g:i A",
                },
            },
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "LBS",
            "dimension_units": "Inches",
            "dimension_decimal_places": 2,
            "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
            "plan_name": "Standard",
            "plan_level": "Standard",
            "plan_is_trial": False,
            "industry": "Retail",
            "logo": [],
            "is_price_entered_with_tax": False,
            "store_id": ctx.store_id,
            "default_channel_id": 1,
            "default_site_id": 1000,
            "active_comparison_modules": [],
            "features": {
                "stencil_enabled": True,
                "sitewidehttps_enabled": True,
                "facebook_catalog_id": "",
                "checkout_type": "optimized",
                "wishlists_enabled": True,
                "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": True,
                "multi_storefront_enabled": False,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
        }
    )


def server_time(_ctx: StoreContext, _req: Request, _params: list[str]) -> Reply:
    return json_reply({"time": int(time.time())})


def _adjust(ctx: StoreContext, req: Request, *, relative: bool) -> Reply:
    ctx.catalog.adjust_inventory(req.json(), relative=relative)
    return json_reply({"transaction_id": str(uuid.uuid4())})


def adjust_absolute(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    return _adjust(ctx, req, relative=False)


def adjust_relative(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    return _adjust(ctx, req, relative=True)


def list_hooks(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    query = req.query
    page, limit = query.paging(max_limit=None, clamp_to=250)
    hooks = ctx.hooks.list_for(
        req.client_id,
        is_active=query.boolean("is_active"),
        scope=query.text("scope"),
        destination=query.text("destination"),
    )
    data = [h.as_dict() for h in hooks[(page - 1) * limit : page * limit]]
    meta = pagination(query, total=len(hooks), count=len(data), page=page, limit=limit)
    return json_reply({"data": data, "meta": {"pagination": meta}})


def create_hook(ctx: StoreContext, req: Request, _params: list[str]) -> Reply:
    hook = ctx.hooks.create(req.client_id, req.json())
    return json_reply({"data": hook.as_dict(), "meta": {}})


def get_hook(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    hook = ctx.hooks.get(req.client_id, path_id(params[0], "webhook_id"))
    return json_reply({"data": hook.as_dict(), "meta": {}})


def update_hook(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    hook_id = path_id(params[0], "webhook_id")
    ctx.hooks.get(req.client_id, hook_id)  # 404 before looking at the body
    hook = ctx.hooks.update(req.client_id, hook_id, req.json())
    return json_reply({"data": hook.as_dict(), "meta": {}})


def delete_hook(ctx: StoreContext, req: Request, params: list[str]) -> Reply:
    hook = ctx.hooks.delete(req.client_id, path_id(params[0], "webhook_id"))
    return json_reply({"data": hook.as_dict(), "meta": {}})
