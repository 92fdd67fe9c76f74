"""Benchmarks run by `make bench`: one JSON object per line on stdout."""
