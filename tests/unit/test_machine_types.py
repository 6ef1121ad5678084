"""Machine sizes read from documented type names, and KRaft controllers told from brokers."""

from __future__ import annotations

import pytest

from auditor.analysis.capacity import is_controller
from auditor.analysis.machine_types import MachineSize, machine_size
from auditor.model import Kind, Resource


@pytest.mark.parametrize(
    ("name", "vcpus", "memory"),
    [
        ("n2-standard-8", 8, 32),
        ("n1-standard-4", 4, 15),
        ("e2-highmem-2", 2, 16),
        ("n2-custom-6-24576", 6, 24),
        ("Standard_D4s_v5", 4, 16),
        ("Standard_E8ds_v4", 8, 64),
        ("kafka.m5.large", 2, 8),
        ("m5.4xlarge", 16, 64),
        ("r6g.xlarge", 4, 32),
    ],
)
def test_documented_sizes(name: str, vcpus: float, memory: float) -> None:
    assert machine_size(name) == MachineSize(vcpus=vcpus, memory_gib=memory)


@pytest.mark.parametrize("name", ["x9-odd", "t3.small", "Standard_Weird", "", None, "n2-mega-8"])
def test_unknown_sizes_are_none_never_guessed(name: object) -> None:
    assert machine_size(name) is None


def test_azure_size_without_a_known_memory_ratio_keeps_its_vcpus() -> None:
    assert machine_size("Standard_L8s") == MachineSize(vcpus=8, memory_gib=None)


def _res(name: str, tags: dict[str, str] | None = None) -> Resource:
    return Resource(
        id=f"i-{name}",
        cloud="aws",
        kind=Kind.INSTANCE,
        account="111111111111",
        region="us-east-1",
        name=name,
        tags=tags or {},
        attributes={},
    )


@pytest.mark.parametrize(
    ("name", "tags", "controller"),
    [
        ("kafka-controller-0", None, True),
        ("kraft-ew1", None, True),
        ("kafka-ctrl-use1", None, True),
        ("kafka-0", {"process.roles": "controller"}, True),
        ("kafka-broker-0", None, False),
        ("kafka-0", {"kafka-role": "controller"}, True),
        ("kafka-controller-0", {"kafka-role": "broker,controller"}, False),
        ("kafka-0", {"process-roles": "broker"}, False),
        ("controllerless", None, False),
    ],
)
def test_kraft_controllers(name: str, tags: dict[str, str] | None, controller: bool) -> None:
    assert is_controller(_res(name, tags)) is controller
