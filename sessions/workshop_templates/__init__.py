"""Workshop templates («maler»): a workshop's structure saved for reuse, shared by an installation's facilitators."""
