"""Kafka-layer parsing and judging that needs no cloud: properties, MSK host names, durability."""

from __future__ import annotations

import pytest

from auditor.checks.failure_broker_durability import judge_settings
from auditor.model import RawRecord, Scope
from auditor.normalize import NormalizationError, normalize
from auditor.normalize.aws.msk_config import parse_properties
from auditor.normalize.aws.msk_connect import bootstrap_region


def test_properties_parse_like_java_properties() -> None:
    text = "# comment\n! other comment\n\nmin.insync.replicas = 2\nkey: value\nempty=\n"
    assert parse_properties(text) == {"min.insync.replicas": "2", "key": "value", "empty": ""}


@pytest.mark.parametrize(
    ("servers", "region"),
    [
        ("b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9098", "us-east-1"),
        (
            "b-1.o.x.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.o.x.c2.kafka.eu-west-1.amazonaws.com:9098",
            "eu-west-1",
        ),
        ("boot-abc.c1.kafka-serverless.ap-southeast-2.amazonaws.com:9098", "ap-southeast-2"),
        (
            "b-1.o.x.c2.kafka.us-east-1.amazonaws.com:9098,b-1.p.y.c2.kafka.us-west-2.amazonaws.com:9098",
            None,
        ),
        ("broker-1.kafka.example.internal:9092", None),
        ("", None),
        (None, None),
    ],
)
def test_msk_bootstrap_servers_name_their_region(servers: str | None, region: str | None) -> None:
    assert bootstrap_region(servers) == region


@pytest.mark.parametrize(
    ("rf", "isr", "unclean", "brokers", "problems", "unset"),
    [
        (3, 2, False, 3, 0, []),
        (2, 1, False, 3, 2, []),  # RF 2, ISR 1
        (3, 3, False, 3, 1, []),  # ISR not below RF
        (3, 2, True, 3, 1, []),  # unclean election
        (3, 2, False, 2, 1, []),  # two brokers
        (None, 2, None, 3, 0, ["default.replication.factor", "unclean.leader.election.enable"]),
    ],
)
def test_durability_settings(
    rf: int | None,
    isr: int | None,
    unclean: bool | None,
    brokers: int | None,
    problems: int,
    unset: list[str],
) -> None:
    got, missing = judge_settings(rf, isr, unclean, brokers)
    assert len(got) == problems, got
    assert missing == unset


def _revision(props: str) -> RawRecord:
    arn = "arn:aws:kafka:us-east-1:111111111111:configuration/c/0000"
    return RawRecord(
        cloud="aws",
        account="111111111111",
        region="us-east-1",
        service="msk-config",
        type="msk:configuration_revision",
        operation="kafka:DescribeConfigurationRevision",
        data={"Arn": arn, "Revision": 2, "ServerProperties": props, "Configuration": {"Arn": arn}},
    )


def test_a_revision_that_sets_nothing_has_unknown_durability() -> None:
    inv = normalize(
        [_revision("auto.create.topics.enable=false\n")],
        scope=Scope(accounts=("111111111111",), regions=("us-east-1",)),
    )
    [config] = inv.resources
    assert config.id.endswith("/revision/2")
    assert config.attributes["default_replication_factor"] is None
    assert config.attributes["unclean_leader_election"] is None
    assert config.attributes["latest"] is None  # the listing gave no latest revision


def test_an_unparseable_durability_value_is_an_error_not_a_guess() -> None:
    with pytest.raises(NormalizationError):
        from auditor.normalize import Builder
        from auditor.normalize.aws.msk_config import configuration_revision

        configuration_revision(_revision("min.insync.replicas=two\n"), Builder())
