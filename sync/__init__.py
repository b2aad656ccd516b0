"""Sync: the store, runs, jobs, reports and the CLI/daemon wiring."""
