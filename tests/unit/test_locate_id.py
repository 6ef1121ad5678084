"""Where an id says it is, by the grammar of each cloud (for ids never collected)."""

from __future__ import annotations

import pytest

from auditor.base.ids import locate_id


@pytest.mark.parametrize(
    ("rid", "where"),
    [
        ("scope:aws/111111111111/us-east-1", ("aws", "111111111111", "us-east-1")),
        ("scope:gcp/*/europe-west1", ("gcp", "", "europe-west1")),
        ("scope:azure/*/*", ("azure", "", "")),
        ("arn:aws:iam::999999999999:role/automation", ("aws", "999999999999", "")),
        ("arn:aws:kms:us-west-2:111111111111:key/abc", ("aws", "111111111111", "us-west-2")),
        ("arn:aws:s3:::bucket-without-account", ("aws", "", "")),
        (
            "/subscriptions/AAAA-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
            ("azure", "aaaa-1", ""),
        ),
        (
            "//cloudkms.googleapis.com/projects/vendor-ops/locations/europe-west1/keyRings/k",
            ("gcp", "vendor-ops", "europe-west1"),
        ),
        (
            "//compute.googleapis.com/projects/p/zones/europe-west4-b/instances/i",
            ("gcp", "p", "europe-west4"),
        ),
        ("//storage.googleapis.com/projects/_/buckets/b", ("gcp", "", "")),
        (
            "serviceAccount:automation@vendor-ops.iam.gserviceaccount.com",
            ("gcp", "vendor-ops", ""),
        ),
        ("user:contractor@gmail.com", ("gcp", "", "")),
        ("dns:bootstrap.kafka.example.internal", ("", "", "")),
        ("replication:mm2", ("", "", "")),
    ],
)
def test_locate_id_reads_each_clouds_grammar(rid: str, where: tuple[str, str, str]) -> None:
    assert locate_id(rid) == where
