"""Redaction by shape and by name: a table of real-world secret shapes (#18 item 3).

Each shape, wherever it appears in a string, loses its secret; each secret-named
tag loses its value; ExternalIds become a stable hash; text near a secret that
is not one comes through unchanged; redacting twice changes nothing.
"""

from __future__ import annotations

import pytest

from auditor.base.redact import (
    external_id_mark,
    redact_raw,
    redact_tags,
    redact_text,
    redact_value,
)
from tests.secret_shapes import NAMED, NOT_SECRET_TAGS, NOT_SECRETS, SHAPES


def test_the_table_is_large_and_its_secrets_unique() -> None:
    assert len(SHAPES) + len(NAMED) >= 40 and len(SHAPES) >= 40
    secrets = [s for _, _, s in SHAPES] + [v for _, v in NAMED]
    assert len(set(secrets)) == len(secrets)
    assert all(secret in text for _, text, secret in SHAPES)


@pytest.mark.parametrize(("label", "text", "secret"), SHAPES, ids=[s[0] for s in SHAPES])
def test_each_shape_is_redacted_wherever_it_is(label: str, text: str, secret: str) -> None:
    for carrier in (text, f"note: {text} (rotated monthly)", f"{text}\nnext line"):
        out = redact_text(carrier)
        assert secret not in out, (label, out)
        assert "[REDACTED:" in out, (label, out)
        assert redact_text(out) == out, (label, "not idempotent")
    assert secret not in str(redact_value({"description": text, "list": [text]}))
    assert secret not in str(
        redact_raw({"Description": text, "Tags": [{"Key": "n", "Value": text}]})
    )
    assert secret not in str(redact_tags({"note": text}))


@pytest.mark.parametrize(("key", "value"), NAMED, ids=[k for k, _ in NAMED])
def test_each_secret_named_tag_loses_its_value(key: str, value: str) -> None:
    assert redact_tags({key: value}) != {key: value}
    assert value not in str(redact_tags({key: value}))
    assert value not in str(redact_raw({"Tags": [{"Key": key, "Value": value}]}))
    assert value not in str(redact_raw({"TagSet": [{"Key": key, "Value": value}]}))


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_text_near_a_secret_is_left_alone(text: str) -> None:
    assert redact_text(text) == text


def test_tags_that_only_contain_a_secret_word_are_left_alone() -> None:
    assert redact_tags(NOT_SECRET_TAGS) == NOT_SECRET_TAGS


def test_external_ids_are_a_stable_hash_in_policies_raw_answers_and_text() -> None:
    ext = "Pl4ntedExternalId-7f3a"
    policy = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": ext}},
            }
        ]
    }
    hashed = redact_value(policy)
    value = hashed["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"]
    assert value == external_id_mark(ext) and ext not in str(hashed)
    assert value.startswith("[HASHED:external-id:")
    assert redact_value(hashed) == hashed  # idempotent
    assert redact_value(policy) == hashed  # stable: equal ids stay equal
    assert ext not in str(redact_raw({"AssumeRolePolicyDocument": policy, "ExternalId": ext}))
    assert ext not in redact_text(f'{{"sts:ExternalId": "{ext}"}}')
    # A wildcard is what a rule reads (it pins nothing): it stays.
    assert redact_value({"sts:ExternalId": "*"}) == {"sts:ExternalId": "*"}
    # Lists of ids hash each.
    listed = redact_value({"sts:ExternalId": [ext, "other"]})["sts:ExternalId"]
    assert listed == [external_id_mark(ext), external_id_mark("other")]
