"""AWS normalisers, one module per service family."""
