"""Observed-flows benchmark: N VPC Flow Log records read, aggregated, normalised and judged.

The estate is :mod:`bench.estate`'s (every VPC has a flow log delivering to the
account's logs bucket in S3), plus the ``ec2:network_interface`` record of every
instance's interface (the estate writes none; the observed-flow rules join flows to
interfaces). For each size, :func:`generate` writes N default-format lines (version 2)
as the gzip files AWS delivers to S3 (one set per flow log, at most :data:`FILE_LINES`
lines a file), cached under ``--work``; generating is not timed. Records are spread
evenly over the interfaces of every site (account and region) so none reaches the
collector's sample cap below ~20M records with 8 accounts; their shape:

- clean: application instances to their region's brokers on 9092, brokers replicating
  to the next region's brokers over the peering (private addresses), some traffic
  between applications on 443, a REJECT flood on SSH from 198.51.100.0/24;
- planted at the brokers of every even-numbered account (the odd ones are the clean
  twins): 172.16.5.x accepted on 9092 (no collected path brings it), replication from
  the peer region's NAT gateway address (undeclared medium), 203.0.113.50:443 egress;
- a record in a thousand ends before the window (counted outside, not taken).

Then, in a fresh child process per size (its own peak RSS), stage by stage:
``read`` inflates and parses every file with the collector's own code
(:func:`~auditor.collect.aws._flow_objects.inflated_lines` into a
:class:`~auditor.base.flowrecords.FlowTally` per S3 location, as ``s3:GetObject``
bodies are read; the HTTP transfer is left out), ``normalise`` turns the estate and
the ``logs:flow_records`` records into the inventory (the real normalisers),
``graph`` builds the graph and ``rules`` evaluates the observed-flow rules
(``network.observed-*``, ``data.observed-egress``). Azure's flow tuples and GCP's
``vpc_flows`` entries share the aggregation; ``--azure``/``--gcp`` N also time their
parsers (:func:`auditor.collect.azure._flow_json.take` on v2 blobs, the GCP reader's
entry parser) on N records, parse and aggregate only (this estate is AWS only).

Run: ``.venv/bin/python -m bench.flows --sizes 1000000 3000000 10000000``.
Not a test: it prints figures (the smoke test only checks that it runs).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.estate import PLATFORM, Spec, account_records, write_declaration

TODAY = "2026-11-29"
UNTIL = 1_795_910_400
"""The window's end (2026-11-29T00:00:00Z, seconds: :data:`TODAY`); the window is the day before."""
WINDOW = 24 * 3600
FILE_LINES = 250_000
"""Lines per generated file (AWS cuts a file at 75 MB, about 650k default-format lines)."""
RULES = ("network.observed-*", "data.observed-egress")


@dataclass(frozen=True, kw_only=True)
class Iface:
    eni: str
    ip: str
    vpc: str
    subnet: str
    group: str
    instance: str
    broker: bool


@dataclass(kw_only=True)
class Site:
    """One account and region: its interfaces, flow logs, NAT address and bucket."""

    account: str
    region: str
    index: int
    ifaces: list[Iface] = field(default_factory=list)
    flow_logs: dict[str, str] = field(default_factory=dict)
    """VPC id -> flow log id."""
    nats: dict[str, str] = field(default_factory=dict)
    """VPC id -> its NAT gateway's public address."""

    @property
    def nat_ip(self) -> str:
        """The public address of the platform VPC's NAT gateway."""
        return self.nats[next(i.vpc for i in self.ifaces if i.broker)]


def spec_of(accounts: int) -> Spec:
    return Spec(accounts=accounts)


def sites(spec: Spec) -> list[Site]:
    """Every site of the estate, from its raw records."""
    out: dict[tuple[str, str], Site] = {}
    for ai in range(spec.accounts):
        for rec in account_records(spec, ai):
            key = (rec.account, rec.region)
            if rec.type == "ec2:instance":
                site = out.setdefault(key, Site(account=rec.account, region=rec.region, index=ai))
                d, nic = rec.data, rec.data["NetworkInterfaces"][0]
                tags = {t["Key"]: t["Value"] for t in d.get("Tags") or []}
                site.ifaces.append(
                    Iface(
                        eni=nic["NetworkInterfaceId"],
                        ip=nic["PrivateIpAddress"],
                        vpc=d["VpcId"],
                        subnet=d["SubnetId"],
                        group=nic["Groups"][0]["GroupId"],
                        instance=d["InstanceId"],
                        broker=tags.get("platform") is not None,
                    )
                )
            elif rec.type == "ec2:flow_log":
                site = out.setdefault(key, Site(account=rec.account, region=rec.region, index=ai))
                site.flow_logs[rec.data["ResourceId"]] = rec.data["FlowLogId"]
            elif rec.type == "ec2:nat_gateway":
                site = out.setdefault(key, Site(account=rec.account, region=rec.region, index=ai))
                site.nats[rec.data["VpcId"]] = rec.data["NatGatewayAddresses"][0]["PublicIp"]
    return [out[k] for k in sorted(out)]


def interface_records(spec: Spec, ai: int) -> Iterator[Any]:
    """The ``ec2:network_interface`` record of every instance's interface (as
    DescribeNetworkInterfaces returns it)."""
    from auditor.model import RawRecord

    for rec in account_records(spec, ai):
        if rec.type != "ec2:instance":
            continue
        nic = rec.data["NetworkInterfaces"][0]
        yield RawRecord(
            cloud="aws",
            account=rec.account,
            region=rec.region,
            service="ec2",
            type="ec2:network_interface",
            data={
                "NetworkInterfaceId": nic["NetworkInterfaceId"],
                "SubnetId": nic["SubnetId"],
                "VpcId": nic["VpcId"],
                "OwnerId": rec.account,
                "PrivateIpAddress": nic["PrivateIpAddress"],
                "PrivateIpAddresses": [{"PrivateIpAddress": nic["PrivateIpAddress"]}],
                "Groups": nic["Groups"],
                "InterfaceType": "interface",
                "Attachment": {"InstanceId": rec.data["InstanceId"]},
                "Status": "in-use",
            },
            operation="",
        )


def _line(
    account: str, i: Iface, src: str, dst: str, port: int, action: str, size: int, end: int
) -> str:
    packets = max(1, size // 1200)
    return (
        f"2 {account} {i.eni} {src} {dst} {49152 + end % 16000} {port} 6 {packets} {size} "
        f"{end - 60} {end} {action} OK"
    )


def _record(rng: random.Random, site: Site, peer: Site, i: Iface, apps: list[str]) -> str:
    """One record logged at interface ``i`` of ``site`` (``peer``: the next region's site)."""
    end = UNTIL - rng.randrange(WINDOW)
    if rng.random() < 0.001:
        end = UNTIL - WINDOW - 600  # before the window
    acct = site.account
    brokers = [b.ip for b in site.ifaces if b.broker]
    r = rng.random()
    if not i.broker:
        if r < 0.95:
            return _line(acct, i, i.ip, rng.choice(brokers), 9092, "ACCEPT", 4200, end)
        return _line(acct, i, i.ip, rng.choice(apps), 443, "ACCEPT", 1800, end)
    planted = site.index % 2 == 0
    if r < 0.70:
        return _line(acct, i, rng.choice(apps), i.ip, 9092, "ACCEPT", 4200, end)
    if r < 0.90:
        src = rng.choice([b.ip for b in peer.ifaces if b.broker])
        return _line(acct, i, src, i.ip, 9092, "ACCEPT", 800_000, end)
    if r < 0.99 or not planted:
        return _line(acct, i, f"198.51.100.{rng.randrange(256)}", i.ip, 22, "REJECT", 60, end)
    which = rng.randrange(3)
    if which == 0:  # PLANT: accepted from an address no collected path brings in
        return _line(acct, i, f"172.16.5.{rng.randrange(5, 10)}", i.ip, 9092, "ACCEPT", 1200, end)
    if which == 1:  # PLANT: replication from the peer region's NAT gateway address
        return _line(acct, i, peer.nat_ip, i.ip, 9092, "ACCEPT", 800_000, end)
    return _line(acct, i, i.ip, "203.0.113.50", 443, "ACCEPT", 5_000_000, end)  # PLANT: egress


def _write_site(rng: random.Random, site: Site, peer: Site, count: int, folder: Path) -> int:
    """Write ``count`` records of ``site``, round-robin over its interfaces, one set of
    files per flow log (VPC); the number of files."""
    from auditor.fakecloud.flow_records import DEFAULT_FIELDS, flow_object_key

    apps = [i.ip for i in site.ifaces if not i.broker]
    per_vpc: dict[str, list[str]] = {}
    for n in range(count):
        i = site.ifaces[n % len(site.ifaces)]
        per_vpc.setdefault(i.vpc, []).append(_record(rng, site, peer, i, apps))
    files = 0
    for vpc, lines in sorted(per_vpc.items()):
        for part in range(0, len(lines), FILE_LINES):
            stamp = UNTIL - WINDOW + part // FILE_LINES * 300
            key = flow_object_key(site.account, site.region, site.flow_logs[vpc], stamp)
            path = folder / site.account / key.replace(".log.gz", f"{part:09d}.log.gz")
            path.parent.mkdir(parents=True, exist_ok=True)
            body = "\n".join([" ".join(DEFAULT_FIELDS), *lines[part : part + FILE_LINES], ""])
            path.write_bytes(gzip.compress(body.encode(), compresslevel=1, mtime=0))
            files += 1
    return files


def generate(size: int, accounts: int, work: Path, seed: int = 7) -> tuple[Path, dict[str, Any]]:
    """The folder of ``size`` records over an estate of ``accounts`` (cached while unchanged)."""
    spec = spec_of(accounts)
    folder = work / f"flows-{size}-a{accounts}-s{seed}"
    meta_path = folder / "meta.json"
    want = {"spec": repr(spec), "size": size, "seed": seed, "file_lines": FILE_LINES}
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if all(meta.get(k) == v for k, v in want.items()):
            return folder, meta
    t = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    write_declaration(spec, folder / "boundary.yaml")
    rng = random.Random(seed)
    all_sites = sites(spec)
    by_key = {(s.account, s.region): s for s in all_sites}
    files = 0
    for n, site in enumerate(all_sites):
        regions = spec.regions
        peer = by_key[(site.account, regions[(regions.index(site.region) + 1) % len(regions)])]
        count = size // len(all_sites) + (1 if n < size % len(all_sites) else 0)
        files += _write_site(rng, site, peer, count, folder / "s3")
    meta = {
        **want,
        "accounts": accounts,
        "interfaces": sum(len(s.ifaces) for s in all_sites),
        "files": files,
        "generate_s": round(time.perf_counter() - t, 1),
    }
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return folder, meta


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(out: dict[str, Any], stage: str, t: float, c: float) -> None:
    out[f"{stage}_s"] = time.perf_counter() - t
    out[f"{stage}_cpu"] = time.process_time() - c
    out[f"{stage}_peak_mib"] = round(_peak_mib())


def read_sites(folder: Path, spec: Spec) -> list[Any]:
    """Every site's S3 location read as the collector reads it: one ``logs:flow_records``
    raw record per location."""
    from auditor.base.flowrecords import DEFAULT, FlowTally
    from auditor.collect.aws._flow_objects import (
        base_path,
        inflated_lines,
        location_record,
        read_fields,
    )
    from auditor.collect.aws.vpc_flow_records import CAP
    from auditor.model import RawRecord

    window = ((UNTIL - WINDOW) * 1000, UNTIL * 1000)
    out: list[RawRecord] = []
    for site in sites(spec):
        bucket = f"{PLATFORM}-logs-{site.account}"
        base = base_path("", site.account, site.region, False)
        logs = sorted((fl, vpc) for vpc, fl in site.flow_logs.items())
        record = location_record(bucket, base, logs, window, CAP)
        tally = FlowTally(window=(UNTIL - WINDOW, UNTIL), cap=CAP)
        outcome: dict[str, list[str]] = {
            k: [] for k in ("read", "failed", "malformed", "cut", "unread")
        }
        where = folder / "s3" / site.account / base
        files = sorted(where.rglob("*.log.gz")) if where.exists() else []
        for path in files:
            arn = f"arn:aws:s3:::{bucket}/{path.relative_to(folder / 's3' / site.account)}"
            with path.open("rb") as body:
                how = inflated_lines(body, arn, DEFAULT, tally, [0])
            outcome[how].append(arn)
        data = {**record, **read_fields(len(files), outcome, tally)}
        out.append(
            RawRecord(
                cloud="aws",
                account=site.account,
                region=site.region,
                service="logs",
                type="logs:flow_records",
                data=data,
                operation="s3:GetObject",
            )
        )
    return out


AZURE_NICS = 2000
"""Interfaces the Azure and GCP parse timings spread records over (under the cap)."""
BATCH = 10_000
"""Records per generated Azure blob or GCP page."""


def _ip(rng: random.Random) -> str:
    """One of 40 client addresses."""
    return f"10.1.0.{rng.randrange(4, 44)}"


def _nic_ip(k: int) -> str:
    """The address of interface ``k % AZURE_NICS``."""
    n = k % AZURE_NICS
    return f"10.0.{n // 250}.{n % 250 + 4}"


def _nsg_blob(rng: random.Random, nsg: str, n: int) -> bytes:
    """An NSG flow log blob (version 2) of ``n`` tuples over :data:`AZURE_NICS` MACs."""
    flows = []
    for k in range(n):
        mac = f"000D3A{k % AZURE_NICS:06X}"
        when = UNTIL - rng.randrange(WINDOW)
        action = "A" if rng.random() < 0.97 else "D"
        counters = "" if action == "D" else ",10,4200,8,1200"
        state = "B" if action == "D" else "C"
        tuple_text = (
            f"{when},{_ip(rng)},{_nic_ip(k)},{49152 + k % 16000},9092,T,I,{action},{state}"
            f"{counters or ',,,,'}"
        )
        flows.append({"mac": mac, "flowTuples": [tuple_text]})
    record = {
        "time": "2026-11-28T10:00:00.0000000Z",
        "resourceId": nsg,
        "category": "NetworkSecurityGroupFlowEvent",
        "properties": {"Version": 2, "flows": [{"rule": "UserRule_kafka", "flows": flows}]},
    }
    return json.dumps({"records": [record]}).encode()


def azure_parse(n: int, seed: int = 7) -> dict[str, Any]:
    """NSG flow log v2 tuples: JSON blobs decoded and their tuples taken as the Azure
    reader takes them (:func:`~auditor.collect.azure._flow_json.take`); generation not timed."""
    from auditor.base.flowrecords import FlowTally
    from auditor.collect.azure._flow_blobs import CAP
    from auditor.collect.azure._flow_json import NSG_CONTAINER, take

    nsg = "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/k"
    nics = {f"000D3A{k:06X}": f"/subscriptions/s/nic-{k}" for k in range(AZURE_NICS)}
    tally = FlowTally(window=(UNTIL - WINDOW, UNTIL), cap=CAP)
    rng, wall, cpu = random.Random(seed), 0.0, 0.0
    for done in range(0, n, BATCH):
        blob = _nsg_blob(rng, nsg, min(BATCH, n - done))
        t, c = time.perf_counter(), time.process_time()
        take(tally, json.loads(blob), NSG_CONTAINER, {nsg}, nics)
        wall, cpu = wall + time.perf_counter() - t, cpu + time.process_time() - c
    return {"s": wall, "cpu": cpu, "records": tally.records, "aggregates": len(tally.flows())}


def _gcp_page(rng: random.Random, log: str, start: int, n: int) -> bytes:
    """An ``entries.list`` page of ``n`` vpc_flows entries reported by :data:`AZURE_NICS` VMs."""
    entries = []
    for k in range(start, start + n):
        when = UNTIL - rng.randrange(WINDOW)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when))
        vm = {"project_id": "orders-kafka", "zone": "europe-west1-b", "region": "europe-west1"}
        entries.append(
            {
                "logName": log,
                "insertId": f"i{k}",
                "jsonPayload": {
                    "connection": {
                        "src_ip": _ip(rng), "dest_ip": _nic_ip(k), "src_port": 49152,
                        "dest_port": 9092, "protocol": 6,
                    },
                    "reporter": "DEST",
                    "bytes_sent": "4200",
                    "packets_sent": "10",
                    "start_time": f"{stamp}.120Z",
                    "end_time": f"{stamp}.980Z",
                    "dest_instance": {**vm, "vm_name": f"broker-{k % AZURE_NICS}"},
                    "dest_vpc": {
                        "project_id": "orders-kafka", "vpc_name": "kafka",
                        "subnetwork_name": "brokers",
                    },
                },
            }
        )  # fmt: skip
    return json.dumps({"entries": entries}).encode()


def gcp_parse(n: int, seed: int = 7) -> dict[str, Any]:
    """GCP vpc_flows entries: pages decoded and their entries taken as the GCP reader
    takes them (its per-project read, ``_Read.add``); generation not timed."""
    from auditor.base.gcp_flowrecords import LOG_ID
    from auditor.collect.gcp.vpc_flow_records import _Read

    log = f"projects/orders-kafka/logs/{LOG_ID}"
    read = _Read(log=log)
    rng, wall, cpu = random.Random(seed), 0.0, 0.0
    for done in range(0, n, BATCH):
        page = _gcp_page(rng, log, done, min(BATCH, n - done))
        t, c = time.perf_counter(), time.process_time()
        for entry in json.loads(page)["entries"]:
            read.add(entry)
        wall, cpu = wall + time.perf_counter() - t, cpu + time.process_time() - c
    t = read.tally
    return {"s": wall, "cpu": cpu, "records": t.records, "aggregates": len(t.flows())}


def _child(folder: Path, accounts: int, digest: bool = False) -> dict[str, Any]:
    """Run in the child: read, normalise, build, judge; stage figures and counts."""
    from auditor.gc_pause import one_run

    with one_run():  # as the CLI runs every command
        return _stages(folder, accounts, digest)


def _sha(value: Any) -> str:
    """SHA-256 of ``value`` as canonical JSON (dataclasses as dicts, enums by value)."""
    import dataclasses
    import enum
    import hashlib

    def plain(x: Any) -> Any:
        if isinstance(x, enum.Enum):
            return x.value
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return {f.name: plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
        if isinstance(x, dict):
            return {str(k): plain(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [plain(v) for v in x]
        return x

    text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _stages(folder: Path, accounts: int, digest: bool = False) -> dict[str, Any]:
    import datetime as dt
    from collections import Counter

    from auditor.analysis.derive import build_graph
    from auditor.base.kinds.observed import OBSERVED_FLOW
    from auditor.boundary import load_declaration
    from auditor.checks import all_rules
    from auditor.checks.engine import evaluate
    from auditor.checks.pack import load_pack
    from auditor.model import CollectionUnit, Scope
    from auditor.normalize import normalize

    spec = spec_of(accounts)
    out: dict[str, Any] = {"start_peak_mib": round(_peak_mib())}
    t, c = time.perf_counter(), time.process_time()
    flow_records = read_sites(folder, spec)
    _timed(out, "read", t, c)
    out["records"] = sum(int(r.data["Records"]) for r in flow_records)
    out["outside"] = sum(int(r.data["OutsideWindow"]) for r in flow_records)
    out["capped"] = sum(len(r.data["CappedInterfaces"]) for r in flow_records)
    out["malformed"] = sum(int(r.data["Malformed"]) for r in flow_records)
    out["aggregates"] = sum(len(r.data["Flows"]) for r in flow_records)
    if digest:  # not timed: what the read found, to show a change left it alone
        out["read_sha256"] = _sha([r.data for r in flow_records])
    t, c = time.perf_counter(), time.process_time()
    decl = load_declaration(folder / "boundary.yaml")
    units = [
        CollectionUnit(cloud="aws", account=acct, region=region, service="vpc-flow-records")
        for acct in spec.account_ids()
        for region in spec.regions
    ]

    def records() -> Iterator[Any]:
        for ai in range(spec.accounts):
            yield from account_records(spec, ai)
            yield from interface_records(spec, ai)
        yield from flow_records

    inv = normalize(
        records(),
        scope=Scope(accounts=tuple(spec.account_ids()), regions=spec.regions),
        collected=units,
    )
    flow_records.clear()  # the aggregates now live in the inventory
    _timed(out, "normalise", t, c)
    out["resources"], out["relations"] = len(inv.resources), len(inv.relations)
    out["observed_flows"] = sum(1 for r in inv.resources if r.kind == OBSERVED_FLOW)
    t, c = time.perf_counter(), time.process_time()
    graph = build_graph(inv, decl)
    _timed(out, "graph", t, c)
    t, c = time.perf_counter(), time.process_time()
    rules = all_rules()
    pack = load_pack("default").narrowed(rules, checks=RULES)
    verdicts = evaluate(graph, pack, rules, today=dt.date.fromisoformat(TODAY))
    _timed(out, "rules", t, c)
    if digest:  # not timed: every verdict's bytes (message, evidence, causes, ...)
        out["verdicts_sha256"] = _sha(verdicts)
    tally = Counter(f"{v.rule} {v.status.value}" for v in verdicts)
    out["verdicts"] = dict(sorted(tally.items()))
    failed = [graph.get(v.resource) for v in verdicts if v.status.value == "FAIL"]
    out["fail_accounts"] = sorted({r.account if r is not None else "" for r in failed})
    out["fails"] = sorted(
        f"{v.rule} {v.resource.rsplit(':', 1)[-1]}: {v.message[:160]}"
        for v in verdicts
        if v.status.value == "FAIL"
    )
    return out


def measure(folder: Path, accounts: int, digest: bool = False) -> dict[str, Any]:
    """The child's figures plus its own peak RSS (MiB) and CPU, from ``wait4``."""
    import tempfile

    t = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.flows", "--child", str(folder), "--accounts",
             str(accounts), *(["--digest"] if digest else [])],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        assert proc.stdout is not None
        stdout = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"flows child failed for {folder}:\n{stderr[-4000:]}")
    got: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    got["peak_rss_mib"] = round(usage.ru_maxrss / 1024)
    got["child_cpu_s"] = usage.ru_utime + usage.ru_stime
    got["child_wall_s"] = time.perf_counter() - t
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description="observed flows: read, aggregate, judge, per size")
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--accounts", type=int, default=8, help="estate accounts (2 regions each)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/auditor-bench"))
    ap.add_argument("--fails", action="store_true", help="print every FAIL verdict")
    ap.add_argument("--azure", type=int, default=0, help="also parse N NSG v2 tuples")
    ap.add_argument("--gcp", type=int, default=0, help="also parse N vpc_flows entries")
    ap.add_argument(
        "--digest", action="store_true",
        help="also print SHA-256 of the read's records and of the verdicts (not timed)",
    )  # fmt: skip
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.accounts, a.digest)))
        return
    print(
        "wall / CPU seconds per stage (CPU: the child's own process time, which other load "
        f"on the machine does not inflate); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs"
    )
    print(
        f"{'records':>9} {'taken':>9} {'aggs':>6} {'gen s':>6} {'read s':>13} "
        f"{'normalise s':>13} {'graph s':>11} {'rules s':>11} {'total s':>13} "
        f"{'peak MiB':>8} {'read MiB':>8}"
    )
    for size in sorted(a.sizes):
        folder, meta = generate(size, a.accounts, a.work)
        r = measure(folder, a.accounts, a.digest)
        stages = ("read", "normalise", "graph", "rules")
        wall = sum(r[f"{s}_s"] for s in stages)
        cpu = sum(r[f"{s}_cpu"] for s in stages)
        cols = " ".join(f"{r[f'{s}_s']:>5.1f}/{r[f'{s}_cpu']:<5.1f}" for s in stages)
        print(
            f"{size:>9} {r['records']:>9} {r['aggregates']:>6} {meta['generate_s']:>6.1f} "
            f"{cols} {wall:>6.1f}/{cpu:<6.1f} {r['peak_rss_mib']:>8} {r['read_peak_mib']:>8}",
            flush=True,
        )
        print(
            f"{'':>10}{meta['interfaces']} interfaces, {meta['files']} files; outside the "
            f"window {r['outside']}, capped interfaces {r['capped']}, malformed "
            f"{r['malformed']}; {r['resources']} resources ({r['observed_flows']} observed "
            f"flows); verdicts: {r['verdicts']}"
        )
        if a.digest:
            print(f"{'':>10}read sha256 {r['read_sha256']}, verdicts sha256 {r['verdicts_sha256']}")
        for line in r["fails"] if a.fails else []:
            print(f"{'':>10}{line}")
    for name, n, parse in (("azure", a.azure, azure_parse), ("gcp", a.gcp, gcp_parse)):
        if n:
            g = parse(n)
            print(
                f"{name}: {n} records parsed and aggregated in {g['s']:.1f} s wall, "
                f"{g['cpu']:.1f} s CPU ({g['cpu'] / n * 1e6:.1f} us each), {g['records']} "
                f"taken, {g['aggregates']} aggregates; this process's peak {_peak_mib():.0f} MiB"
            )


if __name__ == "__main__":
    main()
