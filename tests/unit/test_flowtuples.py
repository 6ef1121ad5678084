"""Azure flow tuples: the documented shapes are taken, anything else is malformed."""

from __future__ import annotations

import pytest

from auditor.base.flowrecords import FlowTally
from auditor.base.flowtuples import parse_nsg_tuple, parse_vnet_tuple
from auditor.collect.azure._flow_json import NSG_CONTAINER, VNET_CONTAINER, hours, take

NIC = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networkinterfaces/nic"

# The tuples of Microsoft's VNet flow log sample record and bandwidth example.
VNET_SAMPLE = [
    "1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580",
    "1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0",
    "1493763938000,185.170.185.105,10.2.0.4,35370,23,6,I,B,NX,,,,",
]
NSG_SAMPLE = [  # Microsoft's NSG flow log version 2 sample record
    "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,",
    "1542110379,10.5.16.4,203.0.113.117,59932,443,T,O,A,E,1,66,1,66",
    "1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008",
]


def test_the_documented_vnet_tuples_parse() -> None:
    end, deny, begin = (parse_vnet_tuple(t, NIC) for t in VNET_SAMPLE)
    assert (end.src, end.dst, end.dst_port, end.protocol, end.action) == (
        "10.0.0.6",
        "52.239.184.180",
        443,
        6,
        "ACCEPT",
    )
    assert (end.packets, end.bytes, end.start) == (5, 2347, 1663146003)
    assert deny.action == "REJECT" and deny.interface == NIC
    assert (begin.packets, begin.bytes) == (0, 0)


def test_the_documented_nsg_tuples_parse() -> None:
    denied, end, going = (parse_nsg_tuple(t, NIC) for t in NSG_SAMPLE)
    assert (denied.protocol, denied.action, denied.bytes, denied.dst_port) == (17, "REJECT", 0, 443)
    assert (end.protocol, end.action, end.packets, end.bytes) == (6, "ACCEPT", 2, 132)
    assert (going.packets, going.bytes, going.start) == (54, 30986, 1542110379)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,3,767,2", "12 fields"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,X,E,NX,3,767,2,1580", "direction"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,A,NX,3,767,2,1580", "state"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,YES,3,767,2,1580", "encryption"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,70000,6,O,E,NX,3,767,2,1580", "above"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,T,O,E,NX,3,767,2,1580", "count"),
        ("1663146003606,10.0.0.6,52.239.184.180,23956,443,6,O,E,NX,,,,", "count"),
        ("1663146003606,10.0.0.600,52.239.184.180,23956,443,6,O,E,NX,3,767,2,1580", "IP"),
    ],
)
def test_a_vnet_tuple_the_format_does_not_allow_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_vnet_tuple(text, NIC)


@pytest.mark.parametrize(
    "text",
    [
        "1542110377,10.0.0.4,13.67.143.118,44931,443,6,O,A,B,,,,",  # IANA number: VNet's
        "1542110377,10.0.0.4,13.67.143.118,44931,443,T,O,A,D,,,,",  # D is a VNet state
        "1542110377,10.0.0.4,13.67.143.118,44931,443,T,O,A",  # version 1: 8 fields
    ],
)
def test_an_nsg_tuple_of_another_format_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_nsg_tuple(text, NIC)


def test_a_blob_is_taken_whole_or_counted_malformed_never_half() -> None:
    tally = FlowTally(window=(0, 2**40))
    good = {
        "records": [
            {
                "macAddress": "000D3A112233",
                "flowLogResourceID": "/SUBSCRIPTIONS/S/FL",
                "flowRecords": {"flows": [{"flowGroups": [{"flowTuples": VNET_SAMPLE[:1]}]}]},
            }
        ]
    }
    other = take(tally, good, VNET_CONTAINER, {"/subscriptions/s/fl"}, {"000D3A112233": NIC})
    assert other == 0 and tally.records == 1 and tally.flows()[0]["interface"] == NIC
    assert take(tally, good, VNET_CONTAINER, {"/subscriptions/s/other"}, {}) == 1
    broken = {"records": [*good["records"], {"flowRecords": {"flows": [{"flowGroups": 3}]}}]}
    with pytest.raises(ValueError, match="flowGroups"):
        take(tally, broken, VNET_CONTAINER, {"/subscriptions/s/fl"}, {})
    assert tally.records == 1  # nothing of the broken blob was taken
    with pytest.raises(ValueError, match="version 1"):
        take(
            tally,
            {"records": [{"properties": {"Version": 1, "flows": []}}]},
            NSG_CONTAINER,
            set(),
            {},
        )


def test_blob_names_give_their_hour_and_mac() -> None:
    name = (
        "resourceId=/SUBSCRIPTIONS/S/NSG/"
        "y=2026/m=11/d=28/h=10/m=00/macAddress=00-0D-3A-10-01-04/PT1H.json"
    )
    assert hours(name) == (1795860000, "000D3A100104")
    assert hours(name.replace("h=10", "h=25")) is None
    assert hours(name.replace("PT1H.json", "PT1H.json.tmp")) is None
