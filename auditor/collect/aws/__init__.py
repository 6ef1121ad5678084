"""AWS service collectors, one module per service, found by discovery.

Each module defines ``SERVICE``, an :class:`~auditor.collect.aws_context.AwsService`.
Adding a service is adding a module here; nothing else lists them.
"""

from __future__ import annotations

import importlib
import pkgutil

from auditor.collect.aws_context import AwsService


def services() -> list[AwsService]:
    """Every AWS service collector in this package, sorted by name."""
    found: list[AwsService] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        service = getattr(module, "SERVICE", None)
        if isinstance(service, AwsService):
            found.append(service)
    return sorted(found, key=lambda s: s.name)
