"""The chaos suite (``make chaos``): faults injected into real processes, one JSON line each."""
