"""Small widgets of the window's pages and status bar (the dashboard's tiles, the quota meter)."""
