"""Intuned's REST API: its models and shapes (the SDK's form), and the Run and AuthSessions
APIs over one-off JobRuns (the Jobs and JobRuns routes are assembled in ``app.py``)."""
