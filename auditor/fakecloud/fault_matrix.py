"""The AWS fault matrix: every fault kind, injected into a full scan of the demo estate.

Each :class:`Row` names faults for the :class:`~auditor.fakecloud.faults.FaultProxy`
(by service, operation, region or account) and whether the scan must recover
(a transient fault, retried) or record a gap naming an operation. A
:class:`MatrixEstate` loads ``fixtures/kafka-byoc-aws`` into a moto server,
scans it once cleanly and then once per row, the way ``auditor scan --strict``
does (collect, drills, evaluate, bundle, summary, exit code), and
:func:`judge` compares each faulted scan with the clean one. The test module
``tests/e2e/test_fault_matrix.py`` asserts on it; ``bench/fault_matrix.py``
prints the figures.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.fakecloud.faults import Fault, FaultProxy
from auditor.model import Inventory, Status, Verdict

CUSTOMER_2 = "222222222222"
SCAN_DATE = dt.date(2026, 11, 29)
READ_TIMEOUT = 30.0
"""Seconds, for every scan but the slow-answer rows'."""
SHORT_READ_TIMEOUT = 3.0
"""Seconds, for the slow-answer rows: their faults wait :data:`SLOW` seconds."""
SLOW = 6.0
MAX_ATTEMPTS = 2
"""Attempts per call: transient faults are injected into MAX_ATTEMPTS - 1 of them."""
ROW_BOUND = 90.0
"""Wall-clock seconds a faulted scan may take before it counts as looping."""
FAIL_ON = "low"
DISABLED_RULES = (
    "failure.secondary-capacity",
    "failure.replication-service",
    "failure.broker-durability",
)
"""INCONCLUSIVE even in a clean scan: moto never finishes creating MSK clusters; the demo's
MirrorMaker 2 runs on self-managed brokers and its MSK cluster on the default configuration,
neither of which a control-plane API shows (both named as unmodelled)."""


@dataclass(frozen=True, kw_only=True)
class Row:
    """One cell of the matrix: a fault kind aimed at a service/operation/region/account."""

    id: str
    kind: str
    faults: tuple[Fault, ...]
    recovers: bool
    operation: str = ""
    """The operation a recorded gap must name (rows that do not recover)."""
    read_timeout: float = READ_TIMEOUT


def _transient(**kw: Any) -> Fault:
    return Fault(times=MAX_ATTEMPTS - 1, **kw)


ROWS: tuple[Row, ...] = (
    # -- transient: retried with backoff, the scan recovers -------------------------
    Row(
        id="throttle-429-transient",
        kind="throttling (HTTP 429)",
        faults=(
            _transient(
                service="kms", operation="ListKeys", status=429, code="TooManyRequestsException"
            ),
        ),
        recovers=True,
    ),
    Row(
        id="throttling-exception-transient",
        kind="throttling (ThrottlingException)",
        faults=(
            _transient(
                service="kafka", operation="ListClustersV2", status=400, code="ThrottlingException"
            ),
        ),
        recovers=True,
    ),
    Row(
        id="request-limit-transient",
        kind="throttling (RequestLimitExceeded)",
        faults=(
            _transient(
                service="ec2",
                operation="DescribeSecurityGroups",
                status=503,
                code="RequestLimitExceeded",
            ),
        ),
        recovers=True,
    ),
    Row(
        id="5xx-transient",
        kind="5xx",
        faults=(
            _transient(service="s3", operation="GetBucketPolicy", status=500, code="InternalError"),
            _transient(
                service="iam",
                operation="GetAccountAuthorizationDetails",
                status=503,
                code="ServiceUnavailable",
            ),
        ),
        recovers=True,
    ),
    Row(
        id="slow-transient",
        kind="slow answer (read timeout)",
        faults=(
            Fault(
                service="elasticloadbalancing",
                operation="DescribeLoadBalancers",
                kind="delay",
                delay=SLOW,
                times=MAX_ATTEMPTS - 1,
            ),
        ),
        recovers=True,
        read_timeout=SHORT_READ_TIMEOUT,
    ),
    Row(
        id="truncated-transient",
        kind="truncated body",
        faults=(_transient(service="cloudtrail", operation="DescribeTrails", kind="truncate"),),
        recovers=True,
    ),
    Row(
        id="malformed-transient",
        kind="malformed body (JSON)",
        faults=(_transient(service="kms", operation="ListAliases", kind="malformed"),),
        recovers=True,
    ),
    # -- persistent: a gap naming the operation, dependent verdicts INCONCLUSIVE ----
    Row(
        id="throttle-429",
        kind="throttling (HTTP 429)",
        faults=(
            Fault(service="kms", operation="ListKeys", status=429, code="TooManyRequestsException"),
        ),
        recovers=False,
        operation="ListKeys",
    ),
    Row(
        id="throttling-exception-region",
        kind="throttling (ThrottlingException)",
        faults=(
            Fault(
                service="cloudtrail",
                operation="DescribeTrails",
                region="us-west-2",
                status=400,
                code="ThrottlingException",
            ),
        ),
        recovers=False,
        operation="DescribeTrails",
    ),
    Row(
        id="request-limit-account",
        kind="throttling (RequestLimitExceeded)",
        faults=(
            Fault(
                service="ec2",
                operation="DescribeRouteTables",
                account=CUSTOMER_2,
                status=503,
                code="RequestLimitExceeded",
            ),
        ),
        recovers=False,
        operation="DescribeRouteTables",
    ),
    Row(
        id="5xx",
        kind="5xx",
        faults=(
            Fault(
                service="route53",
                operation="ListHostedZones",
                status=503,
                code="ServiceUnavailable",
            ),
        ),
        recovers=False,
        operation="ListHostedZones",
    ),
    Row(
        id="access-denied",
        kind="AccessDenied (403)",
        faults=(Fault(service="s3", operation="GetBucketPolicy"),),
        recovers=False,
        operation="GetBucketPolicy",
    ),
    Row(
        id="timeout",
        kind="slow answer (read timeout)",
        faults=(
            Fault(
                service="elasticloadbalancing",
                operation="DescribeTargetGroups",
                kind="delay",
                delay=SLOW,
            ),
        ),
        recovers=False,
        operation="DescribeTargetGroups",
        read_timeout=SHORT_READ_TIMEOUT,
    ),
    Row(
        id="expired-credentials",
        kind="credentials expire mid-scan (ExpiredToken after 25 calls)",
        faults=(
            Fault(
                account=CUSTOMER_2,
                after=25,
                status=400,
                code="ExpiredToken",
                message="The security token included in the request is expired",
            ),
        ),
        recovers=False,
    ),
    Row(
        id="truncated",
        kind="truncated body",
        faults=(Fault(service="cloudtrail", operation="DescribeTrails", kind="truncate"),),
        recovers=False,
        operation="DescribeTrails",
    ),
    Row(
        id="malformed-json",
        kind="malformed body (JSON)",
        faults=(Fault(service="kms", operation="ListAliases", kind="malformed"),),
        recovers=False,
        operation="ListAliases",
    ),
    Row(
        id="malformed-xml",
        kind="malformed body (XML)",
        faults=(Fault(service="ec2", operation="DescribeVpcs", kind="malformed"),),
        recovers=False,
        operation="DescribeVpcs",
    ),
    Row(
        id="answer-without-a-field",
        kind="well-formed answer lacking a field (VpcId)",
        faults=(
            Fault(
                service="ec2",
                operation="DescribeVpcs",
                region="us-west-2",
                kind="drop-field",
                field="vpcId",
            ),
        ),
        recovers=False,
        operation="DescribeVpcs",
    ),
    Row(
        id="empty-body",
        kind="empty body (truncated to nothing)",
        faults=(Fault(service="kafka", operation="ListClustersV2", kind="empty"),),
        recovers=False,
        operation="ListClustersV2",
    ),
    Row(
        id="malformed-assume-role",
        kind="malformed body (XML)",
        faults=(Fault(service="sts", operation="AssumeRole", kind="malformed"),),
        recovers=False,
        operation="AssumeRole",
    ),
    Row(
        id="truncated-caller-identity",
        kind="truncated body",
        faults=(Fault(service="sts", operation="GetCallerIdentity", kind="truncate"),),
        recovers=False,
        operation="GetCallerIdentity",
    ),
    Row(
        id="repeating-token",
        kind="page token that repeats",
        faults=(
            Fault(service="kms", operation="ListKeys", kind="repeat-token", token_key="NextMarker"),
        ),
        recovers=False,
        operation="ListKeys",
    ),
    Row(
        id="cycling-token",
        kind="page tokens that cycle (A, B, A, ...)",
        faults=(
            Fault(
                service="ec2",
                operation="DescribeSubnets",
                kind="cycle-token",
                token_key="nextToken",
            ),
        ),
        recovers=False,
        operation="DescribeSubnets",
    ),
)


@dataclass(frozen=True, kw_only=True)
class ScanOutcome:
    """What one scan produced, as ``auditor scan --strict`` would have shown it."""

    inventory: Inventory
    verdicts: tuple[Verdict, ...]
    summary: str
    exit_code: int
    manifest: dict[str, Any]
    seconds: float
    injected: int


@dataclass(frozen=True, kw_only=True)
class RowResult:
    """A faulted scan compared with the clean one."""

    row: Row
    outcome: ScanOutcome
    recovered: bool
    """No gap and the very same verdicts as the clean scan."""
    false_pass: tuple[str, ...]
    """PASS verdicts the clean scan did not give."""
    not_inconclusive: tuple[str, ...]
    """Changed verdicts that did not become INCONCLUSIVE."""
    became_inconclusive: int


def _statuses(verdicts: tuple[Verdict, ...]) -> dict[tuple[str, str], Status]:
    return {(v.rule, v.resource): v.status for v in verdicts}


def judge(row: Row, clean: ScanOutcome, faulted: ScanOutcome) -> RowResult:
    before, after = _statuses(clean.verdicts), _statuses(faulted.verdicts)
    false_pass = tuple(
        f"{rule} {res}"
        for (rule, res), s in sorted(after.items())
        if s is Status.PASS and before.get((rule, res)) is not Status.PASS
    )
    changed = [(k, s) for k, s in sorted(after.items()) if before.get(k) is not s]
    return RowResult(
        row=row,
        outcome=faulted,
        recovered=not faulted.inventory.gaps and after == before,
        false_pass=false_pass,
        not_inconclusive=tuple(
            f"{rule} {res}: {s.value}" for (rule, res), s in changed if s is not Status.INCONCLUSIVE
        ),
        became_inconclusive=sum(1 for _, s in changed if s is Status.INCONCLUSIVE),
    )


@dataclass
class Figures:
    """Totals over the matrix, for docs/security.md and the issue note."""

    rows: int = 0
    faults_injected: int = 0
    recovered: int = 0
    gaps_recorded: int = 0
    false_pass: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def add(self, result: RowResult) -> None:
        self.rows += 1
        self.faults_injected += result.outcome.injected
        self.recovered += int(result.recovered)
        self.gaps_recorded += len(result.outcome.inventory.gaps)
        self.false_pass += len(result.false_pass)
        self.kinds[result.row.kind] += 1

    def lines(self) -> list[str]:
        return [
            f"rows: {self.rows} ({len(self.kinds)} fault kinds)",
            f"faults injected: {self.faults_injected}",
            f"rows recovered (verdicts equal the clean scan's): {self.recovered}",
            f"gaps recorded: {self.gaps_recorded}",
            f"false PASS: {self.false_pass}",
        ]


class MatrixEstate:
    """The demo estate in a moto server, behind a fault proxy, ready to scan."""

    def __init__(self, endpoint: str, workdir: Path) -> None:
        from auditor.boundary import load_declaration
        from auditor.checks.pack import load_pack
        from auditor.fakecloud.demo import fixtures_dir
        from auditor.fakecloud.estate import apply_estate
        from auditor.fakecloud.identities import provision_auditor
        from auditor.fakecloud.moto_server import endpoint_env

        folder = fixtures_dir() / "kafka-byoc-aws"
        self.declaration_path = folder / "boundary.yaml"
        self.declaration_text = self.declaration_path.read_text(encoding="utf-8")
        self.declaration = load_declaration(self.declaration_path)
        self.workdir = workdir
        pack = self.pack_path = workdir / "matrix-pack.yaml"
        # Every rule at severity info and --fail-on low: the exit code speaks of completeness.
        rules: list[dict[str, Any]] = [
            {"id": p, "severity": "info"} for p in ("data.*", "control.*", "network.*", "failure.*")
        ]
        rules += [{"id": r, "enabled": False} for r in DISABLED_RULES]
        pack.write_text(json.dumps({"name": "matrix", "version": 1, "rules": rules}))
        self.pack = load_pack(str(pack))
        with endpoint_env(endpoint):
            apply_estate(folder / "estate.yaml")
            self.credentials = provision_auditor(self.declaration.accounts("aws", "customer"))
        self.proxy = FaultProxy(endpoint)
        self.proxy.start()
        self.proxy.learn(self.credentials.access_key_id, self.credentials.account)

    def close(self) -> None:
        self.proxy.stop()

    def scan(
        self, faults: tuple[Fault, ...] = (), read_timeout: float = READ_TIMEOUT
    ) -> ScanOutcome:
        """Scan through the proxy with ``faults``; fails if the scan outlives ROW_BOUND."""
        self.proxy.inject(*faults)
        before = self.proxy.stats.injected
        pool = ThreadPoolExecutor(max_workers=1)
        started = time.monotonic()
        try:
            outcome = pool.submit(self._scan, read_timeout).result(timeout=ROW_BOUND)
        except FutureTimeout:
            raise TimeoutError(f"the scan did not end within {ROW_BOUND:.0f}s: it loops") from None
        finally:
            pool.shutdown(wait=False)
        self.proxy.inject()
        return ScanOutcome(
            inventory=outcome.inventory,
            verdicts=outcome.verdicts,
            summary=outcome.summary,
            exit_code=outcome.exit_code,
            manifest=outcome.manifest,
            seconds=time.monotonic() - started,
            injected=self.proxy.stats.injected - before,
        )

    def _scan(self, read_timeout: float) -> ScanOutcome:
        from rich.console import Console

        from auditor.collect.runner import AwsScanOptions
        from auditor.fakecloud.identities import AUDITOR_ROLE
        from auditor.fakecloud.moto_server import endpoint_env
        from auditor.normalize.drills import with_drills
        from auditor.pipeline import (
            collect_aws_inventory,
            judge_and_write,
            scan_exit_code,
        )
        from auditor.render.terminal import print_summary

        decl = self.declaration
        opts = AwsScanOptions(
            accounts=tuple(decl.accounts("aws", "customer")),
            regions=tuple(sorted(decl.regions_of("aws"))),
            assume_role=AUDITOR_ROLE,
            max_attempts=MAX_ATTEMPTS,
            max_workers=16,
            per_region_workers=16,
            read_timeout=read_timeout,
            connect_timeout=10.0,
        )
        start = dt.datetime.combine(SCAN_DATE, dt.time(12, 0), tzinfo=dt.UTC)
        with endpoint_env(self.proxy.endpoint, **self.credentials.env()):
            inventory = collect_aws_inventory(opts)
        inventory = with_drills(inventory, decl, self.declaration_path, SCAN_DATE)
        out = Path(tempfile.mkdtemp(prefix="bundle-", dir=self.workdir))
        ev, bundle = judge_and_write(
            inventory,
            decl=decl,
            decl_text=self.declaration_text,
            pack=self.pack,
            out_dir=out,
            started=start,
            finished=start,
        )
        buf = io.StringIO()
        console = Console(file=buf, width=200, highlight=False, soft_wrap=True)
        print_summary(console, decl, inventory, ev.verdicts, bundle)
        code = int(scan_exit_code(ev.verdicts, inventory, fail_on=FAIL_ON, strict=True)[0])
        manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
        return ScanOutcome(
            inventory=inventory,
            verdicts=tuple(ev.verdicts),
            summary=buf.getvalue(),
            exit_code=code,
            manifest=manifest,
            seconds=0.0,
            injected=0,
        )


@contextmanager
def matrix_estate(endpoint: str) -> Iterator[MatrixEstate]:
    """A :class:`MatrixEstate` in a temporary folder, its proxy stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="fault-matrix-") as tmp:
        estate = MatrixEstate(endpoint, Path(tmp))
        try:
            yield estate
        finally:
            estate.close()
