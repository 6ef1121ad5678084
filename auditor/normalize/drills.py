"""Recorded failover drills: the file format, its JSON schema, and how scans read them.

A drill file is the measured result of one failover test (``auditor drill
record RESULT.json`` validates it and copies it into the declaration's drills
folder). Its format is the pydantic model :class:`DrillResult`; the JSON schema
in ``docs/drill.schema.json`` is generated from it (``auditor drill schema``), so
the format is written down once.

A scan reads every ``*.json`` file of the folder ``failure.drills.path``
(relative to the declaration) into the inventory:

- one resource of kind ``drill`` per valid file (id ``drill:{id}``), whose
  attributes are the drill as recorded plus the derived ``recovery_time_seconds``
  and ``data_loss_seconds``;
- one resource of kind ``drill_catalog`` (id ``drill-catalog:{path}``) saying where
  the scan looked, whether the folder exists, the evaluation date (``as_of``, the
  scan's UTC date: a drill's age is measured to the end of that day, so two scans
  of one day give the same bytes), which drills it found and which files were not
  valid drills.

A drill has a ``kind`` (region failover by default; failback, kill-broker,
pause-replication, break-permission, rotate-credentials, resume-consumers); each kind
must record the measurements it is judged on (:data:`KIND_MEASURES`). A drill may be
signed (``x.json.sig``, the bundles' Ed25519 format, over its canonical text): with
trusted keys (``AUDITOR_TRUSTED_KEYS``) a signature that verifies makes the drill
signed evidence, one that does not makes the file invalid (refused, never used); an
unsigned drill is loaded as a self-report (attribute ``signature``).

Drills are then ordinary evidence: in ``inventory.jsonl``, in the graph, and in an
offline re-evaluation of the bundle. An unreadable folder is a collection gap
(service ``drills``); a folder that does not exist means no drill was recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from auditor.base.ed25519 import (
    SigningError,
    sign_detached,
    signer_of,
    trusted_keys,
    verify_with_any,
)
from auditor.base.services import DRILLS
from auditor.boundary import Declaration, DrillKind, Drills
from auditor.model import Gap, Inventory, JSONValue, Resource
from auditor.normalize import conform

DRILL_KIND = "drill"
CATALOG_KIND = "drill_catalog"
DRILL_SERVICE = DRILLS
SCHEMA_ID = "https://boundary-auditor.invalid/schemas/drill.schema.json"

_REGION_KEY = r"^(aws|azure|gcp)/[a-z0-9-]+$"
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DrillStep(_Model):
    """One step of the runbook as it was run."""

    name: str = Field(min_length=1, description="What the step did.")
    started: AwareDatetime | None = Field(default=None, description="When it started (UTC).")
    ended: AwareDatetime | None = Field(default=None, description="When it ended (UTC).")
    result: Literal["ok", "failed", "skipped"] = Field(description="How it went.")
    resources: list[str] = Field(
        default_factory=list, description="Resources it acted on (ids or names)."
    )


class ClientErrors(_Model):
    """Errors clients saw during the drill."""

    producer: Count = Field(description="Failed produce requests.")
    consumer: Count = Field(description="Failed fetch or commit requests.")


class Measurements(_Model):
    """What the drill measured (each drill kind must record the measurements it is judged on)."""

    replication_lag_seconds: NonNegative | None = Field(
        default=None,
        description="Replication lag to the target region when the source was cut off (or, "
        "pausing replication, the largest lag reached).",
    )
    dns_switch_seconds: NonNegative | None = Field(
        default=None,
        description="From the failure until the bootstrap name answered with the target region.",
    )
    client_errors: ClientErrors | None = None
    consumer_offset_gap: dict[str, Count] | None = Field(
        default=None,
        description="Per consumer group: messages re-read or skipped after resuming in the "
        "target region ({} when no group was tested).",
    )
    recovery_time_seconds: NonNegative | None = Field(
        default=None,
        description="Measured recovery time: from the failure until clients produced and "
        "consumed normally again. Default: ended - started.",
    )
    data_loss_seconds: NonNegative | None = Field(
        default=None,
        description="Measured data loss window. Default: replication_lag_seconds.",
    )


KIND_MEASURES: dict[str, tuple[str, ...]] = {
    "region-failover": (
        "replication_lag_seconds",
        "dns_switch_seconds",
        "client_errors",
        "consumer_offset_gap",
    ),
    "failback": (
        "replication_lag_seconds",
        "dns_switch_seconds",
        "client_errors",
        "consumer_offset_gap",
    ),
    "resume-consumers": ("client_errors", "consumer_offset_gap"),
    "pause-replication": ("replication_lag_seconds", "client_errors"),
    "kill-broker": ("client_errors",),
    "break-permission": ("client_errors",),
    "rotate-credentials": ("client_errors",),
}
"""The measurements a drill of each kind must record: what its thresholds judge."""

CROSS_REGION_KINDS = frozenset(
    {"region-failover", "failback", "resume-consumers", "pause-replication"}
)
"""Kinds that move work or data between two regions (from_region != to_region); the
others inject a fault in one region (from_region == to_region)."""

FAILOVER_KINDS = frozenset({"region-failover", "failback"})
"""Kinds that fail the platform over into ``to_region`` (what failure.drill-recent counts)."""


class Runner(_Model):
    """Who ran the drill."""

    name: str = Field(min_length=1)
    role: str = Field(default="", description="e.g. SRE on call, vendor operator.")


class DrillResult(_Model):
    """The recorded result of one failover drill (format version 1)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": SCHEMA_ID, "title": "Failover drill result"},
    )

    version: Literal[1] = Field(description="Drill format version.")
    kind: DrillKind = Field(
        default="region-failover",
        description="What was tested: region-failover, failback (back into the primary), "
        "kill-broker, pause-replication, break-permission, rotate-credentials, "
        "resume-consumers (in the other region).",
    )
    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Unique drill id; names the file."
    )
    platform: str = Field(description="The declaration's name.")
    from_region: str = Field(
        pattern=_REGION_KEY,
        description="Region failed away from, replicated from, or (one-region kinds) where "
        "the fault was injected.",
    )
    to_region: str = Field(
        pattern=_REGION_KEY,
        description="Region failed over to or replicated into; the same region for "
        "kill-broker, break-permission and rotate-credentials.",
    )
    started: AwareDatetime = Field(description="When the failure was injected.")
    ended: AwareDatetime = Field(description="When the drill was declared over.")
    outcome: Literal["succeeded", "partial", "failed"]
    measurements: Measurements
    steps: list[DrillStep] = Field(min_length=1, description="Steps run, in order.")
    run_by: list[Runner] = Field(min_length=1, description="Who ran it.")
    dns_records: list[str] = Field(
        default_factory=list,
        description="DNS record names (FQDNs) the drill switched: cross-checked against the "
        "collected records.",
    )
    health_checks: list[str] = Field(
        default_factory=list,
        description="Health checks (ids or targets) that decided the switch: cross-checked "
        "against the collected health checks.",
    )
    notes: str = ""

    @model_validator(mode="after")
    def _coherent(self) -> DrillResult:
        if self.ended < self.started:
            raise ValueError("ended is before started")
        if self.kind in CROSS_REGION_KINDS and self.from_region == self.to_region:
            raise ValueError(f"from_region and to_region are the same region ({self.kind})")
        if self.kind not in CROSS_REGION_KINDS and self.from_region != self.to_region:
            raise ValueError(
                f"a {self.kind} drill is run in one region: to_region must be from_region"
            )
        missing = [m for m in KIND_MEASURES[self.kind] if getattr(self.measurements, m) is None]
        if missing:
            raise ValueError(f"a {self.kind} drill must measure {', '.join(missing)}")
        return self

    def recovery_time(self) -> float:
        m = self.measurements
        if m.recovery_time_seconds is not None:
            return m.recovery_time_seconds
        return (self.ended - self.started).total_seconds()

    def data_loss(self) -> float | None:
        m = self.measurements
        return m.data_loss_seconds if m.data_loss_seconds is not None else m.replication_lag_seconds


class DrillError(ValueError):
    """A drill file that cannot be used; ``str()`` is one located line."""


def drill_schema() -> dict[str, Any]:
    """The JSON schema of a drill file (what ``docs/drill.schema.json`` holds)."""
    schema = DrillResult.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def drill_schema_text() -> str:
    return json.dumps(drill_schema(), indent=2, sort_keys=True) + "\n"


def _json_location(text: str, loc: tuple[int | str, ...]) -> tuple[int | None, int | None]:
    """Line and column of the value at ``loc`` in a JSON text (via ruamel, best effort)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from auditor.boundary import _yaml_location

    try:
        doc = YAML(typ="rt").load(text)
    except YAMLError:
        return None, None
    return _yaml_location(doc, loc)


def parse_drill(text: str, name: str) -> DrillResult:
    """Validate a drill document, raising a DrillError naming file, line, column and field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DrillError(f"{name}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise DrillError(f"{name}:1:1: a drill file must be a JSON object")
    try:
        return DrillResult.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first.get("loc", ()))
        kind = first.get("type", "")
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        if kind == "missing" and loc:
            msg = f"missing required field {str(loc[-1])!r}"
        elif kind == "extra_forbidden" and loc:
            msg = f"unknown field {str(loc[-1])!r}"
        line, col = _json_location(text, loc[:-1] if kind == "missing" else loc)
        where = ".".join(str(x) for x in loc)
        at = f" at {where}" if where else ""
        more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        pos = f"{name}:{line}:{col}" if line is not None else name
        raise DrillError(f"{pos}: {msg}{at}{more if len(errors) > 1 else ''}") from None


def read_drill(path: Path) -> DrillResult:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DrillError(f"{path}: cannot read ({exc})") from None
    return parse_drill(text, str(path))


def drill_json(drill: DrillResult) -> str:
    """The canonical text a recorded drill is stored as (and its signature covers)."""
    return (
        json.dumps(drill.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True)
        + "\n"
    )


SIGNATURE_SUFFIX = ".sig"
"""A drill ``x.json`` is signed by ``x.json.sig``: the same two-word file as a bundle's
``SHA256SUMS.sig`` (signer fingerprint, base64 Ed25519 signature), over the drill's
canonical text (:func:`drill_json`), so recording a drill keeps its signature valid."""

MAX_SIGNATURE_BYTES = 4096


def signature_path(path: Path) -> Path:
    return path.with_name(path.name + SIGNATURE_SUFFIX)


def sign_drill(drill: DrillResult, key: Ed25519PrivateKey) -> bytes:
    """The signature file of ``drill``."""
    return sign_detached(drill_json(drill).encode(), key)


def read_signature(path: Path) -> bytes | None:
    """The signature file beside the drill ``path`` (None when there is none)."""
    sig = signature_path(path)
    if not sig.exists():
        return None
    try:
        data = sig.read_bytes()
    except OSError as exc:
        raise DrillError(f"{sig}: cannot read ({exc})") from None
    if len(data) > MAX_SIGNATURE_BYTES:
        raise DrillError(f"{sig}: larger than {MAX_SIGNATURE_BYTES} bytes")
    return data


def drill_signature(
    drill: DrillResult, signature: bytes | None, keys: Sequence[Ed25519PublicKey], name: str
) -> dict[str, JSONValue]:
    """How ``drill`` is signed: verified by a trusted key, unchecked (no key), unsigned.

    A signature that does not verify against the trusted keys is a DrillError: the
    drill is refused, never used as a self-report.
    """
    if signature is None:
        return {"status": "unsigned"}
    signer = signer_of(signature)
    if not keys:
        return {"status": "unchecked", "signer": signer[:80]}
    why, signer = verify_with_any(drill_json(drill).encode(), signature, keys, name, "the drill")
    if why is not None:
        raise DrillError(why)
    return {"status": "verified", "signer": signer}


def drills_folder(drills: Drills | None, declaration_path: Path | None) -> Path:
    """The folder recorded drills live in: ``failure.drills.path`` relative to the declaration."""
    folder = Path((drills or Drills()).path)
    if folder.is_absolute():
        return folder
    base = declaration_path.parent if declaration_path is not None else Path.cwd()
    return base / folder


def drill_id(identifier: str) -> str:
    return f"drill:{identifier}"


def catalog_id(declared_path: str) -> str:
    return f"drill-catalog:{declared_path}"


def _utc(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def drill_resource(
    drill: DrillResult, file_name: str, signature: Mapping[str, JSONValue] | None = None
) -> Resource:
    attrs: dict[str, JSONValue] = drill.model_dump(mode="json", exclude_none=True)
    attrs["signature"] = dict(signature or {"status": "unsigned"})
    attrs["started"] = _utc(drill.started)
    attrs["ended"] = _utc(drill.ended)
    attrs["file"] = file_name
    attrs["recovery_time_seconds"] = drill.recovery_time()
    attrs["data_loss_seconds"] = drill.data_loss()
    return Resource(
        id=drill_id(drill.id),
        cloud="",
        kind=DRILL_KIND,
        account="",
        region="global",
        name=drill.id,
        attributes=attrs,
        source="drill:record",
    )


def _as_of_date(as_of: dt.date) -> str:
    day = as_of.astimezone(dt.UTC).date() if isinstance(as_of, dt.datetime) else as_of
    return day.isoformat()


def as_of_instant(value: JSONValue) -> dt.datetime | None:
    """The end (next UTC midnight) of a catalog's ``as_of`` date."""
    if not isinstance(value, str):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)


def _drill_gap(operation: str, code: str, message: str) -> Gap:
    """A gap about reading recorded drills (not a cloud read: any account, any region)."""
    return Gap(
        cloud="aws",
        account="*",
        region="*",
        service=DRILL_SERVICE,
        operation=operation,
        error_code=code,
        message=message,
    )


def _trust_store(gaps: list[Gap]) -> list[Ed25519PublicKey]:
    """The trusted keys of :data:`~auditor.base.ed25519.TRUST_ENV`; unreadable: a gap."""
    try:
        return trusted_keys(None)
    except SigningError as exc:
        gaps.append(
            _drill_gap("TrustedKeys", "UnreadableKey", f"drill signatures cannot be checked: {exc}")
        )
        return []


def _read_folder(
    folder: Path, trusted: Sequence[Ed25519PublicKey], gaps: list[Gap]
) -> tuple[list[Resource], list[dict[str, JSONValue]]]:
    """The drills of a folder, and the files refused (unreadable, bad signature, repeated)."""
    found: list[Resource] = []
    invalid: list[dict[str, JSONValue]] = []
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".json" and p.is_file())
    except OSError as exc:
        files = []
        gaps.append(_drill_gap("ListDrills", "Unreadable", f"cannot list {folder}: {exc}"))
    seen: set[str] = set()
    for path in files:
        try:
            drill = read_drill(path)
            signature = drill_signature(
                drill, read_signature(path), trusted, signature_path(path).name
            )
        except DrillError as exc:
            error = str(exc).replace(f"{folder}/", "").replace(str(folder), "")
            invalid.append({"file": path.name, "error": error})
            continue
        if drill.id in seen:
            invalid.append({"file": path.name, "error": f"duplicate drill id {drill.id}"})
            continue
        seen.add(drill.id)
        found.append(drill_resource(drill, path.name, signature))
    return found, invalid


def load_drills(
    decl: Declaration,
    declaration_path: Path | None,
    as_of: dt.date,
    keys: Sequence[Ed25519PublicKey] | None = None,
) -> tuple[list[Resource], list[Gap]]:
    """The drill and catalog resources of the declaration's drills folder (and any gap).

    Drill signatures are checked against ``keys`` (default: the trust store named by
    ``AUDITOR_TRUSTED_KEYS``); a drill whose signature does not verify is listed as
    invalid, not loaded.
    """
    drills = decl.failure.drills or Drills()
    folder = drills_folder(drills, declaration_path)
    found: list[Resource] = []
    invalid: list[dict[str, JSONValue]] = []
    gaps: list[Gap] = []
    exists = folder.is_dir()
    trusted = list(keys) if keys is not None else (_trust_store(gaps) if exists else [])
    if exists:
        found, invalid = _read_folder(folder, trusted, gaps)
    elif folder.exists():
        gaps.append(_drill_gap("ListDrills", "NotAFolder", f"{drills.path} is not a folder"))
    catalog = Resource(
        id=catalog_id(drills.path),
        cloud="",
        kind=CATALOG_KIND,
        account="",
        region="global",
        name=drills.path,
        attributes={
            "path": drills.path,
            "exists": exists,
            "as_of": _as_of_date(as_of),
            "drills": sorted(r.id for r in found),
            "invalid": sorted(invalid, key=lambda i: str(i["file"])),
        },
        source="drill:folder",
    )
    built: list[Resource] = []
    for res in [catalog, *sorted(found, key=lambda r: r.id)]:
        res, schema_gaps = conform(res, origin="auditor.normalize.drills.load_drills")
        built.append(res)
        gaps += schema_gaps
    return built, gaps


def with_drills(
    inventory: Inventory,
    decl: Declaration,
    declaration_path: Path | None,
    as_of: dt.date,
    keys: Sequence[Ed25519PublicKey] | None = None,
) -> Inventory:
    """The inventory with the declaration's recorded drills added as resources."""
    resources, gaps = load_drills(decl, declaration_path, as_of, keys)
    return replace(
        inventory,
        resources=(*inventory.resources, *resources),
        gaps=(*inventory.gaps, *gaps),
    )


# --- reading drills back from the graph ------------------------------------------------


def parse_time(value: JSONValue) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        ts = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


def number(attrs: Mapping[str, JSONValue], key: str) -> float | None:
    value = attrs.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def file_name_for(drill: DrillResult) -> str:
    return _SAFE.sub("_", drill.id) + ".json"
