"""Benchmarks: run by hand (`python -m benchmarks.sync`), never by the test suite."""
