"""Templates: one module per template family; ``registry`` picks the one that reads a document."""
