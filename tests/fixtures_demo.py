"""Demo store fixtures (filled in with the demo store)."""
