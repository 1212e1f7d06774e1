"""Team mode's own connections to the shared PostgreSQL database: who leads the syncs
(``leader.py``) and what other desktops changed (``notify.py``)."""
