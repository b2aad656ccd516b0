"""Journey documents, issue references and step status: pure functions, no store."""
