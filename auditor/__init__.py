"""Boundary auditor: prove where a multi-region Kafka platform's cloud boundary is."""

__all__ = ["__version__"]
__version__ = "0.1.0"
