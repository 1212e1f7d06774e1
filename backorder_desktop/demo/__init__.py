"""The demo store: a BigCommerce-compatible HTTP server on loopback for the app, the tests and the benchmarks.

Start it with :class:`backorder_desktop.demo.server.DemoStore` (in-process) or
``backorder-desktop demo-store`` (:mod:`backorder_desktop.demo.command`). It imports nothing from
the app's other layers.
"""
