"""How one scan reaches Azure (apart from the collectors, which the context also serves)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, kw_only=True)
class AzureScanOptions:
    """How to reach Azure: subscriptions, endpoint, credential, limits."""

    subscriptions: tuple[str, ...]
    base_url: str | None = None
    """Resource Manager endpoint; None for public Azure (a fake's URL in tests)."""
    credential: Any = None
    """A TokenCredential; None creates azure-identity's DefaultAzureCredential lazily."""
    connection_verify: str | bool | None = None
    """CA bundle path (a fake's throwaway CA), or a bool; None keeps the SDK default."""
    retry_total: int = 5
    page_size: int = 1000
    """Rows per Resource Graph page (``$top``); Azure caps it at 1000."""
    max_workers: int = 8
    pacing: bool = True
    """Pace Resource Graph and ARM reads by their quotas (see collect/cloud_paces.py)."""
    checkpoint: Path | None = None
    """Folder to checkpoint finished units in (None: no checkpoint)."""
    resume: bool = False
    """Reuse the finished units found in ``checkpoint``."""
    flows_since: int | None = None
    """Seconds of observed flows (flow log blobs) to read, ending now; None: not read."""
    flows_until: int | None = None
    """The window's end in seconds since the epoch (None: now); a fixed end makes a read
    of past hours reproducible."""

    def scope_key(self) -> dict[str, Any]:
        """What makes two scans the same scan (for the checkpoint); no secrets."""
        return {"cloud": "azure", "subscriptions": list(self.subscriptions)}
