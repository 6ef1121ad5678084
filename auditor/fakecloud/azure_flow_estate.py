"""Write a fixture estate's Azure flow records (``flows.yaml``) as flow log blobs of its storage.

``flows.yaml`` lists, per flow log and NIC, the flows that NIC logs:

.. code-block:: yaml

    - flow_log: fl-vnet-kafka-weu      # a flowLogs row of estate.yaml, by name
      at: nic-broker-weu               # the NIC (its MAC names the blob)
      flows:
        - {src: 172.16.5.5, dst: nic-broker-weu, port: 9092, bytes: 1200, count: 2}

An address is itself, a NIC's name (its private address) or ``pip:NAME`` (the address
of the public IP resource NAME). A VNet flow log (target a VNet, subnet or NIC) writes
version 4 VNet blobs, an NSG flow log NSG version 2 blobs
(:mod:`auditor.fakecloud.azure_flow_blobs`), into the flow log's storage account in
``blob_storage``. Records end at ``now``, a minute apart. Fixture setup only.
"""

from __future__ import annotations

import copy
import ipaddress
from pathlib import Path
from typing import Any

from auditor.fakecloud.azure_flow_blobs import (
    NSG_CONTAINER,
    VNET_CONTAINER,
    nsg_blob,
    nsg_tuples,
    vnet_blob,
    vnet_tuples,
)
from auditor.fakecloud.estate import EstateError
from auditor.fakecloud.flow_records import Flow

_NIC = "microsoft.network/networkinterfaces"
_PIP = "microsoft.network/publicipaddresses"
_FLOW_LOG = "microsoft.network/networkwatchers/flowlogs"


def _rows(estate: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {
        str(r["id"]).rsplit("/", 1)[-1].lower(): r
        for r in estate.get("resources") or []
        if str(r.get("type") or "").lower() == kind
    }


def _address(estate: dict[str, Any], ref: str) -> str:
    try:
        return str(ipaddress.ip_address(ref))
    except ValueError:
        pass
    if ref.startswith("pip:"):
        row = _rows(estate, _PIP).get(ref[4:].lower())
        if row is None:
            raise EstateError(f"flows.yaml: no public IP named {ref[4:]!r}")
        return str(row["properties"]["ipAddress"])
    nic = _rows(estate, _NIC).get(ref.lower())
    if nic is None:
        raise EstateError(f"flows.yaml: {ref!r} is no address, NIC name or pip:NAME")
    return str(nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"])


def _flows(estate: dict[str, Any], items: list[dict[str, Any]]) -> list[Flow]:
    return [
        Flow(
            src=_address(estate, str(f["src"])),
            dst=_address(estate, str(f["dst"])),
            dst_port=int(f["port"]),
            protocol=int(f.get("protocol", 6)),
            action=str(f.get("action", "ACCEPT")),
            packets=int(f.get("packets", 10)),
            bytes=int(f.get("bytes", 4200)),
            count=int(f.get("count", 1)),
        )
        for f in items
    ]


def _account(estate: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """The ``containers`` of the blob account ``name`` (added when missing)."""
    accounts = estate.setdefault("blob_storage", [])
    for a in accounts:
        if str(a["account"]).lower() == name:
            containers: dict[str, dict[str, Any]] = a.setdefault("containers", {})
            return containers
    fresh: dict[str, dict[str, Any]] = {}
    accounts.append({"account": name, "containers": fresh})
    return fresh


def with_flows(estate: dict[str, Any], flows_yaml: Path, now: int) -> dict[str, Any]:
    """A copy of ``estate`` whose storage holds the blobs of ``flows_yaml``, ending at ``now``."""
    out = copy.deepcopy(estate)
    logs = _rows(out, _FLOW_LOG)
    from ruamel.yaml import YAML

    entries = YAML(typ="safe").load(flows_yaml.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise EstateError(f"{flows_yaml}: a list of flow logs, NICs and their flows")
    for entry in entries:
        fl = logs.get(str(entry["flow_log"]).lower())
        nic = _rows(out, _NIC).get(str(entry["at"]).lower())
        if fl is None or nic is None:
            raise EstateError(
                f"flows.yaml: no flow log {entry['flow_log']!r} or NIC {entry['at']!r}"
            )
        props = fl["properties"]
        mac = str(nic["properties"]["macAddress"]).replace("-", "").upper()
        target = str(props["targetResourceId"])
        flows = _flows(out, list(entry.get("flows") or []))
        if "/networksecuritygroups/" in target.lower():
            container, (name, body) = (
                NSG_CONTAINER,
                nsg_blob(target, mac, nsg_tuples(flows, now), now),
            )
        else:
            tuples = vnet_tuples(flows, now)
            container, (name, body) = VNET_CONTAINER, vnet_blob(str(fl["id"]), mac, tuples, now)
        blobs = _account(out, str(props["storageId"]).rsplit("/", 1)[-1].lower())
        have = blobs.setdefault(container, {})
        if name in have:
            raise EstateError(f"flows.yaml: two entries write {name!r}: merge them")
        have[name] = body
    return out
