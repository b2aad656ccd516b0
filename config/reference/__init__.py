"""Package data: the official municipality register (see PROVENANCE.md)."""
