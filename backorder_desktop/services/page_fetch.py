"""Fetching numbered catalog pages concurrently, yielding them as they arrive, memory bounded;
and where products can hide between pages that shifted while they were fetched."""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait
from datetime import datetime
from itertools import pairwise

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


def page_ids(page: ProductPage) -> list[int]:
    """Every product id a page showed, including items that could not be read."""
    return [product.id for product in page.products] + list(page.skipped_ids)


def page_positions(page: ProductPage) -> dict[int, tuple[int, int]]:
    """Every product id a page showed -> (its page, the client's request within the page): a page
    fetched as smaller requests has boundaries inside it that deletions shift products across."""
    return {pid: (page.page, bisect_right(page.splits, pid)) for pid in page_ids(page)}


def gaps_between_pages(seen: Mapping[int, Hashable], *, past_the_end: bool = False) -> list[tuple[int, int]]:
    """The open id ranges where a product could have been skipped, given ``seen`` (product id ->
    the page it came on, or the request: ``page_positions``). Pages are id-ordered slices; a
    product present all along and never seen lies between two seen ids that came on different
    pages (on one page it would have been seen), so only those ranges need asking again.

    ``past_the_end``: more than one page was asked for and the listing shrank meanwhile. Then a
    product can also have shifted off the end: the page read before the deletion ended just before
    it, the later pages started after it (or came back empty), and nothing above it was seen; the
    range past the last seen id is open too."""
    ordered = sorted(seen.items())
    gaps = [
        (low, high)
        for (low, low_page), (high, high_page) in pairwise(ordered)
        if low_page != high_page and high - low > 1
    ]
    if past_the_end and ordered:
        gaps.append((ordered[-1][0], sys.maxsize))
    return gaps


def ids_within(ids: Iterable[int], gaps: list[tuple[int, int]]) -> list[int]:
    """The ``ids`` strictly inside one of ``gaps`` (sorted, non-overlapping open ranges)."""
    lows = [low for low, _high in gaps]
    out = []
    for pid in ids:
        at = bisect_right(lows, pid) - 1
        if at >= 0 and gaps[at][0] < pid < gaps[at][1]:
            out.append(pid)
    return out
