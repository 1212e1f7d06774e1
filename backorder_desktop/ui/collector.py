"""Keeps the window's long-lived bulk out of the cyclic garbage collector's sight.

A collection holds the interpreter lock, so every thread (the GUI thread too) waits for it, and it
walks every object of the generations it collects. The window keeps many objects for long: its
start-up objects (Qt wrappers, modules, services) and the rows the table reads (pages of 200
products with their variants, up to 30 pages). Walked by each older collection, they stalled the
GUI thread 30-70 ms mid-sync at 100,000 products (bench row 7). ``settle`` collects the young
generations (garbage made since the last call goes now) and freezes what survives: later
collections walk only what was made since. Frozen objects are still freed when their last
reference goes (the rows of a page dropped from the table's cache are); only a cycle that becomes
garbage after it was frozen waits for the end of the process.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect the young generations, then freeze what survived (cheap: it walks only them)."""
    gc.collect(1)
    gc.freeze()
