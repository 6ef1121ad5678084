"""Evidence: the bundle a scan leaves behind, and how to check it."""
