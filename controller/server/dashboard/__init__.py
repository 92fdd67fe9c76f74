"""The dashboard: its static pages (``static/``), their sign-in and files and trace viewer
(``site.py``, ``sessions.py``), and the read-only routes its pages read (``routes.py``)."""
