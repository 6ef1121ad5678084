"""One id for the link between two networks, whichever end is named first.

network.replication-private names a pair of networks by it, and a path that needs a
missing link names that link by it (the cause to change): the two must be the same
string, so the order the ends come in cannot matter.
"""

from __future__ import annotations

from auditor.analysis.network.cross_cloud import link_id

AWS = "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-0a"
AZ_WEU = "/subscriptions/1111/resourcegroups/rg-weu/providers/microsoft.network/virtualnetworks/weu"
AZ_NEU = "/subscriptions/2222/resourcegroups/rg-neu/providers/microsoft.network/virtualnetworks/neu"


def test_link_id_is_order_independent_and_spelt_with_the_arrow() -> None:
    assert link_id(AZ_NEU, AZ_WEU) == link_id(AZ_WEU, AZ_NEU) == f"{AZ_WEU}<->{AZ_NEU}"
    assert link_id(AWS, AZ_WEU) == f"{AZ_WEU}<->{AWS}"  # sorted: '/' before 'a'


def test_places_of_one_network_keep_their_regions() -> None:
    a, b = "net@europe-west4", "net@europe-west1"
    assert link_id(a, b) == "net@europe-west1<->net@europe-west4"
