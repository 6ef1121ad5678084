"""Write a fixture estate's flow records (``flows.yaml``) into the fake AWS, as AWS delivers them.

``flows.yaml`` lists, per interface, the flows it logs:

.. code-block:: yaml

    - account: "111111111111"
      region: us-east-1
      group: /vpc/orders-flows-use1      # the flow log's CloudWatch Logs group
      at: broker-use1                    # instance Name tag: its primary interface
      flows:
        - {src: 172.16.5.5, dst: broker-use1, port: 9092, bytes: 1200, count: 2}

A flow log delivering to S3 names its bucket instead of ``group`` (``bucket:
org-log-archive``) and the account owning it (``holder: "222222222222"``, a log archive
account's): one gzip file holding the records is put there under the flow log's key layout
(``<prefix>AWSLogs/<account>/vpcflowlogs/<region>/...``, the prefix its destination names).

An address is written as itself, as an instance's Name (its private address) or as
``eip:NAME`` (the public address of the Elastic IP tagged NAME). Records end at the
time of the call, a minute apart (:func:`~auditor.fakecloud.flow_records.flow_lines`).
Fixture setup only: the auditor reads these with ``FilterLogEvents``.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Any

from auditor.fakecloud.estate import EstateError
from auditor.fakecloud.flow_records import (
    Flow,
    flow_lines,
    flow_object_key,
    put_flow_object,
    write_records,
)
from auditor.fakecloud.moto_server import account_session


def _instance(ec2: Any, name: str) -> dict[str, Any]:
    got = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [name]}])
    found = [i for r in got["Reservations"] for i in r["Instances"]]
    if len(found) != 1:
        raise EstateError(f"flows.yaml: {len(found)} instances are named {name!r}")
    return dict(found[0])


def _address(sessions: dict[str, Any], ref: str) -> str:
    try:
        return str(ipaddress.ip_address(ref))
    except ValueError:
        pass
    for ec2 in sessions.values():
        if ref.startswith("eip:"):
            got = ec2.describe_addresses(Filters=[{"Name": "tag:Name", "Values": [ref[4:]]}])
            if got["Addresses"]:
                return str(got["Addresses"][0]["PublicIp"])
        else:
            got = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": [ref]}])
            found = [i for r in got["Reservations"] for i in r["Instances"]]
            if found:
                return str(found[0]["PrivateIpAddress"])
    raise EstateError(f"flows.yaml: no instance or Elastic IP is named {ref!r}")


def _s3_flow_log(ec2: Any, vpc: str, bucket: str) -> tuple[str, str]:
    """(id, key prefix) of the flow log of ``vpc`` delivering to ``bucket``."""
    for fl in ec2.describe_flow_logs()["FlowLogs"]:
        dest = str(fl.get("LogDestination") or "")
        name, _, prefix = dest.removeprefix("arn:aws:s3:::").partition("/")
        if fl.get("ResourceId") == vpc and dest.startswith("arn:aws:s3:::") and name == bucket:
            return str(fl["FlowLogId"]), f"{prefix.strip('/')}/" if prefix.strip("/") else ""
    raise EstateError(f"flows.yaml: no flow log of {vpc} delivers to the bucket {bucket!r}")


def _deliver(g: dict[str, Any], ec2: Any, inst: dict[str, Any], lines: list[str], now: int) -> None:
    """Put ``lines`` where the interface's flow log delivers them: its log group, or a gzip
    file in its bucket (put by the account that holds it)."""
    account, region = str(g["account"]), str(g["region"])
    eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    if "bucket" not in g:
        write_records(account_session(account, region), str(g["group"]), eni, lines, now)
        return
    bucket = str(g["bucket"])
    log_id, prefix = _s3_flow_log(ec2, str(inst["VpcId"]), bucket)
    key = flow_object_key(account, region, log_id, now, prefix=prefix)
    holder = account_session(str(g.get("holder") or account), region)
    put_flow_object(holder, bucket, key, lines)


def write_flows(path: Path, now: int | None = None) -> int:
    """Write every record ``path`` lists; the number of records written."""
    from ruamel.yaml import YAML

    groups = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if not isinstance(groups, list):
        raise EstateError(f"{path}: a list of interfaces and their flows")
    stamp = now if now is not None else int(time.time())
    sessions = {
        f"{g['account']}/{g['region']}": account_session(str(g["account"]), str(g["region"]))
        for g in groups
    }
    ec2s = {k: s.client("ec2") for k, s in sessions.items()}
    written = 0
    for g in groups:
        key = f"{g['account']}/{g['region']}"
        inst = _instance(ec2s[key], str(g["at"]))
        eni = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
        flows = [
            Flow(
                src=_address(ec2s, str(f["src"])),
                dst=_address(ec2s, str(f["dst"])),
                dst_port=int(f["port"]),
                action=str(f.get("action", "ACCEPT")),
                bytes=int(f.get("bytes", 4200)),
                packets=int(f.get("packets", 10)),
                count=int(f.get("count", 1)),
                protocol=int(f.get("protocol", 6)),
            )
            for f in g["flows"]
        ]
        lines = flow_lines(str(g["account"]), eni, flows, stamp)
        _deliver(g, ec2s[key], inst, lines, stamp)
        written += len(lines)
    return written
