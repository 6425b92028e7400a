"""Workshop domain: pure Python, no Flask."""
