"""Benchmarks of backorder-desktop, each measured against a bound measured in the same run.

``python -m bench`` (``make bench``) runs the suite (``bench/suite.py``), prints one table and
writes it to ``bench/results/latest.json`` and ``bench/results/latest.md``.
"""
