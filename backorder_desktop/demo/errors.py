"""Error replies of the demo store: exceptions that carry a status and a v3 error body.

The catalog raises these for in-process callers too (``NotFoundError`` is a ``KeyError``,
``ValidationError`` and ``ConflictError`` are ``ValueError``s), and the HTTP layer turns any of them
into ``{"status", "title", "type", "errors"?}`` with the right status and content type.
"""

from __future__ import annotations

from typing import Any

STATUS_DOCS = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """A reply with an error status; :meth:`body` is what goes on the wire."""

    status = 500

    def __init__(
        self,
        title: str,
        *,
        status: int | None = None,
        errors: dict[str, Any] | None = None,
        problem: bool = False,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title)
        if status is not None:
            self.status = status
        self.title = title
        self.errors = errors
        self.content_type = PROBLEM_JSON if problem else JSON
        self.extra = extra
        self.headers = headers or {}

    def __str__(self) -> str:
        return self.title

    def body(self) -> dict[str, Any]:
        if self.extra is not None:
            return self.extra
        data: dict[str, Any] = {"status": self.status, "title": self.title, "type": STATUS_DOCS}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


class NotFoundError(ApiError, KeyError):
    """404: the product, variant or hook does not exist."""

    status = 404


class ValidationError(ApiError, ValueError):
    """422: missing or invalid data."""

    status = 422


class ConflictError(ApiError, ValueError):
    """409: a duplicate unique value (product name, SKU)."""

    status = 409


def batch_error(title: str, errors: dict[str, str], instance: str) -> dict[str, Any]:
    """One entry of a ``{"batch_errors": [...]}`` 422 (variants batch)."""
    return {"status": 422, "title": title, "type": STATUS_DOCS, "instance": instance, "errors": errors}


def invalid_query(name: str, problem: str) -> ValidationError:
    """422 for a bad value of a known query parameter (the wording Prism uses for the same check)."""
    return ValidationError(f"Request query parameter {name} {problem}", errors={name: problem})


def too_many_items(limit: int, *, problem: bool = False) -> ApiError:
    """413 for an oversize batch, with the spec's title."""
    return ApiError(
        f"The request payload is too large. The maximum items allowed in the array is {limit}.",
        status=413,
        errors={},
        problem=problem,
    )
