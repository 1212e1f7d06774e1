"""Contract-test harness: load BigCommerce's OpenAPI specs once and validate real demo-store traffic.

The vendored specs live in ``../shared/bigcommerce-openapi/`` (override with ``BIGCOMMERCE_OPENAPI_DIR``;
``location.py`` finds them, and tests/conftest.py leaves the suite out of a run without them).
Their servers are ``https://api.bigcommerce.com/stores/{store_hash}/v3`` (``/v2`` for store information)
and their paths are relative to that, so a demo-store URL such as
``http://127.0.0.1:PORT/stores/demo/v3/catalog/products`` is validated by swapping scheme and host for
``https://api.bigcommerce.com`` and keeping the path: the ``{store_hash}`` server variable matches ``demo``.
Extra, undeclared properties pass (openapi-core only rejects them where a schema says
``additionalProperties: false``), because the live API adds fields over time.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import yaml
from jsonschema_path import SchemaPath
from openapi_core import Config
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_schema_validator import OAS30ReadValidator
from openapi_schema_validator import OAS30Validator
from openapi_schema_validator import oas30_format_checker
from werkzeug.datastructures import Headers
from werkzeug.datastructures import ImmutableMultiDict

from tests.contract import location

GATEWAY = "https://api.bigcommerce.com"
SPEC_DIR = location.spec_dir()

# Short names used by the tests → vendored file names.
SPEC_FILES: Mapping[str, str] = {
    "products": "products_catalog.v3.yml",
    "variants": "product-variants_catalog.v3.yml",
    "inventory": "inventory.v3.yml",
    "inventory_beta": "inventory.v3.backorders-beta.yml",  # the native backorders beta (notes §6)
    "locations": "locations.v3.yml",
    "webhooks": "webhooks.v3.yml",
    "store_v2": "store_information.v2.yml",
    "orders_v2": "orders.v2.oas2.yml",
    "orders_v3": "orders.v3.yml",
    "settings": "settings.v3.yml",
}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContractViolation(AssertionError):
    """A request or response does not match the official spec."""


_ORDER_SORT_FIELDS = (
    "id",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "channel_id",
    "external_id",
)

# Where a spec contradicts itself about a reply, the loaded copy is patched here (one line each, with
# the documented behaviour it restores); test_harness checks every erratum is still needed.
ERRATA: Mapping[str, tuple[tuple[str, dict[str, Any], str], ...]] = {
    "products": (
        (
            "components/schemas/product_Full/allOf/2/properties/base_variant_id",
            {"nullable": True},
            "typed integer, yet its own description and notes §3.1 say null for products with options",
        ),
    ),
    "orders_v2": (
        (
            "components/parameters/sort/schema",
            {"enum": [f"{f}{d}" for f in _ORDER_SORT_FIELDS for d in ("", ":asc", ":desc")]},
            "an enum of bare field names, yet its description says to add :asc or :desc (notes §6.3)",
        ),
        # `consignments` and each consignment's `line_items` are oneOf a link {url, resource} and the
        # embedded objects, but neither side rules out the other's properties, so every reply matched both.
        (
            "components/schemas/orderConsignments_Resource",
            {"additionalProperties": False},
            "a link has only url and resource",
        ),
        (
            "components/schemas/orderConsignment_Get",
            {"additionalProperties": False},
            "the consignments object has only its four lists",
        ),
        (
            "components/schemas/products_Resource",
            {"additionalProperties": False},
            "a link has only url and resource",
        ),
    ),
    "orders_v3": (
        (
            "components/schemas/Amount",
            {"nullable": True},
            "a PRODUCT item's requested_amount is null (the single-refund reply's schema and example say so)",
        ),
    ),
}


def _raw_document(name: str) -> dict[str, Any]:
    path = SPEC_DIR / SPEC_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(
            f"BigCommerce spec {path} not found; set BIGCOMMERCE_OPENAPI_DIR to the vendored spec folder"
        )
    with path.open("rb") as fh:
        document: dict[str, Any] = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a safe loader
    return document


def pointer(document: dict[str, Any], path: str) -> Any:
    """The node at a slash-separated path (list indexes as numbers)."""
    node: Any = document
    for part in path.split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


# Specs whose inline schemas say Swagger 2's `x-nullable: true` where OpenAPI 3 needs `nullable: true`
# (the variants spec's /catalog/variants replies; its productVariant_Full says `nullable` correctly).
X_NULLABLE_SPECS: tuple[str, ...] = ("variants",)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def x_nullable_nodes(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Schemas marked ``x-nullable: true`` without OpenAPI 3's ``nullable``."""
    return [n for n in _walk(document) if n.get("x-nullable") is True and not n.get("nullable")]


@functools.cache
def spec_document(name: str, *, errata: bool = True) -> dict[str, Any]:
    """The parsed YAML of one vendored spec (a key of SPEC_FILES), read once per session, errata applied."""
    document = _raw_document(name)
    for node in _walk(document):
        # Not an erratum: `content: {}` means "no body" in OpenAPI 3, but openapi-core then demands one.
        if isinstance(node.get("responses"), dict):
            for reply in node["responses"].values():
                if isinstance(reply, dict) and reply.get("content") == {}:
                    del reply["content"]
    if errata:
        for path, patch, _why in ERRATA.get(name, ()):
            pointer(document, path).update(patch)
        if name in X_NULLABLE_SPECS:
            for node in x_nullable_nodes(document):
                node["nullable"] = True
    return document


def _problem_json(value: bytes | str, **_parameters: str) -> Any:
    return json.loads(value)


@functools.cache
def openapi(name: str) -> OpenAPI:
    """The openapi-core app for one spec; the spec itself is checked by openapi-spec-validator once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        # Inventory errors are application/problem+json, which openapi-core does not parse as JSON.
        config = Config(extra_media_type_deserializers={"application/problem+json": _problem_json})
        return OpenAPI.from_dict(spec_document(name), config=config)


@functools.cache
def webhook_callback_schema(scope: str) -> dict[str, Any]:
    """The payload schema for one callback scope, unwrapped from its scope-named top-level property."""
    path = SPEC_DIR / "webhook-callbacks" / (scope.replace("/", "_") + ".yml")
    with path.open("rb") as fh:
        document: dict[str, Any] = yaml.load(fh, Loader=_Loader)  # noqa: S506 - a safe loader
    wrapped: dict[str, Any] = document["properties"][scope]
    return wrapped


def component_schema(spec: str, name: str) -> SchemaPath:
    """``#/components/schemas/<name>`` of a spec as a resolvable schema path (for nested checks)."""
    return openapi(spec).spec / "components" / "schemas" / name


# --------------------------------------------------------------------------------------- adapters


@dataclass
class SpecRequest:
    """An openapi-core request built from an httpx request, re-hosted on the API gateway."""

    method: str
    path: str
    host_url: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters = field(default_factory=RequestParameters)


@dataclass
class SpecResponse:
    """An openapi-core response: status, headers, content type and raw body."""

    status_code: int
    data: bytes | None
    headers: Headers
    content_type: str


def _spec_request(request: httpx.Request) -> SpecRequest:
    url = request.url
    headers = Headers([(k, v) for k, v in request.headers.multi_items()])
    # Spec bug: catalog/inventory/locations mark Accept and Content-Type `required` even on GETs;
    # a real client sends Content-Type only with a body, so the validator sees the spec's default.
    headers.setdefault("Accept", "application/json")
    headers.setdefault("Content-Type", "application/json")
    query = ImmutableMultiDict(parse_qsl(url.query.decode("ascii"), keep_blank_values=True))
    body = request.content or None
    return SpecRequest(
        method=request.method.lower(),
        path=url.path,
        host_url=GATEWAY,
        body=body,
        content_type=request.headers.get("content-type", "application/json"),
        parameters=RequestParameters(query=query, header=headers),
    )


def _spec_response(response: httpx.Response) -> SpecResponse:
    headers = Headers([(k, v) for k, v in response.headers.multi_items()])
    ctype = response.headers.get("content-type", "")
    return SpecResponse(
        status_code=response.status_code,
        data=response.content if response.content else None,
        headers=headers,
        content_type=ctype.lower(),
    )


def _describe(exc: BaseException) -> str:
    """Flatten openapi-core's nested exception chain into readable lines (schema errors included)."""
    lines: list[str] = []
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        err = stack.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        lines.append(f"{type(err).__name__}: {err}"[:500])
        for sub in getattr(err, "schema_errors", ()) or ():
            path = "/".join(str(p) for p in getattr(sub, "absolute_path", ()))
            lines.append(f"  at /{path}: {getattr(sub, 'message', sub)}"[:500])
        if err.__cause__ is not None:
            stack.append(err.__cause__)
        for inner in getattr(err, "context", ()) or ():
            if isinstance(inner, BaseException):
                stack.append(inner)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------- checks


def check_request(spec: str, request: httpx.Request) -> None:
    """Raise ContractViolation if ``request`` is not a valid call of an operation in ``spec``."""
    try:
        openapi(spec).validate_request(_spec_request(request))
    except OpenAPIError as exc:
        message = f"{request.method} {request.url}: request breaks {spec} spec\n{_describe(exc)}"
        raise ContractViolation(message) from None


def request_errors(spec: str, request: httpx.Request) -> list[str]:
    """Why ``spec`` rejects ``request`` (empty when it accepts it): for tests that send bad input."""
    try:
        check_request(spec, request)
    except ContractViolation as exc:
        return [str(exc)]
    return []


def check_response(spec: str, response: httpx.Response, *, request: bool = True) -> Any:
    """Validate ``response`` (and, unless ``request=False``, its request) against ``spec``.

    Returns the decoded JSON body (None for an empty body). The status must be one the operation
    declares; undeclared statuses are a ContractViolation (use ``check_error_body`` for those).
    """
    if request:
        check_request(spec, response.request)
    try:
        openapi(spec).validate_response(_spec_request(response.request), _spec_response(response))
    except OpenAPIError as exc:
        raise ContractViolation(
            f"{response.request.method} {response.request.url} → {response.status_code}: "
            f"response breaks {spec} spec\n{_describe(exc)}\nbody: {response.text[:800]}"
        ) from None
    return response.json() if response.content else None


def check_schema(spec: str, schema: str, instance: Any, *, where: str = "", write: bool = False) -> None:
    """Validate ``instance`` against ``#/components/schemas/<schema>`` of ``spec`` (refs resolved).

    Replies are checked in the read context (``required`` enforced, ``writeOnly`` rejected); with
    ``write=True`` no read/write context applies, so ``readOnly`` properties are neither required
    nor rejected (for request bodies whose schema contradicts itself, see test_products).
    """
    schema_path = component_schema(spec, schema)
    cls = OAS30Validator if write else OAS30ReadValidator
    with schema_path.resolve() as resolved:
        validator = cls(resolved.contents, _resolver=resolved.resolver, format_checker=oas30_format_checker)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "\n".join(f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}"[:500] for e in errors)
        raise ContractViolation(f"{where or 'instance'} breaks {spec}#{schema}\n{detail}")


def check_webhook_payload(scope: str, payload: Any) -> None:
    """Validate a delivered callback body against ``webhook-callbacks/<scope>.yml``."""
    validator = OAS30ReadValidator(webhook_callback_schema(scope), format_checker=oas30_format_checker)
    errors = list(validator.iter_errors(payload))
    if errors:
        detail = "\n".join(f"  at /{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)
        raise ContractViolation(f"{scope} payload breaks its callback schema\n{detail}")


# ----------------------------------------------------------------------- documented behaviour


def check_error_body(response: httpx.Response, status: int) -> dict[str, Any]:
    """The documented v3 error shape (notes §9): ``{status: int, title: str, type: str, ...}``.

    The specs declare no ``required`` keys in any error schema, so schema validation alone would
    accept ``{}``; this checks the keys the notes document, and that ``status`` matches the reply.
    """
    if response.status_code != status:
        raise ContractViolation(f"expected HTTP {status}, got {response.status_code}: {response.text[:500]}")
    ctype = response.headers.get("content-type", "")
    if not ctype.startswith(("application/json", "application/problem+json")):
        raise ContractViolation(f"error reply is not JSON (content-type {ctype!r}): {response.text[:200]}")
    body = response.json()
    if not isinstance(body, dict):
        raise ContractViolation(f"error body is not an object: {body!r}")
    missing = [k for k in ("status", "title", "type") if k not in body]
    if missing:
        raise ContractViolation(f"error body lacks {missing}: {body!r}")
    if body["status"] != status or not isinstance(body["title"], str) or not isinstance(body["type"], str):
        raise ContractViolation(f"error body has the wrong types or status: {body!r}")
    return body


def check_envelope(body: Any, *, collection: bool) -> None:
    """The documented v3 envelope (notes §2); the specs declare ``data``/``meta`` but never require them."""
    if not isinstance(body, dict) or "data" not in body or "meta" not in body:
        raise ContractViolation(f"not a v3 envelope {{data, meta}}: {str(body)[:300]}")
    if collection:
        if not isinstance(body["data"], list):
            raise ContractViolation(f"collection data is not a list: {str(body)[:300]}")
        pagination = body["meta"].get("pagination")
        keys = {"total", "count", "per_page", "current_page", "total_pages", "links"}
        if not isinstance(pagination, dict) or not keys <= pagination.keys():
            raise ContractViolation(f"meta.pagination lacks {keys}: {body['meta']!r}")
    elif not isinstance(body["data"], dict):
        raise ContractViolation(f"single-object data is not an object: {str(body)[:300]}")


RATE_LIMIT_HEADERS: tuple[str, ...] = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Time-Window-Ms",
)


def check_rate_limit_headers(response: httpx.Response) -> dict[str, int]:
    """Every reply carries the four integer ``X-Rate-Limit-*`` headers (notes §7; not in the specs)."""
    values: dict[str, int] = {}
    for name in RATE_LIMIT_HEADERS:
        raw = response.headers.get(name)
        if raw is None or not raw.lstrip("-").isdigit():
            raise ContractViolation(f"{response.request.url}: {name} missing or not an integer: {raw!r}")
        values[name] = int(raw)
    return values
