"""Shared test helpers: fakes and record builders used by more than one test module (never by benchmarks)."""
