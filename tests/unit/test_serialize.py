"""inventory.jsonl round-trips exactly, and bad lines give a located error."""

from __future__ import annotations

import pytest

from auditor.base.serialize import BundleFormatError, inventory_jsonl, read_inventory_jsonl
from auditor.model import CollectionUnit, Gap, Inventory, Relation, Resource, Scope

SCOPE = Scope(accounts=("111111111111",), regions=("us-east-1",))


def test_roundtrip_is_exact() -> None:
    inv = Inventory(
        scope=SCOPE,
        resources=(
            Resource(
                id="arn:aws:s3:::b",
                cloud="aws",
                kind="bucket",
                account="111111111111",
                region="us-east-1",
                name="b",
                tags={"k": "v"},
                attributes={"versioning": None},
                source="s3:ListBuckets",
            ),
        ),
        relations=(
            Relation(
                source="arn:aws:s3:::b",
                target="arn:aws:kms:us-east-1:111111111111:key/k",
                kind="data.encrypted_by",
                reason="SSE-KMS",
            ),
        ),
        gaps=(
            Gap(
                cloud="aws",
                account="111111111111",
                region="global",
                service="s3",
                operation="GetBucketPolicy",
                error_code="AccessDenied",
                resource="arn:aws:s3:::b",
            ),
        ),
        collected=(
            CollectionUnit(cloud="aws", account="111111111111", region="global", service="s3"),
        ),
    )
    text = inventory_jsonl(inv).decode()
    back = read_inventory_jsonl(text, scope=SCOPE)
    assert back == inv
    assert inventory_jsonl(back).decode() == text
    assert back.was_collected("s3", "111111111111")
    assert not back.was_collected("iam", "111111111111")


def test_empty_mappings_read_back_are_one_read_only_mapping() -> None:
    """Missing, null and ``{}`` tags/attributes share one mapping (memory at a million
    relations), which nothing can write through, and are written back as they were."""
    text = (
        '{"account": "1", "attributes": {}, "cloud": "aws", "id": "a", "kind": "vpc",'
        ' "name": "", "region": "r", "source": "", "tags": {}, "type": "resource"}\n'
        '{"account": "1", "attributes": {"cidr": "10.0.0.0/16"}, "cloud": "aws", "id": "b",'
        ' "kind": "vpc", "name": "", "region": "r", "source": "", "tags": {}, "type": "resource"}\n'
        '{"attributes": {}, "kind": "k", "reason": "r1", "source": "a", "target": "b",'
        ' "type": "relation"}\n'
        '{"attributes": {"port": 443}, "kind": "k", "reason": "r2", "source": "b",'
        ' "target": "a", "type": "relation"}\n'
    )
    missing = (
        '{"account": "1", "cloud": "aws", "id": "c", "kind": "vpc", "region": "r",'
        ' "attributes": null, "type": "resource"}\n'
        '{"kind": "k", "reason": "r3", "source": "c", "target": "a", "type": "relation"}\n'
    )
    inv = read_inventory_jsonl(text + missing, scope=SCOPE)
    a, b, c = inv.resources
    r1, r2, r3 = inv.relations
    empties = [a.tags, a.attributes, b.tags, c.tags, c.attributes, r1.attributes, r3.attributes]
    assert all(m is r1.attributes for m in empties) and dict(r1.attributes) == {}
    assert dict(b.attributes) == {"cidr": "10.0.0.0/16"} and dict(r2.attributes) == {"port": 443}
    with pytest.raises(TypeError):
        r1.attributes["x"] = 1  # type: ignore[index]
    back = read_inventory_jsonl(text, scope=SCOPE)
    assert inventory_jsonl(back).decode() == text


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("{not json", "inventory:1: not JSON"),
        ('["a"]', "inventory:1: expected a JSON object"),
        ('{"type": "resource", "id": "x"}', "inventory:1: missing field 'cloud'"),
        ('{"type": "mystery"}', "inventory:1: unknown record type 'mystery'"),
        ('{"type": ["resource"]}', "inventory:1: unknown record type \\['resource'\\]"),
        ("{}", "inventory:1: unknown record type None"),
        ('"resource"', "inventory:1: expected a JSON object"),
        ("7", "inventory:1: expected a JSON object"),
        (
            '{"type": "resource", "id": "x", "cloud": "aws", "kind": "k", "account": "1",'
            ' "region": "r", "tags": [1]}',
            "inventory:1: tags must be a JSON object",
        ),
        (
            '{"type": "relation", "source": "a", "target": "b", "kind": "k", "reason": "r",'
            ' "tags": [1], "attributes": "x"}',
            "inventory:1: attributes must be a JSON object",
        ),
        (  # an empty value that is not an object is still refused (not read as empty)
            '{"type": "relation", "source": "a", "target": "b", "kind": "k", "reason": "r",'
            ' "attributes": []}',
            "inventory:1: attributes must be a JSON object",
        ),
        (
            '{"type": "resource", "id": "x", "cloud": "aws", "kind": "k", "account": "1",'
            ' "region": "r", "tags": ""}',
            "inventory:1: tags must be a JSON object",
        ),
        ('{"type": "relation", "source": "a", "kind": "k"}', "inventory:1: missing field 'target'"),
        ('{"type": "gap", "cloud": "aws"}', "inventory:1: missing field 'account'"),
        ('{"type": "collected"}', "inventory:1: missing field 'cloud'"),
        ("\n\n[]", "inventory:3: expected a JSON object"),
    ],
)
def test_bad_lines_are_located(line: str, fragment: str) -> None:
    with pytest.raises(BundleFormatError, match=fragment):
        read_inventory_jsonl(line, scope=SCOPE)
