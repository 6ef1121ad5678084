"""Collection benchmark: API calls made vs the minimum for the estate, and wall time.

Starts an in-process moto server, loads a generated estate (``bench.estate``,
a few thousand resources spread over several accounts) through real boto3
calls, and scans it with the auditor's own collectors (real boto3, read-only
credentials, ``--assume-role`` into each account). It prints, per operation,
the calls made and the minimum the estate needs: one call per page of each
listing (page size = the largest the API allows) in each account-region (or
once per account for global services), plus one call per resource for
per-resource reads that AWS offers no batch form of. An operation above its
minimum is a repeated or wasted call.

``--prowler PATH`` also runs Prowler (installed in its own venv) on the same
moto estate, limited to the same services, once per account, and prints the
wall-time ratio; ``--scoutsuite PATH`` does the same with ScoutSuite (one run per
account, on the auditor role's keys in that account, as ScoutSuite scans one
account a run).

Run: ``.venv/bin/python -m bench.collection --accounts 4``
(add ``--prowler /tmp/prowler-venv/bin/prowler`` for the side-by-side).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.estate import ALL_REGIONS, Spec, load_into_moto

# (operation, raw record type counted, page size) for listings made once per account-region.
# Page sizes are the largest each API allows (``None``: the API does not paginate).
REGIONAL_LISTINGS: tuple[tuple[str, str, int | None], ...] = (
    ("ec2:DescribeVpcs", "ec2:vpc", 1000),
    ("ec2:DescribeSubnets", "ec2:subnet", 1000),
    ("ec2:DescribeRouteTables", "ec2:route_table", 100),
    ("ec2:DescribeInternetGateways", "ec2:internet_gateway", 1000),
    ("ec2:DescribeEgressOnlyInternetGateways", "ec2:egress_only_internet_gateway", 255),
    ("ec2:DescribeNatGateways", "ec2:nat_gateway", 1000),
    ("ec2:DescribeVpnGateways", "ec2:vpn_gateway", None),
    ("ec2:DescribeAddresses", "ec2:address", None),
    ("ec2:DescribeSecurityGroups", "ec2:security_group", 1000),
    ("ec2:DescribeNetworkAcls", "ec2:network_acl", 1000),
    ("ec2:DescribeNetworkInterfaces", "ec2:network_interface", 1000),
    ("ec2:DescribeVpcPeeringConnections", "ec2:vpc_peering_connection", 1000),
    ("ec2:DescribeTransitGateways", "ec2:transit_gateway", 1000),
    ("ec2:DescribeTransitGatewayAttachments", "ec2:transit_gateway_attachment", 1000),
    ("ec2:DescribeTransitGatewayVpcAttachments", "ec2:transit_gateway_attachment", 1000),
    ("ec2:DescribeTransitGatewayPeeringAttachments", "", 1000),
    ("ec2:DescribeTransitGatewayRouteTables", "ec2:transit_gateway_route_table", 1000),
    ("ec2:DescribeVpcEndpoints", "ec2:vpc_endpoint", 1000),
    ("ec2:DescribeVpcEndpointServiceConfigurations", "ec2:vpc_endpoint_service", 1000),
    ("ec2:DescribeFlowLogs", "ec2:flow_log", 1000),
    ("ec2:DescribeManagedPrefixLists", "ec2:managed_prefix_list", 100),
    ("ec2:DescribeInstances", "ec2:instance", 1000),
    ("ec2:DescribeVolumes", "ec2:volume", 500),
    ("ec2:DescribeSnapshots", "ec2:snapshot", 1000),
    ("autoscaling:DescribeAutoScalingGroups", "autoscaling:group", 100),
    ("elasticloadbalancing:DescribeLoadBalancers", "elbv2:load_balancer", 400),
    ("elasticloadbalancing:DescribeTargetGroups", "elbv2:target_group", 400),
    ("kms:ListKeys", "kms:key", 1000),
    ("kms:ListAliases", "kms:key", 100),
    ("kafka:ListClustersV2", "msk:cluster", 100),
    ("eks:ListClusters", "eks:cluster", 100),
    ("cloudtrail:DescribeTrails", "", None),
)
# Listings made once per account (global services).
GLOBAL_LISTINGS: tuple[tuple[str, str, int | None], ...] = (
    ("s3:ListBuckets", "s3:bucket", 10000),
    # GetAccountAuthorizationDetails leaves out MaxSessionDuration: ListRoles is needed too.
    ("iam:ListRoles", "iam:role", 1000),
    ("route53:ListHostedZones", "route53:zone", 100),
    ("route53:ListHealthChecks", "route53:health_check", 1000),
    ("organizations:DescribeOrganization", "", None),
)
# Per-resource reads: one call per record of the type (no batch API exists).
PER_RESOURCE: dict[str, str] = {
    **{
        f"s3:{op}": "s3:bucket"
        for op in (
            "GetBucketLocation",
            "GetBucketPolicy",
            "GetPublicAccessBlock",
            "GetBucketEncryption",
            "GetBucketVersioning",
            "GetBucketReplication",
            "GetBucketLogging",
            "GetObjectLockConfiguration",
            "GetBucketTagging",
        )
    },
    "kms:DescribeKey": "kms:key",
    "kms:GetKeyPolicy": "kms:key",
    "kms:GetKeyRotationStatus": "kms:key",
    "kms:ListResourceTags": "kms:key",
    "route53:GetHostedZone": "route53:zone",
    "route53:ListResourceRecordSets": "route53:zone",
    "cloudtrail:GetTrailStatus": "cloudtrail:trail",
    "cloudtrail:GetEventSelectors": "cloudtrail:trail",
    "cloudtrail:ListTags": "cloudtrail:trail",
    "kafka:GetClusterPolicy": "msk:cluster",
    "elasticloadbalancing:DescribeListeners": "elbv2:load_balancer",
    "elasticloadbalancing:DescribeTargetHealth": "elbv2:target_group",
    "ec2:GetTransitGatewayRouteTableAssociations": "ec2:transit_gateway_route_table",
    "ec2:GetTransitGatewayRouteTablePropagations": "ec2:transit_gateway_route_table",
    "ec2:SearchTransitGatewayRoutes": "ec2:transit_gateway_route_table",
    "ec2:GetManagedPrefixListEntries": "ec2:managed_prefix_list",
}
IAM_PAGE = 1000
PROWLER_SERVICES = ("ec2", "s3", "iam", "kms", "cloudtrail", "route53", "autoscaling", "kafka")
SCOUT_SERVICES = ("ec2", "vpc", "s3", "iam", "kms", "cloudtrail", "route53", "elbv2")
"""ScoutSuite's names for the services both tools read."""


def _pages(n: int, page: int | None) -> int:
    return 1 if page is None else max(1, math.ceil(n / page))


def minimum_calls(
    records: Iterable[Any], accounts: list[str], regions: tuple[str, ...], caller: str
) -> dict[str, int]:
    """The fewest calls per operation that read this estate (see the module doc)."""
    per: Counter[tuple[str, str, str]] = Counter()
    per_acct: Counter[tuple[str, str]] = Counter()
    total: Counter[str] = Counter()
    for r in records:
        per[(r.account, r.region, r.type)] += 1
        per_acct[(r.account, r.type)] += 1
        total[r.type] += 1
    out: Counter[str] = Counter()
    for acct in accounts:
        for region in regions:
            for op, rtype, page in REGIONAL_LISTINGS:
                out[op] += _pages(per[(acct, region, rtype)] if rtype else 0, page)
        for op, rtype, page in GLOBAL_LISTINGS:
            out[op] += _pages(per_acct[(acct, rtype)] if rtype else 0, page)
        # One listing of every entity type returns roles, users, groups and policies in the
        # same pages (policies and groups are not records: this counts roles and users only).
        iam_items = per_acct[(acct, "iam:role")] + per_acct[(acct, "iam:user")]
        out["iam:GetAccountAuthorizationDetails"] += _pages(iam_items, IAM_PAGE)
    for op, rtype in PER_RESOURCE.items():
        out[op] += total[rtype]
    # A bucket policy status is read only for buckets with a policy (the collector's own rule).
    out["s3:GetBucketPolicyStatus"] = sum(
        1 for r in records if r.type == "s3:bucket" and (r.data.get("Policy") or {}).get("Policy")
    )
    out["sts:GetCallerIdentity"] = 1
    out["sts:AssumeRole"] = sum(1 for a in accounts if a != caller)
    return dict(out)


def run(
    spec: Spec,
    prowler: str | None,
    workers: int,
    pacing: bool = True,
    scoutsuite: str | None = None,
    moto_process: bool = False,
) -> None:
    from auditor.collect.runner import AwsScanOptions, collect_aws
    from auditor.evidence.timings import ScanClock, timings_document
    from auditor.fakecloud.identities import AUDITOR_ROLE, provision_auditor
    from auditor.fakecloud.moto_server import endpoint_env

    server = _OwnProcessMoto() if moto_process else _InProcessMoto()
    endpoint = server.start()
    print(f"moto server: {'its own process' if moto_process else 'in this process'}")
    try:
        with endpoint_env(endpoint):
            t = time.perf_counter()
            creates = load_into_moto(spec)
            print(
                f"moto estate: {spec.accounts} accounts x {len(spec.regions)} regions, "
                f"{sum(creates.values())} create calls in {time.perf_counter() - t:.1f} s"
            )
            accounts = spec.account_ids()
            creds = provision_auditor(accounts)
            with endpoint_env(endpoint, **creds.env()):
                os.environ.pop("AWS_SESSION_TOKEN", None)
                os.environ.pop("AWS_PROFILE", None)
                server.requests("reset")
                clock = ScanClock()
                t, cpu, moto_cpu = time.perf_counter(), time.process_time(), server.cpu()
                result = collect_aws(
                    AwsScanOptions(
                        accounts=tuple(accounts),
                        regions=spec.regions,
                        assume_role=AUDITOR_ROLE,
                        max_attempts=2,
                        max_workers=workers,
                        pacing=pacing,
                    )
                )
                ours = time.perf_counter() - t
                cpu, moto_cpu = time.process_time() - cpu, server.cpu() - moto_cpu
                answered = server.requests("report")
                clock.collected("aws", ours, result)
            kinds = Counter(r.type for r in result.records)
            print(
                f"auditor collection: {len(result.records)} records, {len(result.gaps)} gaps, "
                f"{sum(result.api_calls.values())} API calls in {ours:.1f} s "
                f"({workers} workers); this process's CPU {cpu:.1f} s over it "
                f"({cpu / max(ours, 1e-9):.2f} cores busy"
                + (f"; moto's process {moto_cpu:.1f} s)" if moto_process else ", moto included)")
            )
            _print_answered("auditor", answered)
            for g in result.gaps[:5]:
                print(f"  gap: {g.account}/{g.region} {g.service}:{g.operation} {g.error_code}")
            print("  records: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
            least = _report_calls(result, accounts, spec.regions)
            _report_timings(timings_document(clock), result.api_calls, least)
            if prowler:
                _prowler(prowler, spec, accounts, creds.env(), endpoint, ours)
            if scoutsuite:
                server.requests("reset")
                _scoutsuite(scoutsuite, spec, accounts, creds.env(), endpoint, ours)
                _print_answered("scoutsuite", server.requests("report"))
    finally:
        server.stop()


def _print_answered(who: str, answered: dict[str, tuple[int, float]]) -> None:
    """What moto spent answering ``who``'s requests, per service (own-process moto only)."""
    if answered:
        print(
            f"  moto answering {who}: {sum(n for n, _ in answered.values())} requests, "
            f"{sum(c for _, c in answered.values()):.2f} s handler CPU; per service "
            "(requests, CPU s): " + ", ".join(f"{k} {n} {c:.2f}" for k, (n, c) in answered.items())
        )


class _InProcessMoto:
    """moto in a thread of this process: it shares the auditor's interpreter lock and CPU."""

    def __init__(self) -> None:
        from auditor.fakecloud.moto_server import MotoServer

        self._server = MotoServer()

    def start(self) -> str:
        return self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def cpu(self) -> float:
        return 0.0  # counted in this process's own CPU time

    def requests(self, command: str) -> dict[str, tuple[int, float]]:
        return {}  # not told apart from the auditor's own work in one process


class _OwnProcessMoto:
    """moto (with the Kafka front) in a child process, as a cloud is not the scanner's
    CPU: the auditor and ScoutSuite each then run in their own process beside it."""

    _CHILD = """
import json, re, sys, threading, time
from collections import defaultdict
from moto.moto_server.werkzeug_app import MotoRequestHandler
from auditor.fakecloud.moto_server import MotoServer

scope = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
spent = defaultdict(lambda: [0, 0.0])
lock = threading.Lock()
handle = MotoRequestHandler.handle_one_request

def timed(self):
    cpu = time.thread_time()
    handle(self)
    headers = getattr(self, "headers", None)
    found = scope.search(headers.get("Authorization", "") if headers else "")
    with lock:
        row = spent[found.group(1) if found else "-"]
        row[0] += 1
        row[1] += time.thread_time() - cpu

MotoRequestHandler.handle_one_request = timed
s = MotoServer()
print(s.start(), flush=True)
for line in sys.stdin:
    with lock:
        if line.strip() == "report":
            print(json.dumps(dict(sorted(spent.items()))), flush=True)
        spent.clear()
s.stop()
"""

    def __init__(self) -> None:
        import sys

        self._proc = subprocess.Popen(
            [sys.executable, "-c", self._CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def start(self) -> str:
        assert self._proc.stdout is not None
        endpoint = self._proc.stdout.readline().strip()
        if not endpoint.startswith("http://"):
            self.stop()
            raise SystemExit(f"moto server process did not start (said {endpoint!r})")
        return endpoint

    def cpu(self) -> float:
        """The child's CPU seconds so far (Linux's /proc; 0.0 where it is absent)."""
        try:
            stat = Path(f"/proc/{self._proc.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def requests(self, command: str) -> dict[str, tuple[int, float]]:
        """``reset`` the child's per-service request count and handler CPU seconds, or
        ``report`` them (and reset): what the fake cloud spent answering each service."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        if command != "report":
            return {}
        return {
            k: (int(n), float(s)) for k, (n, s) in json.loads(self._proc.stdout.readline()).items()
        }

    def stop(self) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def _report_calls(result: Any, accounts: list[str], regions: tuple[str, ...]) -> dict[str, int]:
    made = dict(result.api_calls)
    caller = result.caller_account or accounts[0]
    least = minimum_calls(result.records, accounts, regions, caller)
    print(f"\n{'operation':<52} {'made':>6} {'minimum':>8} {'extra':>6}")
    extra_total = 0
    modelled_made = 0
    for op in sorted(set(made) | set(least)):
        m, lo = made.get(op, 0), least.get(op)
        if lo is None:
            print(f"{op:<52} {m:>6} {'?':>8} {'':>6}  (not modelled)")
            continue
        modelled_made += m
        extra = m - lo
        extra_total += max(0, extra)
        flag = "  <- repeated/wasted" if extra > 0 else ""
        print(f"{op:<52} {m:>6} {lo:>8} {extra:>6}{flag}")
    lo_total = sum(least.values())
    print(
        f"{'total (modelled operations)':<52} {modelled_made:>6} {lo_total:>8} {extra_total:>6}"
        f"   ratio made/minimum = {modelled_made / max(1, lo_total):.2f}"
    )
    return least


def _report_timings(doc: dict[str, Any], made: dict[str, int], least: dict[str, int]) -> None:
    """Where the collection's time went (the scan's ``timings.json`` view), per service
    against its minimum calls (of the operations the minimum models)."""
    aws = doc["collection"]["clouds"]["aws"]
    chain = aws["chain"]
    print(
        f"\ncollection wall {aws['seconds']:.2f} s; longest dependent chain "
        f"{chain['seconds']:.2f} s (setup {chain['setup_seconds']:.2f} s + slowest unit "
        f"{chain['slowest_unit']} {chain['slowest_unit_seconds']:.2f} s); {aws['units']} units "
        f"took {aws['units_seconds_summed']:.1f} s summed; normalising while collecting "
        f"{doc['collection']['normalise_while_collecting_seconds']:.2f} s"
    )
    minimum: Counter[str] = Counter()
    modelled: Counter[str] = Counter()
    for op, n in least.items():
        minimum[op.split(":", 1)[0]] += n
        modelled[op.split(":", 1)[0]] += made.get(op, 0)
    head = ("calls", "modelled", "minimum", "waits s", "clients", "build s")
    print(f"{'service':<24} " + " ".join(f"{h:>8}" for h in head))
    for name, v in doc["services"].items():
        print(
            f"{name:<24} {v['calls']:>8} {modelled[name]:>8} {minimum[name]:>8} "
            f"{v['wait_seconds']:>8.2f} "
            f"{v['clients']:>8} {v['client_seconds']:>8.2f}"
        )


def _prowler(
    prowler: str,
    spec: Spec,
    accounts: list[str],
    creds: dict[str, str],
    endpoint: str,
    ours: float,
) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        {
            **creds,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": spec.regions[0],
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for acct in accounts:
            cmd = [
                prowler,
                "aws",
                "--service",
                *PROWLER_SERVICES,
                "--region",
                *spec.regions,
                "--output-formats",
                "csv",
                "--output-directory",
                out,
                "--no-banner",
                "--ignore-exit-code-3",
            ]
            if acct != accounts[0]:
                cmd += ["--role", f"arn:aws:iam::{acct}:role/auditor-read"]
            t = time.perf_counter()
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=1800, check=False
            )
            took = time.perf_counter() - t
            total += took
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            print(f"prowler account {acct}: exit {proc.returncode} in {took:.1f} s")
            if proc.returncode != 0:
                print("  " + "\n  ".join(tail))
        findings = 0
        for p in Path(out).rglob("*.csv"):
            with p.open(encoding="utf-8", newline="") as fh:
                findings += max(0, sum(1 for _ in csv.reader(fh, delimiter=";")) - 1)
    print(
        f"prowler (services {' '.join(PROWLER_SERVICES)}): {total:.1f} s for "
        f"{len(accounts)} accounts, {findings} findings; "
        f"wall-time ratio prowler/auditor collection = {total / max(ours, 1e-9):.1f}"
    )


def _role_keys(creds: dict[str, str], endpoint: str, account: str) -> dict[str, str]:
    """Keys of the auditor role in ``account`` (assumed with the auditor's own keys)."""
    import boto3

    from auditor.fakecloud.identities import AUDITOR_ROLE

    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
    )
    got = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{AUDITOR_ROLE}", RoleSessionName="scoutsuite"
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": got["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": got["SecretAccessKey"],
        "AWS_SESSION_TOKEN": got["SessionToken"],
    }


def _scoutsuite(
    scout: str,
    spec: Spec,
    accounts: list[str],
    creds: dict[str, str],
    endpoint: str,
    ours: float,
) -> None:
    """ScoutSuite over the same estate, one run per account (its services, its defaults)."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    total = 0.0
    with tempfile.TemporaryDirectory() as out:
        for acct in accounts:
            env = {
                **base,
                **_role_keys(creds, endpoint, acct),
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_DEFAULT_REGION": spec.regions[0],
                "AWS_EC2_METADATA_DISABLED": "true",
            }
            cmd = [
                scout,
                "aws",
                "--services",
                *SCOUT_SERVICES,
                "--regions",
                *spec.regions,
                "--report-dir",
                str(Path(out) / acct),
                "--no-browser",
                "--quiet",
                "--force",
            ]
            t = time.perf_counter()
            proc = subprocess.run(
                cmd, env=env, capture_output=True, text=True, timeout=1800, check=False
            )
            took = time.perf_counter() - t
            total += took
            print(f"scoutsuite account {acct}: exit {proc.returncode} in {took:.1f} s")
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                print("  " + "\n  ".join(tail))
    print(
        f"scoutsuite (services {' '.join(SCOUT_SERVICES)}): {total:.1f} s for "
        f"{len(accounts)} accounts; wall-time ratio auditor collection/scoutsuite = "
        f"{ours / max(total, 1e-9):.2f} (target at most 0.5)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description="API calls and wall time of a scan of a moto estate")
    ap.add_argument("--accounts", type=int, default=4)
    ap.add_argument("--regions", type=int, default=2)
    ap.add_argument("--app-vpcs", type=int, default=2)
    ap.add_argument("--app-instances", type=int, default=30)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--prowler", help="path of a prowler executable (its own venv)")
    ap.add_argument("--scoutsuite", help="path of a scout executable (its own venv)")
    ap.add_argument("--no-pacing", action="store_true", help="as --rate 0: no client-side pacing")
    ap.add_argument(
        "--moto-process",
        action="store_true",
        help="run moto in a child process (default: a thread of this one, sharing its CPU)",
    )
    a = ap.parse_args()
    spec = Spec(
        accounts=a.accounts,
        regions=ALL_REGIONS[: a.regions],
        app_vpcs=a.app_vpcs,
        app_instances=a.app_instances,
    )
    run(
        spec,
        a.prowler,
        a.workers,
        pacing=not a.no_pacing,
        scoutsuite=a.scoutsuite,
        moto_process=a.moto_process,
    )


if __name__ == "__main__":
    main()
