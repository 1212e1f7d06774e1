"""Fetching numbered catalog pages concurrently, yielding them as they arrive, memory bounded."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from datetime import datetime

from backorder_desktop.domain.models import ProductPage
from backorder_desktop.domain.ports import CatalogSource

PAGE_LIMIT = 250


def fetch_pages(
    source: CatalogSource,
    pages: range,
    concurrency: int,
    *,
    limit: int = PAGE_LIMIT,
    modified_since: datetime | None,
) -> Iterator[ProductPage]:
    """Yields ``pages`` in the order they arrive, keeping at most 2 × concurrency in memory.

    A page's error is raised where that page would have been yielded; the pages still pending are
    cancelled then (the caller's run stops there).
    """
    if not pages:
        return
    todo = iter(pages)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="fetch") as pool:
        pending: set[Future[ProductPage]] = set()

        def submit_next() -> None:
            number = next(todo, None)
            if number is not None:
                pending.add(
                    pool.submit(source.get_products_page, number, limit=limit, modified_since=modified_since)
                )

        for _ in range(concurrency * 2):
            submit_next()
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.discard(future)
                    page = future.result()
                    submit_next()
                    yield page
        finally:
            for future in pending:
                future.cancel()
