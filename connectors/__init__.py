"""Connectors: HTTP and wire formats turned into typed records. They never read Settings or touch the store."""
