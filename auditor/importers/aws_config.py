"""AWS Config exports as the raw records the live AWS collectors emit.

Reads a configuration snapshot as Config delivers it to S3
(``{fileVersion, configSnapshotId, configurationItems}``, ``.json`` or
``.json.gz``), and the output of ``aws configservice
batch-get-resource-config`` and ``select-resource-config``. Each configuration
item becomes the record its collector would emit (same ``type``, same
Describe-API shape), so the normalisers of live collection run unchanged.

Config writes EC2, IAM and most older types in the Java SDK's lower camel case
(``vpcId``) and CloudFormation-registry types (MSK, EKS, transit gateways,
Route53, ELBv2 listeners) in upper camel with CloudFormation's field names: each
type has its own converter in :mod:`auditor.importers._aws_config_items`.

Completeness, per (account, region, service):

- Config records a resource type for every resource of it or not at all. A
  type is recorded in a place when the snapshot holds an item of it there, or
  the place's ``AWS::Config::ConfigurationRecorder`` item says it records it.
- A service's unit is complete when every type its collector lists is recorded
  and Config records that listing at all. It never does for EBS snapshots
  (ec2-compute), Route53 record sets, ELBv2 target groups, MSK cluster
  policies, Organizations and STS: those units stay gaps.
- Query results (batch-get, select) prove nothing about completeness: every
  unit of such a file stays a gap; its resources are still judged.
- Buckets and trails homed in regions the export does not cover are unknown:
  a gap in the pseudo-region ``other-regions`` says so.

Facts Config does not record (a KMS key policy, a trail's logging status, a
transit gateway route table's routes) are null in the inventory and a gap names
the resource. Config records customer-managed prefix lists only: a route or rule
naming an AWS-managed one stays undecided and a gap names the list.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.importers import ExportFormatError, Importer, ImportResult, export_text, located
from auditor.importers._aws_config_convert import (
    GLOBAL,
    GLOBAL_TYPES,
    Item,
    Out,
    get,
    tag_map,
)
from auditor.importers._aws_config_items import CONVERTERS
from auditor.model import CollectionUnit, Gap

if TYPE_CHECKING:
    from auditor.boundary import Declaration

FORMAT = "aws-config"
OTHER_REGIONS = "other-regions"
"""Pseudo-region of a gap about regions the export does not cover at all."""
RECORDER = "AWS::Config::ConfigurationRecorder"
_GONE = ("ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded")

SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "ec2-network": (
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::RouteTable",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::EgressOnlyInternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::VPNGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::NetworkInterface",
        "AWS::EC2::VPCPeeringConnection",
        "AWS::EC2::TransitGateway",
        "AWS::EC2::TransitGatewayAttachment",
        "AWS::EC2::TransitGatewayRouteTable",
        "AWS::EC2::VPCEndpoint",
        "AWS::EC2::VPCEndpointService",
        "AWS::EC2::FlowLog",
        "AWS::EC2::PrefixList",
    ),
    "ec2-compute": ("AWS::EC2::Instance", "AWS::EC2::Volume"),
    "ec2-vpn": ("AWS::EC2::CustomerGateway", "AWS::EC2::VPNConnection"),
    "s3": ("AWS::S3::Bucket",),
    "kms": ("AWS::KMS::Key", "AWS::KMS::Alias"),
    "iam": ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::Group"),
    "cloudtrail": ("AWS::CloudTrail::Trail",),
    "elbv2": (
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::Listener",
    ),
    "autoscaling": ("AWS::AutoScaling::AutoScalingGroup",),
    "msk": ("AWS::MSK::Cluster",),
    "eks": ("AWS::EKS::Cluster",),
    "route53": ("AWS::Route53::HostedZone", "AWS::Route53::HealthCheck"),
}
"""The Config types each collector's listings need (what makes its unit complete)."""

NEVER_RECORDED: dict[str, tuple[str, str]] = {
    # service: (operation, what Config lacks)
    "ec2-compute": ("DescribeSnapshots", "AWS Config does not record EBS snapshots"),
    "route53": ("ListResourceRecordSets", "AWS Config does not record Route53 record sets"),
    "elbv2": ("DescribeTargetGroups", "AWS Config does not record ELBv2 target groups"),
    "msk-policy": ("GetClusterPolicy", "AWS Config does not record MSK cluster policies"),
    "organizations": ("DescribeOrganization", "AWS Config does not record the organization"),
    "sts": ("GetCallerIdentity", "an export has no caller identity"),
}
GLOBAL_SERVICES = ("iam", "s3", "route53", "organizations", "sts")

# --- reading ---------------------------------------------------------------------------


def _text(path: Path) -> str:
    return export_text(path)


def _json(path: Path, text: str, where: str = "") -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = f"line {exc.lineno}, column {exc.colno}"
        raise located(path, f"{where} {at}".strip(), f"invalid JSON: {exc.msg}") from exc
    except RecursionError:
        raise located(path, where, "JSON nested too deeply to read") from None


def _item(path: Path, where: str, raw: Any) -> Item:
    if not isinstance(raw, Mapping):
        raise located(path, where, "a configuration item must be a JSON object")
    rtype = raw.get("resourceType")
    if not isinstance(rtype, str) or not rtype:
        raise located(path, where, "missing field 'resourceType'")
    account = raw.get("awsAccountId", raw.get("accountId"))
    if not isinstance(account, str) or not account:
        raise located(path, where, f"{rtype}: missing field 'awsAccountId'")
    region = raw.get("awsRegion")
    if not isinstance(region, str) or not region:
        raise located(path, where, f"{rtype}: missing field 'awsRegion'")
    configuration = raw.get("configuration")
    if isinstance(configuration, str):
        configuration = _json(path, configuration, f"{where}.configuration")
    supplementary = raw.get("supplementaryConfiguration") or {}
    if not isinstance(supplementary, Mapping):
        raise located(path, where, f"{rtype}: 'supplementaryConfiguration' must be an object")
    supp: dict[str, Any] = {}
    for key, value in supplementary.items():
        # batch-get answers each supplementary value as a JSON string.
        if isinstance(value, str) and (value[:1] in ("{", "[", '"') or value == "null"):
            value = _json(path, value, f"{where}.supplementaryConfiguration.{key}")
        supp[str(key)] = value
    status = str(raw.get("configurationItemStatus") or "OK")
    if configuration is None and status not in _GONE:
        raise located(path, where, f"{rtype} {raw.get('resourceId')}: missing 'configuration'")
    if configuration is not None and not isinstance(configuration, Mapping):
        raise located(path, where, f"{rtype}: 'configuration' must be an object")
    try:
        tags = tag_map(raw.get("tags"))
    except ValueError as exc:
        raise located(path, f"{where}.tags", str(exc)) from None
    return Item(
        where=where,
        type=rtype,
        id=str(raw.get("resourceId") or ""),
        name=str(raw.get("resourceName") or ""),
        account=account,
        region=region,
        arn=str(raw.get("ARN") or raw.get("arn") or ""),
        configuration=configuration or {},
        supplementary=supp,
        tags=tags,
        status=status,
    )


def _items(path: Path, doc: Any) -> tuple[list[Item], bool]:
    """(items, whether the file is a snapshot that can prove completeness)."""
    if isinstance(doc, Mapping) and isinstance(doc.get("configurationItems"), list):
        key, snapshot = "configurationItems", True
        raws: list[Any] = doc["configurationItems"]
    elif isinstance(doc, Mapping) and isinstance(doc.get("baseConfigurationItems"), list):
        key, snapshot = "baseConfigurationItems", False
        raws = doc["baseConfigurationItems"]
    elif isinstance(doc, Mapping) and isinstance(doc.get("Results"), list):
        key, snapshot = "Results", False
        raws = [
            _json(path, r, f"Results[{i}]") if isinstance(r, str) else r
            for i, r in enumerate(doc["Results"])
        ]
    else:
        found = (
            f"an object with keys {sorted(doc)[:6]}"
            if isinstance(doc, Mapping)
            else f"a JSON {type(doc).__name__}"
        )
        raise located(
            path,
            "top level",
            "expected an AWS Config snapshot ({fileVersion, configSnapshotId, "
            "configurationItems: [...]}) or configservice batch-get/select output; "
            f"found {found}",
        )
    return [_item(path, f"{key}[{i}]", raw) for i, raw in enumerate(raws)], snapshot


# --- completeness --------------------------------------------------------------------


_CONSUMED = frozenset({"AWS::KMS::Alias", "AWS::IAM::Policy", "AWS::IAM::Group", RECORDER})
"""Types read only as detail of another record (or as recorder evidence)."""


def _recorded(items: list[Item]) -> tuple[dict[tuple[str, str], set[str]], dict[str, bool]]:
    """Types recorded per (account, region), and per account whether global types are."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    global_types: dict[str, bool] = defaultdict(bool)
    every = {t for types in SERVICE_TYPES.values() for t in types}
    for it in items:
        if it.type in GLOBAL_TYPES:
            seen[(it.account, GLOBAL)].add(it.type)
            continue
        seen[(it.account, it.region)].add(it.type)
        if it.type != RECORDER:
            continue
        group = get(it.configuration, "RecordingGroup") or {}
        if get(it.configuration, "Recording") is False:
            continue
        excluded = set(get(get(group, "ExclusionByResourceTypes") or {}, "ResourceTypes") or [])
        if get(group, "AllSupported"):
            seen[(it.account, it.region)] |= every - excluded
            if get(group, "IncludeGlobalResourceTypes"):
                seen[(it.account, GLOBAL)] |= GLOBAL_TYPES - excluded
        else:
            listed = set(get(group, "ResourceTypes") or [])
            seen[(it.account, it.region)] |= listed
            seen[(it.account, GLOBAL)] |= listed & GLOBAL_TYPES
    for (account, region), types in seen.items():
        if region == GLOBAL and types >= GLOBAL_TYPES:
            global_types[account] = True
    return seen, global_types


_Verdict = CollectionUnit | Gap
"""A unit the export covers completely, or the gap saying why it does not."""


def _gap(account: str, region: str, service: str, operation: str, message: str) -> Gap:
    """What the export cannot show about one unit (the message cut to 300 characters)."""
    return Gap(
        cloud="aws",
        account=account,
        region=region,
        service=service,
        operation=operation,
        error_code="NotInExport",
        message=message[:300],
    )


def _judge(
    account: str,
    region: str,
    service: str,
    recorded: Iterable[str],
    *,
    snapshot: bool,
    path: Path,
) -> _Verdict:
    """One unit: complete only when a snapshot records every type its collector lists."""
    if not snapshot:
        return _gap(
            account,
            region,
            service,
            "import",
            f"{path.name} is a query result, not a configuration snapshot: "
            "it cannot show that nothing else exists",
        )
    if service in NEVER_RECORDED:
        operation, why = NEVER_RECORDED[service]
        return _gap(account, region, service, operation, why)
    if service not in SERVICE_TYPES:
        return _gap(
            account, region, service, "import", "no AWS Config type is mapped to this collector"
        )
    have = set(recorded)
    missing = [t for t in SERVICE_TYPES[service] if t not in have]
    if missing:
        return _gap(
            account,
            region,
            service,
            "import",
            f"the snapshot shows no recording of {', '.join(missing)}",
        )
    return CollectionUnit(cloud="aws", account=account, region=region, service=service)


def _s3_verdicts(
    account: str, seen: Mapping[tuple[str, str], set[str]], *, snapshot: bool, path: Path
) -> list[_Verdict]:
    """S3 in one account: its unit, and a gap for buckets homed in regions not exported.

    Buckets are listed globally but recorded by Config in their home region, so
    the listing is complete only for the regions the export covers.
    """
    recorded = {
        r
        for (a, r), types in seen.items()
        if a == account and "AWS::S3::Bucket" in types and r != GLOBAL
    }
    covered = ", ".join(sorted(recorded)) or "none"
    return [
        _judge(
            account,
            GLOBAL,
            "s3",
            {"AWS::S3::Bucket"} if recorded else set(),
            snapshot=snapshot,
            path=path,
        ),
        _gap(
            account,
            OTHER_REGIONS,
            "s3",
            "ListBuckets",
            f"buckets in regions the export does not cover are unknown (covered: {covered})",
        ),
    ]


def _coverage(
    items: list[Item], snapshot: bool, path: Path
) -> tuple[list[CollectionUnit], list[Gap]]:
    """The units the export covers completely, and a gap for every other unit it touches.

    Every collector's unit is judged in every exported place (regional
    services) or account (global ones), in the collectors' order.
    """
    seen, global_ok = _recorded(items)
    places = sorted({(it.account, it.region) for it in items if it.region != GLOBAL})
    accounts = sorted({it.account for it in items})
    verdicts: list[_Verdict] = []

    from auditor.collect.aws import services

    for svc in services():
        if svc.opt_in:
            continue  # observed flows are read by a scan only, never from a Config snapshot
        if svc.scope == "regional":
            for account, region in places:
                verdicts.append(
                    _judge(
                        account,
                        region,
                        svc.name,
                        seen.get((account, region), set()),
                        snapshot=snapshot,
                        path=path,
                    )
                )
            continue
        for account in accounts:
            if svc.name == "iam":
                # IAM is complete when the recorder records every global type.
                iam = GLOBAL_TYPES if global_ok[account] else seen.get((account, GLOBAL), set())
                verdicts.append(_judge(account, GLOBAL, "iam", iam, snapshot=snapshot, path=path))
            elif svc.name == "s3":
                verdicts += _s3_verdicts(account, seen, snapshot=snapshot, path=path)
            else:
                verdicts.append(
                    _judge(account, GLOBAL, svc.name, set(), snapshot=snapshot, path=path)
                )
    for account in accounts:
        if any(a == account for a, _ in places):
            verdicts.append(
                _gap(
                    account,
                    OTHER_REGIONS,
                    "cloudtrail",
                    "DescribeTrails",
                    "trails homed in regions the export does not cover are unknown",
                )
            )
    units = [v for v in verdicts if isinstance(v, CollectionUnit)]
    gaps = [v for v in verdicts if isinstance(v, Gap)]
    return units, gaps


# --- the importer --------------------------------------------------------------------


def read(path: Path) -> ImportResult:
    """Read one Config snapshot or query result into the AWS collectors' raw records."""
    items, snapshot = _items(path, _json(path, _text(path)))
    out = Out(path=path)
    live = [it for it in items if it.status not in _GONE]
    for it in live:
        region = GLOBAL if it.type in GLOBAL_TYPES else it.region
        out.by_type[(it.account, region, it.type)].append(it)
    skipped: dict[str, int] = defaultdict(int)
    for it in live:
        convert = CONVERTERS.get(it.type)
        if convert is None:
            if it.type not in _CONSUMED:
                skipped[it.type] += 1
            continue
        try:
            convert(it, out)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise located(
                path, it.where, f"{it.type} {it.id}: unexpected shape ({type(exc).__name__}: {exc})"
            ) from exc
    notes = [
        f"skipped {n} item(s) of {t}: no collector reads that type"
        for t, n in sorted(skipped.items())
    ]
    gone = len(items) - len(live)
    if gone:
        notes.append(f"skipped {gone} deleted or unrecorded item(s)")
    units, gaps = _coverage(items, snapshot, path)
    return ImportResult(
        records=tuple(out.records),
        units=tuple(units),
        accounts=tuple(sorted({it.account for it in items})),
        regions=tuple(sorted({it.region for it in items if it.region != GLOBAL})),
        gaps=tuple(gaps + out.gaps),
        unknown={k: tuple(v) for k, v in out.unknown.items()},
        origins=tuple(out.origins),
        notes=tuple(notes),
        not_judged=dict(sorted(skipped.items())),
    )


def detect(head: bytes) -> bool:
    text = head.decode("utf-8", errors="ignore")
    return (
        '"configurationItems"' in text
        or '"baseConfigurationItems"' in text
        or ('"Results"' in text and "resourceType" in text)
    )


def expected(decl: Declaration) -> tuple[CollectionUnit, ...]:
    """The units a live scan of the declaration runs (customer accounts, declared regions)."""
    from auditor.collect.aws import services

    accounts = decl.accounts("aws", "customer")
    regions = sorted(decl.regions_of("aws"))
    return tuple(
        CollectionUnit(cloud="aws", account=a, region=r, service=s.name)
        for a in accounts
        for s in services()
        if not s.opt_in
        for r in ((GLOBAL,) if s.scope == "global" else regions)
    )


def _details() -> str:
    rows = ["| collector | Config types it needs | complete from a snapshot |", "|---|---|---|"]
    for service, types in SERVICE_TYPES.items():
        never = NEVER_RECORDED.get(service)
        verdict = f"never: {never[1]}" if never else "when every type is recorded"
        rows.append(f"| `{service}` | {', '.join(f'`{t}`' for t in types)} | {verdict} |")
    for service, (_, why) in NEVER_RECORDED.items():
        if service not in SERVICE_TYPES:
            rows.append(f"| `{service}` | - | never: {why} |")
    return "\n".join(
        [
            "A type counts as recorded in an account and region when the snapshot holds an "
            "item of it there or the `AWS::Config::ConfigurationRecorder` item says it is "
            "recorded. Units that are not complete, declared regions without items, and "
            "buckets or trails homed in regions the export does not cover (pseudo-region "
            "`other-regions`) are gaps. Query results (batch-get, select) are imported "
            "but prove no unit complete.",
            "",
            *rows,
            "",
            "Facts Config does not record are null with a gap naming the resource: KMS key "
            "policies (and rotation when `KeyRotationStatus` is absent), a trail's logging "
            "status (and its selectors when it has custom ones), S3's policy-status verdict "
            "for buckets with a policy, endpoint service permissions, transit gateway state, "
            "attachment state and association, transit route tables' routes, ALB listener "
            "rules, MSK cluster state, AWS managed policy documents, EKS facts missing "
            "from the item, a prefix list's state, and AWS-managed prefix lists "
            "(`com.amazonaws.<region>.*`, never recorded: a route or security-group rule "
            "naming one stays undecided, a gap names the list). An IAM role's "
            "`max_session_duration` is null without a gap (Config does not record it and "
            "no rule reads it). Config types no collector "
            "reads are skipped with a note in the manifest.",
        ]
    )


IMPORTER = Importer(
    format=FORMAT,
    cloud="aws",
    description="AWS Config snapshot (configSnapshot JSON, .json.gz) or "
    "configservice batch-get-resource-config / select-resource-config output",
    read=read,
    detect=detect,
    expected=expected,
    details=_details(),
)

__all__ = ["IMPORTER", "ExportFormatError", "read"]
