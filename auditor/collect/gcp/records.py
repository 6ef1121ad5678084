"""Cloud Asset assets (API JSON shape) as raw records: shared by live collection and import.

Pure (no SDK import), so ``gcloud asset export`` lines and ``ListAssets``
answers become exactly the same :class:`RawRecord` values: one per asset and
content type, ``cloud="gcp"``, ``account`` the project id, ``region`` the
asset's location (lower case, ``global`` when none), ``service`` the API
(``compute``, ``storage``...) and ``type`` the asset type (``iam_policy`` for
IAM policies). Only fields both sources carry are kept (name, assetType,
ancestors, resource.data/location/parent, iamPolicy.bindings); numbers that
protobuf turned into floats (``2.0``) are ints again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from auditor.collect.mm2_config import KEPT
from auditor.model import JSONValue, RawRecord

PROJECT_TYPE = "cloudresourcemanager.googleapis.com/Project"
CONNECTOR_TYPE = "managedkafka.googleapis.com/Connector"
RESOURCE_UNIT = "cloudasset"
"""Collection unit (per project): its resources were listed completely."""
IAM_UNIT = "cloudasset-iam"
"""Collection unit (per project): its IAM policies were listed completely (Cloud Asset
lists only resources that have a policy, so a resource without one then has none)."""
IAM_POLICY_TYPE = "iam_policy"
"""Raw record type of an asset's IAM policy (whatever the asset's type)."""

ASSET_TYPES: tuple[str, ...] = (
    PROJECT_TYPE,
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Organization",
    "compute.googleapis.com/Network",
    "compute.googleapis.com/Subnetwork",
    "compute.googleapis.com/Firewall",
    "compute.googleapis.com/Route",
    "compute.googleapis.com/Router",
    "compute.googleapis.com/ForwardingRule",
    "compute.googleapis.com/GlobalForwardingRule",
    "compute.googleapis.com/Address",
    "compute.googleapis.com/GlobalAddress",
    "compute.googleapis.com/ServiceAttachment",
    "compute.googleapis.com/Instance",
    "compute.googleapis.com/InstanceGroupManager",
    "compute.googleapis.com/RegionInstanceGroupManager",
    "compute.googleapis.com/HealthCheck",
    "storage.googleapis.com/Bucket",
    "cloudkms.googleapis.com/KeyRing",
    "cloudkms.googleapis.com/CryptoKey",
    "iam.googleapis.com/ServiceAccount",
    "container.googleapis.com/Cluster",
    "managedkafka.googleapis.com/Cluster",
    "managedkafka.googleapis.com/ConnectCluster",
    CONNECTOR_TYPE,
    "dns.googleapis.com/ManagedZone",
    "dns.googleapis.com/ResourceRecordSet",
    "logging.googleapis.com/LogSink",
    "logging.googleapis.com/LogBucket",
    "compute.googleapis.com/VpnGateway",
    "compute.googleapis.com/TargetVpnGateway",
    "compute.googleapis.com/ExternalVpnGateway",
    "compute.googleapis.com/VpnTunnel",
    "compute.googleapis.com/InterconnectAttachment",
    "compute.googleapis.com/InstanceTemplate",
    "iam.googleapis.com/Role",
)
"""Resource asset types the collector lists (each has a normaliser)."""

IAM_ASSET_TYPES: tuple[str, ...] = (
    PROJECT_TYPE,
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Organization",
    "storage.googleapis.com/Bucket",
    "cloudkms.googleapis.com/KeyRing",
    "cloudkms.googleapis.com/CryptoKey",
    "iam.googleapis.com/ServiceAccount",
    "managedkafka.googleapis.com/Cluster",
)
"""Asset types whose IAM policies the collector lists."""

_PROJECT_IN_NAME = re.compile(r"/projects/([^/]+)")


class AssetFormatError(ValueError):
    """An asset without the fields every asset has."""


def plain(value: Any) -> JSONValue:
    """JSON values with integral floats as ints (protobuf Struct has only doubles)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    raise AssetFormatError(f"not a JSON value: {type(value).__name__}")


def service_of(asset_type: str) -> str:
    """``compute`` from ``compute.googleapis.com/Network``."""
    return asset_type.split(".googleapis.com", 1)[0]


def _kept(atype: str, data: JSONValue) -> JSONValue:
    """A connector's configuration trimmed to the keys that hold no secret."""
    if atype != CONNECTOR_TYPE or not isinstance(data, dict):
        return data
    configs = data.get("configs")
    if isinstance(configs, dict):
        data = {**data, "configs": {k: v for k, v in configs.items() if k in KEPT}}
    return data


def trim_asset(asset: Mapping[str, Any]) -> dict[str, Any]:
    name, atype = asset.get("name"), asset.get("assetType")
    if not isinstance(name, str) or not name or not isinstance(atype, str) or not atype:
        raise AssetFormatError("an asset needs a 'name' and an 'assetType'")
    ancestors = asset.get("ancestors") or []
    if not isinstance(ancestors, list):
        raise AssetFormatError(f"{name}: 'ancestors' is not a list")
    out: dict[str, Any] = {"name": name, "assetType": atype, "ancestors": list(ancestors)}
    res = asset.get("resource")
    if res is not None:
        if not isinstance(res, Mapping) or not isinstance(res.get("data") or {}, Mapping):
            raise AssetFormatError(f"{name}: 'resource' is not an object with 'data'")
        out["resource"] = {
            "data": _kept(atype, plain(res.get("data") or {})),
            "location": str(res.get("location") or ""),
            "parent": str(res.get("parent") or ""),
        }
    pol = asset.get("iamPolicy")
    if pol is not None:
        if not isinstance(pol, Mapping) or not isinstance(pol.get("bindings") or [], list):
            raise AssetFormatError(f"{name}: 'iamPolicy' is not an object with 'bindings'")
        bindings = []
        for b in pol.get("bindings") or []:
            if not isinstance(b, Mapping) or not isinstance(b.get("members") or [], list):
                raise AssetFormatError(f"{name}: an IAM binding is not an object with 'members'")
            item: dict[str, Any] = {
                "role": str(b.get("role") or ""),
                "members": sorted(str(m) for m in b.get("members") or []),
            }
            if b.get("condition"):
                item["condition"] = plain(b["condition"])
            bindings.append(item)
        out["iamPolicy"] = {
            "bindings": sorted(bindings, key=lambda b: json.dumps(b, sort_keys=True))
        }
        audit = pol.get("auditConfigs")
        if isinstance(audit, list) and audit:
            # Data Access audit logging (who reads and writes data): kept as the API gives it
            out["iamPolicy"]["auditConfigs"] = plain(audit)
    return out


def project_numbers(assets: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Project number -> project id, from the Project assets among ``assets``."""
    out: dict[str, str] = {}
    for a in assets:
        if a.get("assetType") != PROJECT_TYPE:
            continue
        data = (a.get("resource") or {}).get("data") or {}
        if data.get("projectNumber") and data.get("projectId"):
            out[str(plain(data["projectNumber"]))] = str(data["projectId"])
    return out


def account_of(asset: Mapping[str, Any], numbers: Mapping[str, str]) -> str:
    """The project id owning an asset (folders and organisations own themselves)."""
    for anc in asset.get("ancestors") or []:
        kind, _, ident = str(anc).partition("/")
        if kind == "projects":
            return numbers.get(ident, ident)
        if kind in ("folders", "organizations"):
            break
    m = _PROJECT_IN_NAME.search(str(asset.get("name") or ""))
    if m:
        return numbers.get(m.group(1), m.group(1))
    ancestors = [str(a) for a in asset.get("ancestors") or []]
    return ancestors[0] if ancestors else ""


def region_of(location: str) -> str:
    return location.lower() if location else "global"


LIST_OPERATION = "cloudasset:ListAssets"


class AssetIndex:
    """What turning one asset into records needs from the others.

    Project numbers (an asset names its project by number, the record by id) and
    each resource's location (an IAM policy carries none: it takes its resource's,
    so both records of one asset normalise to the same place). Small beside the
    assets, so a collector can keep it while the assets themselves go to disk.
    """

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}
        self.located: dict[str, str] = {}

    def add(self, trimmed: Mapping[str, Any]) -> None:
        self.numbers.update(project_numbers([trimmed]))
        if "resource" in trimmed:
            self.located[str(trimmed["name"])] = str(trimmed["resource"]["location"])

    def update(self, other: AssetIndex) -> None:
        """Add what ``other`` knows (its answers win, as if its assets came later)."""
        self.numbers.update(other.numbers)
        self.located.update(other.located)


def records_of(
    trimmed: Mapping[str, Any], index: AssetIndex, seen: set[bytes]
) -> Iterator[RawRecord]:
    """The records of one trimmed asset (one per content), skipping those in ``seen``.

    ``seen`` holds a digest of every record made so far: the same asset listed
    from two scopes (a project and its folder) gives its records once.
    """
    account = account_of(trimmed, index.numbers)
    for content in ("resource", "iamPolicy"):
        if content not in trimmed:
            continue
        data = {k: v for k, v in trimmed.items() if k not in ("resource", "iamPolicy")}
        data[content] = trimmed[content]
        key = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).digest()
        if key in seen:
            continue
        seen.add(key)
        location = index.located.get(str(trimmed["name"]), "")
        yield RawRecord(
            cloud="gcp",
            account=account,
            region=region_of(location),
            service=service_of(trimmed["assetType"]) if content == "resource" else "iam",
            type=trimmed["assetType"] if content == "resource" else IAM_POLICY_TYPE,
            data=data,
            operation=LIST_OPERATION,
        )


def to_records(assets: Sequence[Mapping[str, Any]]) -> list[RawRecord]:
    """Raw records (sorted, one per asset and content) from API-shaped assets.

    Raises :class:`AssetFormatError` for an asset without name or type.
    """
    trimmed = [trim_asset(a) for a in assets]
    index = AssetIndex()
    for a in trimmed:
        index.add(a)
    seen: set[bytes] = set()
    records = [rec for a in trimmed for rec in records_of(a, index, seen)]
    records.sort(key=lambda r: (r.account, r.type, str(r.data["name"]), r.service))
    return records
