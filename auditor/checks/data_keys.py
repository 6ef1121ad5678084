"""data.customer-key and data.key-rotation: who owns the keys protecting log data.

A store's *protection* is read from its own attributes (bucket ``encryption``,
volume/snapshot ``encrypted`` + ``kms_key_id``, MSK ``encryption_at_rest_kms_key``)
and its ``data.encrypted_by`` edges. A key reference written as an ARN belongs
to the ARN's account; an alias or a bare key id belongs to the store's own
account and region, where it is looked up among the collected keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from auditor.analysis.boundary_scope import data_stores
from auditor.base.edges import ENCRYPTED_BY
from auditor.base.ids import gcp_project_of
from auditor.checks import Judgement, RuleContext, rule
from auditor.checks._no_stores import no_stores
from auditor.graph.build import BoundaryGraph
from auditor.model import JSONValue, Kind, PathName, Resource, Severity

_KEY_ARN = re.compile(r"^arn:[^:]+:kms:(?P<region>[^:]*):(?P<acct>\d{12}):key/(?P<id>.+)$")
_ALIAS_ARN = re.compile(r"^arn:[^:]+:kms:(?P<region>[^:]*):(?P<acct>\d{12}):(?P<alias>alias/.+)$")

_DEFAULT_ALIAS = {Kind.BUCKET: "alias/aws/s3", Kind.KAFKA_CLUSTER: "alias/aws/kafka"}
"""The AWS managed key a service uses when KMS encryption names no key."""


@dataclass(frozen=True, kw_only=True)
class KeyRef:
    """One key reference of a store, resolved as far as the inventory allows."""

    ref: str
    """As written in the store's configuration (ARN, alias, key id) or the edge target."""
    key_id: str | None
    """The key's ARN when known."""
    key: Resource | None
    """The collected key, or ``None`` when it was not collected."""
    account: str | None
    """The account owning the key, when the reference or the key says."""
    edge: tuple[str, str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class Protection:
    """How a store's data at rest is protected."""

    store: Resource
    state: str
    """``kms``, ``provider`` (an AWS owned key, e.g. SSE-S3), ``none`` or ``unknown``."""
    why: str
    keys: tuple[KeyRef, ...] = ()
    read: dict[str, JSONValue] = field(default_factory=dict)
    """The store attributes read, for evidence."""

    @property
    def edges(self) -> list[tuple[str, str, str]]:
        return [k.edge for k in self.keys if k.edge is not None]


def _alias_name(alias: str) -> str:
    return alias.split(":", 5)[-1] if alias.startswith("arn:") else alias


def _find_key(graph: BoundaryGraph, account: str, region: str, ref: str) -> Resource | None:
    """A collected key of ``account``/``region`` named by alias or key id."""
    for k in graph.of_kind(Kind.KEY):
        if k.account != account or (region and k.region != region):
            continue
        if ref.startswith("alias/"):
            if ref in {_alias_name(str(a)) for a in k.attributes.get("aliases") or []}:
                return k
        elif ref in (k.attributes.get("key_id"), k.id.rsplit("/", 1)[-1]):
            return k
    return None


def _collected(graph: BoundaryGraph, node_id: str) -> Resource | None:
    res = graph.get(node_id)
    return None if res is None or res.attributes.get("stub") else res


def _azure_key(graph: BoundaryGraph, ref: str) -> KeyRef:
    """An Azure key by resource id or Key Vault key URI; its owner is its subscription.

    A URI whose key was not collected is placed through the collected vault of
    that URI; with neither, its owner is unknown.
    """
    low = ref.lower().rstrip("/")
    if low.startswith("/subscriptions/"):
        return KeyRef(ref=ref, key_id=low, key=_collected(graph, low), account=low.split("/")[2])
    for k in graph.of_kind(Kind.KEY):
        if k.cloud == "azure" and str(k.attributes.get("key_uri") or "") == low:
            return KeyRef(ref=ref, key_id=k.id, key=k, account=k.account)
    vault_uri = low.split("/keys/", 1)[0]
    for v in graph.of_kind("key_vault"):
        if str(v.attributes.get("vault_uri") or "") == vault_uri:
            return KeyRef(ref=ref, key_id=None, key=None, account=v.account)
    return KeyRef(ref=ref, key_id=None, key=None, account=None)


def resolve_key(graph: BoundaryGraph, ref: str, store: Resource) -> KeyRef:
    """Resolve a key reference written in ``store``'s configuration."""
    if ref.startswith("//cloudkms.googleapis.com/"):
        # A Cloud KMS key's full name names the project that owns it.
        owner = gcp_project_of(ref)
        return KeyRef(ref=ref, key_id=ref, key=_collected(graph, ref), account=owner or None)
    if ref.startswith(("/subscriptions/", "https://")):
        return _azure_key(graph, ref)
    if m := _KEY_ARN.match(ref):
        return KeyRef(ref=ref, key_id=ref, key=_collected(graph, ref), account=m.group("acct"))
    if m := _ALIAS_ARN.match(ref):
        found = _find_key(graph, m.group("acct"), m.group("region"), m.group("alias"))
        return KeyRef(
            ref=ref,
            key_id=found.id if found else None,
            key=found,
            account=m.group("acct"),
        )
    found = _find_key(graph, store.account, store.region, ref)
    if found is None and store.kind == Kind.BUCKET:
        # S3 keeps the account, not the region, of a bare key id or alias it is given.
        found = _find_key(graph, store.account, "", ref)
    return KeyRef(
        ref=ref,
        key_id=found.id if found else None,
        key=found,
        account=store.account or None,
    )


def _edge_keys(graph: BoundaryGraph, store: Resource) -> list[KeyRef]:
    """Keys named by the store's ``data.encrypted_by`` edges (alias ARNs resolved)."""
    out: list[KeyRef] = []
    for rel in graph.out_edges(store.id, ENCRYPTED_BY):
        k = resolve_key(graph, rel.target, store)
        if k.account is None:
            target = graph.get(rel.target)
            k = replace(k, account=target.account if target and target.account else None)
        out.append(replace(k, edge=(rel.source, rel.target, rel.kind)))
    return out


def protection_of(graph: BoundaryGraph, store: Resource) -> Protection:
    """How ``store`` is encrypted at rest and with which keys."""
    edge_keys = _edge_keys(graph, store)
    if store.kind == Kind.BUCKET:
        return _bucket_protection(graph, store, edge_keys)
    if store.kind in (Kind.VOLUME, Kind.SNAPSHOT):
        return _volume_protection(graph, store, edge_keys)
    if store.kind == Kind.KAFKA_CLUSTER:
        return _kafka_protection(graph, store, edge_keys)
    if edge_keys:
        return _Reading(graph, store, edge_keys, {}).kms([])
    return Protection(
        store=store, state="unknown", why=f"encryption of a {store.kind} is not modelled"
    )


@dataclass(frozen=True)
class _Reading:
    """A store's encryption settings as read, and where its key references resolve."""

    graph: BoundaryGraph
    store: Resource
    edge_keys: list[KeyRef]
    read: dict[str, JSONValue]
    """The store attributes read, for evidence."""

    def kms(self, refs: list[str]) -> Protection:
        """Protected by KMS keys: the edges' keys, and each configured reference."""
        keys: dict[str, KeyRef] = {k.key_id or k.ref: k for k in self.edge_keys}
        for ref in refs:
            k = resolve_key(self.graph, ref, self.store)
            if k.key is None and self.edge_keys:
                continue  # the normaliser resolved it to the edge's key already
            keys.setdefault(k.key_id or k.ref, k)
        return Protection(
            store=self.store,
            state="kms",
            why="KMS key " + ", ".join(sorted(keys)),
            keys=tuple(v for _, v in sorted(keys.items())),
            read=self.read,
        )

    def verdict(self, state: str, why: str) -> Protection:
        """A protection that names no key: ``provider``, ``none`` or ``unknown``."""
        return Protection(store=self.store, state=state, why=why, read=self.read)


def _bucket_protection(
    graph: BoundaryGraph, store: Resource, edge_keys: list[KeyRef]
) -> Protection:
    """A bucket's default encryption, judged by the algorithm its cloud writes."""
    if "encryption" not in store.attributes:
        return Protection(store=store, state="unknown", why="encryption was not collected")
    enc: Any = store.attributes.get("encryption")
    reading = _Reading(graph, store, edge_keys, {"encryption": enc})
    if not enc:
        return reading.kms([]) if edge_keys else reading.verdict("none", "no default encryption")
    algorithm = str(enc.get("algorithm") or "")
    for by_cloud in (_aws_bucket_encryption, _azure_bucket_encryption, _gcp_bucket_encryption):
        found = by_cloud(reading, enc, algorithm)
        if found is not None:
            return found
    return reading.verdict("unknown", f"unknown algorithm {algorithm!r}")


def _aws_bucket_encryption(reading: _Reading, enc: Any, algorithm: str) -> Protection | None:
    """S3: SSE-S3 (an S3 owned key) or SSE-KMS (the named key, else the AWS managed one)."""
    if algorithm == "AES256":
        return reading.verdict("provider", "SSE-S3 (an S3 owned key)")
    if algorithm.startswith("aws:kms"):
        ref = enc.get("kms_key_id")
        return reading.kms([str(ref) if ref else _DEFAULT_ALIAS[Kind.BUCKET]])
    return None


def _azure_bucket_encryption(reading: _Reading, enc: Any, algorithm: str) -> Protection | None:
    """Azure storage: a Microsoft-managed key, or a named Key Vault key."""
    if algorithm.lower() == "microsoft.storage":
        return reading.verdict("provider", "a Microsoft-managed key")
    if algorithm.lower() == "microsoft.keyvault":
        ref = enc.get("kms_key_id")
        if not ref:
            return reading.verdict("unknown", "its Key Vault key is not named")
        return reading.kms([str(ref)])
    return None


def _gcp_bucket_encryption(reading: _Reading, enc: Any, algorithm: str) -> Protection | None:
    """Cloud Storage: a Google-managed key, or a customer-managed (CMEK) Cloud KMS key."""
    if algorithm == "google-managed":
        return reading.verdict("provider", "a Google-managed key")
    if algorithm == "cmek" and enc.get("kms_key_id"):
        return reading.kms([str(enc["kms_key_id"])])
    return None


def _volume_protection(
    graph: BoundaryGraph, store: Resource, edge_keys: list[KeyRef]
) -> Protection:
    """A volume or snapshot: encrypted or not, and with which key."""
    a = store.attributes
    if "encrypted" not in a:
        return Protection(store=store, state="unknown", why="encryption was not collected")
    reading = _Reading(
        graph,
        store,
        edge_keys,
        {"encrypted": a.get("encrypted"), "kms_key_id": a.get("kms_key_id")},
    )
    if a.get("encrypted") is False:
        return reading.verdict("none", "not encrypted")
    ref = a.get("kms_key_id")
    if not ref and not edge_keys:
        return reading.verdict("unknown", "encrypted but its key is not recorded")
    return reading.kms([str(ref)] if ref else [])


def _kafka_protection(graph: BoundaryGraph, store: Resource, edge_keys: list[KeyRef]) -> Protection:
    """A Kafka cluster's encryption at rest: its key, else its cloud's default key."""
    a = store.attributes
    if "encryption_at_rest_kms_key" not in a:
        return Protection(store=store, state="unknown", why="encryption was not collected")
    ref = a.get("encryption_at_rest_kms_key")
    reading = _Reading(graph, store, edge_keys, {"encryption_at_rest_kms_key": ref})
    if not ref and store.cloud == "gcp":
        return reading.verdict("provider", "a Google-managed key")
    if not ref and store.cloud == "azure":
        return reading.verdict("provider", "a Microsoft-managed key")
    return reading.kms([str(ref) if ref else _DEFAULT_ALIAS[Kind.KAFKA_CLUSTER]])


def _key_json(k: KeyRef) -> dict[str, JSONValue]:
    return {
        "ref": k.ref,
        "key": k.key_id,
        "account": k.account,
        "key_manager": k.key.attributes.get("key_manager") if k.key else None,
        "collected": k.key is not None,
    }


def _project_number_party(ctx: RuleContext, number: str) -> str:
    """The party of the collected GCP project with that number (``unknown`` if none)."""
    for acct in ctx.graph.of_kind(Kind.ACCOUNT):
        if acct.cloud == "gcp" and str(acct.attributes.get("project_number") or "") == number:
            return ctx.declaration.party_of("gcp", str(acct.attributes.get("account_id") or ""))
    return "unknown"


def _outside_listed_customer(ctx: RuleContext, cloud: str, k: KeyRef) -> str | None:
    """Why key ``k`` (not collected, owner unknown) lies outside the customer, or ``None``.

    Azure and GCP list every resource of an account in one listing: when each
    declared customer subscription or project was listed completely and the key
    (or, for Azure, its vault) is in none of them, it belongs to someone else.
    A gap in any customer account's listing leaves the owner unknown.
    """
    from auditor.analysis.scanned import unlisted_customer_accounts

    if k.key is not None or cloud not in ("azure", "gcp"):
        return None
    unlisted = unlisted_customer_accounts(ctx.graph.inventory, ctx.declaration, cloud)
    if unlisted is None or unlisted:
        return None
    where = "subscription" if cloud == "azure" else "project"
    listed = sorted(ctx.declaration.accounts(cloud, "customer"))
    return f"not in any customer {where} (each was listed completely: {', '.join(listed)})"


def _with_listing_gaps(ctx: RuleContext, cloud: str, j: Judgement) -> Judgement:
    """An INCONCLUSIVE about an uncollected key, naming the incomplete customer listings
    that keep its owner unknown (they may lie in another account than the store's)."""
    from auditor.analysis.scanned import listing_gaps

    gaps = listing_gaps(ctx.graph.inventory, ctx.declaration, cloud)
    if not gaps:
        return j
    return replace(j, evidence=replace(j.evidence, gaps=tuple(sorted({*j.evidence.gaps, *gaps}))))


def _key_party(ctx: RuleContext, store: Resource, k: KeyRef) -> str | None:
    """The party owning key ``k`` by its account (None or ``unknown`` when not known)."""
    party = ctx.declaration.party_of(store.cloud, k.account) if k.account else None
    if store.cloud == "gcp" and str(k.account or "").isdigit() and party == "unknown":
        party = _project_number_party(ctx, str(k.account))
    return party


def _not_a_customer_key(ctx: RuleContext, store: Resource, k: KeyRef) -> str | None:
    """Why an uncollected key ``k`` is proven not to be the customer's, or ``None``."""
    party = _key_party(ctx, store, k)
    if party not in (None, "unknown", "customer"):
        return f"is in account {k.account} ({party})"
    if party is None or party == "unknown":
        outside = _outside_listed_customer(ctx, store.cloud, k)
        return f"is {outside}" if outside else None
    return None


def _key_findings(
    ctx: RuleContext, s: Resource, p: Protection, want: str
) -> tuple[list[str], list[str]]:
    """(problems, unknowns) of the keys protecting store ``s`` against the declared owner."""
    problems: list[str] = []
    unknown: list[str] = []
    for k in p.keys:
        party = ctx.declaration.party_of(s.cloud, k.account) if k.account else None
        numbered = s.cloud == "gcp" and str(k.account or "").isdigit()
        if numbered and party == "unknown":
            party = _project_number_party(ctx, str(k.account))
        if party is None or (party == "unknown" and k.key is None and numbered):
            outside = _outside_listed_customer(ctx, s.cloud, k)
            if outside is None:
                unknown.append(f"the owner of key {k.ref} is not known")
            elif want in ("any", "unknown"):
                unknown.append(f"the owner of key {k.ref} is not known ({outside})")
            else:
                problems.append(f"key {k.ref} is {outside}")
        elif want != "any" and party != want:
            problems.append(f"key {k.ref} is in account {k.account} ({party})")
        elif want == "customer" and k.key is None:
            unknown.append(f"key {k.ref} (account {k.account}) was not collected")
        elif (
            want == "customer"
            and k.key is not None
            and k.key.attributes.get("key_manager") == "AWS"
        ):
            problems.append(f"key {k.ref} is an AWS managed key")
    return problems, unknown


@rule(
    id="data.customer-key",
    path=PathName.DATA,
    severity=Severity.HIGH,
    title="Log data is encrypted with keys the declared party owns",
    rationale=(
        "Whoever owns the key protecting log data can read it or destroy it. A key in "
        "another party's account, or one AWS manages, takes that control away from the "
        "party the boundary names."
    ),
    remediation=(
        "Encrypt the store with a customer managed KMS key created in a customer account "
        "(SSE-KMS for buckets, a CMK for volumes and MSK)."
    ),
    requires=("s3", "kms", "ec2-compute", "msk", "azure-resources", "cloudasset"),
)
def customer_key(ctx: RuleContext) -> Iterator[Judgement]:
    decl = ctx.declaration
    want = decl.data.keys
    stores = data_stores(ctx.graph)
    if not stores:
        yield no_stores(ctx)
        return
    for s in stores:
        p = protection_of(ctx.graph, s)
        attrs: dict[str, JSONValue] = {**p.read, "required_key_owner": want}
        label = f"{s.kind} {s.name or s.id}"
        if p.state == "unknown":
            yield ctx.inconclusive(s.id, f"cannot tell which key protects {label}: {p.why}")
            continue
        if p.state == "none":
            yield ctx.failed(
                s.id, f"{label} is not encrypted at rest", attributes=attrs, definite=True
            )
            continue
        if p.state == "provider":
            if want == "any":
                yield ctx.passed(s.id, f"{label} is encrypted with {p.why}", attributes=attrs)
            else:
                yield ctx.failed(
                    s.id,
                    f"{label} is encrypted with {p.why}, not a {want} managed KMS key",
                    attributes=attrs,
                    definite=True,
                )
            continue
        attrs["keys"] = [_key_json(k) for k in p.keys]
        common = {
            "attributes": attrs,
            "nodes": [k.key_id for k in p.keys if k.key_id],
            "edges": p.edges,
            "depends_on": [k.key_id for k in p.keys if k.key_id],
        }
        problems, unknown = _key_findings(ctx, s, p, want)
        if problems:
            yield ctx.failed(
                s.id,
                f"{label} is not protected by a {want} key: " + "; ".join(problems),
                definite=True,
                **common,
            )
        elif unknown:
            yield _with_listing_gaps(
                ctx,
                s.cloud,
                ctx.inconclusive(
                    s.id, f"cannot confirm the key of {label}: " + "; ".join(unknown), **common
                ),
            )
        else:
            owners = ", ".join(sorted({str(k.account) for k in p.keys}))
            yield ctx.passed(
                s.id, f"{label} is encrypted with a {want} key in account {owners}", **common
            )


def _uncollected_key(ctx: RuleContext, s: Resource, k: KeyRef) -> Judgement:
    """Rotation of a key that was not collected: not the customer's when it is proven
    outside the customer, else unknown (naming the incomplete listings behind it)."""
    foreign = _not_a_customer_key(ctx, s, k)
    if foreign is not None:
        return ctx.not_applicable(
            s.id,
            f"key {k.ref} protecting {s.kind} {s.name} {foreign}: it is no customer "
            "managed key, so its rotation is not the customer's to set "
            "(data.customer-key judges who holds it)",
            nodes=[k.key_id] if k.key_id else [],
            attributes={"key": _key_json(k), "owner": foreign},
        )
    return _with_listing_gaps(
        ctx,
        s.cloud,
        ctx.inconclusive(
            s.id,
            f"key {k.ref} protecting {s.kind} {s.name} was not collected, "
            "so its rotation is unknown",
            nodes=[k.key_id] if k.key_id else [],
            depends_on=[k.key_id] if k.key_id else [],
        ),
    )


@rule(
    id="data.key-rotation",
    path=PathName.DATA,
    severity=Severity.MEDIUM,
    title="Customer managed keys protecting log data rotate",
    rationale=(
        "Automatic rotation limits how much data one key version protects and is expected "
        "by most key management policies."
    ),
    remediation="Enable automatic key rotation on the customer managed KMS key.",
    requires=("kms", "s3", "ec2-compute", "msk"),
)
def key_rotation(ctx: RuleContext) -> Iterator[Judgement]:
    stores = data_stores(ctx.graph)
    if not stores:
        yield no_stores(ctx)
        return
    keys: dict[str, tuple[Resource, list[str]]] = {}
    not_kms: list[str] = []
    for s in stores:
        p = protection_of(ctx.graph, s)
        if p.state == "unknown":
            yield ctx.inconclusive(
                s.id, f"cannot tell which key protects {s.kind} {s.name}: {p.why}"
            )
            continue
        if p.state != "kms":
            not_kms.append(s.id)
            continue
        for k in p.keys:
            if k.key is None:
                yield _uncollected_key(ctx, s, k)
            elif k.key.attributes.get("key_manager") == "CUSTOMER":
                keys.setdefault(k.key.id, (k.key, []))[1].append(s.id)
            else:
                not_kms.append(s.id)
    for key_id, (key, protected) in sorted(keys.items()):
        rotation = key.attributes.get("rotation_enabled")
        attrs: dict[str, JSONValue] = {
            "rotation_enabled": rotation,
            "key_manager": key.attributes.get("key_manager"),
            "protects": sorted(protected),
        }
        label = f"customer managed key {key.attributes.get('key_id') or key.name or key_id}"
        if rotation is True:
            yield ctx.passed(
                key_id,
                f"{label} has automatic rotation enabled",
                nodes=sorted(protected),
                attributes=attrs,
            )
        elif rotation is False:
            yield ctx.failed(
                key_id,
                f"{label} protects log data but automatic rotation is disabled",
                nodes=sorted(protected),
                attributes=attrs,
                definite=True,
            )
        else:
            yield ctx.inconclusive(
                key_id,
                f"the rotation status of {label} was not read",
                nodes=sorted(protected),
                attributes=attrs,
            )
    if not keys and not_kms:
        yield ctx.passed(
            "scope:aws/*/*",
            f"no customer managed key protects the {len(stores)} data store(s); "
            "data.customer-key judges their keys",
            nodes=sorted(set(not_kms)),
            attributes={"stores": sorted(s.id for s in stores)},
        )
