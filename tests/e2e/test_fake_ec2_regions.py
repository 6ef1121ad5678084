"""The fake answers ``DescribeRegions`` filters as EC2 does (moto ignores them).

A peer tool that asks for the ``not-opted-in`` regions to skip them skipped every region
against plain moto, so a side-by-side benchmark compared the auditor's whole scan with
the peer's global services only (bench/collection.py, ``--scoutsuite``).
"""

from __future__ import annotations

import pytest

from auditor.fakecloud.moto_server import MotoServer, account_session
from tests.helpers import CUSTOMER

pytestmark = pytest.mark.e2e


def _names(moto_server: MotoServer, **kwargs: object) -> list[str]:
    ec2 = account_session(CUSTOMER).client("ec2")
    return [r["RegionName"] for r in ec2.describe_regions(AllRegions=True, **kwargs)["Regions"]]


def test_no_filter_lists_every_region(moto_server: MotoServer) -> None:
    assert {"us-east-1", "eu-west-1", "ap-south-1"} <= set(_names(moto_server))


def test_opt_in_status_filter_keeps_only_matching_regions(moto_server: MotoServer) -> None:
    everything = _names(moto_server)
    skipped = _names(moto_server, Filters=[{"Name": "opt-in-status", "Values": ["not-opted-in"]}])
    usable = _names(
        moto_server, Filters=[{"Name": "opt-in-status", "Values": ["opt-in-not-required"]}]
    )
    assert "us-east-1" not in skipped
    assert "us-east-1" in usable
    assert sorted(skipped + usable) == sorted(everything)  # moto knows no opted-in region


def test_region_name_filter(moto_server: MotoServer) -> None:
    got = _names(
        moto_server, Filters=[{"Name": "region-name", "Values": ["eu-west-1", "us-east-2"]}]
    )
    assert sorted(got) == ["eu-west-1", "us-east-2"]
