"""Optional features and the package extra that brings each.

The core install reads AWS and writes bundles; Azure, GCP, Dask and the embedded
fake clouds need extras. A feature imports its SDK through :func:`import_extra`,
so a missing one is a :class:`MissingExtra` naming the extra to install (one line
from the CLI, exit 2), never a raw ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

PACKAGE = "boundary-auditor"

EXTRAS: dict[str, str] = {
    "aws": "reading VPC flow log files delivered to S3 as Parquet (pyarrow)",
    "azure": "reading Azure subscriptions (Resource Graph)",
    "gcp": "reading GCP projects (Cloud Asset Inventory)",
    "dask": "running collection on a Dask cluster (--executor dask://)",
    "fakecloud": "the embedded fake clouds (auditor demo, the fault matrix)",
}
"""Each extra and what it is for (the keys are the extras in pyproject.toml)."""


class MissingExtra(RuntimeError):
    """A feature's optional dependency is not installed."""

    def __init__(self, extra: str, module: str) -> None:
        self.extra, self.module = extra, module
        super().__init__(
            f"{EXTRAS.get(extra, extra)} needs the '{extra}' extra (module {module!r} is "
            f"not installed): pip install '{PACKAGE}[{extra}]'"
        )


def import_extra(module: str, extra: str) -> ModuleType:
    """Import ``module``; raise :class:`MissingExtra` naming ``extra`` when it is absent.

    Only a missing ``module`` itself (or its top-level package) becomes the hint: an
    import error inside an installed SDK is a real defect and propagates.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            raise MissingExtra(extra, module) from exc
        raise
