"""The collection scheduler, token bucket, checkpoint store and executor parsing (no cloud)."""

from __future__ import annotations

import pickle
import stat
import threading
import time
from pathlib import Path

import pytest

from auditor.collect.access import AccountAccess
from auditor.collect.checkpoint import Checkpoint, CheckpointBusy, checkpoint_key
from auditor.collect.discovery import OrgAccount, Organization, enabled_regions
from auditor.collect.executors import ExecutorError, parse_executor
from auditor.collect.pacing import Pacer
from auditor.collect.progress import LogProgress, ProgressUpdate
from auditor.collect.ratelimit import TokenBucket
from auditor.collect.scheduler import Scheduler, group_key, run_all
from auditor.collect.worker import UnitResult, WorkUnit
from auditor.model import Gap, RawRecord


def _unit(account: str, region: str, service: str) -> WorkUnit:
    return WorkUnit(
        account=account,
        region=region,
        service=service,
        client_region=region,
        scan_regions=(region,),
        access=AccountAccess(account=account, role_arn=f"arn:aws:iam::{account}:role/r"),
        run_id="t",
    )


def _units(accounts: int, regions: int, services: int) -> list[WorkUnit]:
    return [
        _unit(f"{a:012d}", f"r-{r}", f"s{s}")
        for a in range(accounts)
        for r in range(regions)
        for s in range(services)
    ]


class _Handle:
    def __init__(self, unit: WorkUnit) -> None:
        self.unit = unit

    def result(self) -> UnitResult:
        return UnitResult(unit=self.unit)


class _RecordingExecutor:
    """Finishes the oldest running unit at each wait; records what ran at once."""

    def __init__(self) -> None:
        self.running: list[_Handle] = []
        self.max_global = 0
        self.max_key = 0
        self.order: list[WorkUnit] = []

    def start(self, unit: WorkUnit) -> _Handle:
        h = _Handle(unit)
        self.running.append(h)
        self.order.append(unit)
        self.max_global = max(self.max_global, len(self.running))
        per = [group_key(x.unit) for x in self.running]
        self.max_key = max(self.max_key, max(per.count(k) for k in per))
        return h

    def wait(self, running: list[_Handle]) -> list[_Handle]:
        first = running[0]
        self.running.remove(first)
        return [first]

    def finish(self, handle: _Handle, unit: WorkUnit) -> UnitResult:
        return handle.result()


@pytest.mark.parametrize(
    ("accounts", "regions", "per_key", "cap", "key_peak", "global_peak"),
    [
        (1, 2, 2, 7, 2, 4),  # few groups: the per account-region cap binds
        (5, 3, 2, 7, 1, 7),  # many groups: the global cap binds, one unit per group
        (2, 1, 3, 4, 2, 4),
    ],
)
def test_caps_per_account_region_and_global_hold_and_every_unit_runs_once(
    accounts: int, regions: int, per_key: int, cap: int, key_peak: int, global_peak: int
) -> None:
    units = _units(accounts=accounts, regions=regions, services=6)
    scheduler = Scheduler(units, per_key=per_key, global_cap=cap)
    executor = _RecordingExecutor()
    done: list[WorkUnit] = []
    run_all(scheduler, executor, lambda r: done.append(r.unit))
    assert sorted(done) == sorted(units)
    assert (executor.max_key, executor.max_global) == (key_peak, global_peak)
    assert (scheduler.peak_per_key, scheduler.peak_global) == (key_peak, global_peak)


def test_groups_take_turns_so_accounts_progress_together() -> None:
    units = _units(accounts=4, regions=1, services=5)
    executor = _RecordingExecutor()
    run_all(Scheduler(units, per_key=4, global_cap=4), executor, lambda r: None)
    # The first four starts are one unit of each account, not four of the first one.
    assert sorted(u.account for u in executor.order[:4]) == [f"{a:012d}" for a in range(4)]


def test_caps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Scheduler([], per_key=0, global_cap=1)


def test_token_bucket_spaces_requests_at_the_rate_after_the_burst() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    bucket = TokenBucket(rate=10, burst=3, clock=lambda: now[0], sleep=sleep)
    for _ in range(8):
        bucket.acquire()
    # 3 from the burst, then 5 more at 10/s: 0.5 s of waiting, in 0.1 s steps.
    assert now[0] == pytest.approx(0.5)
    assert all(s == pytest.approx(0.1) for s in slept)


def test_ceiling_bucket_is_shared_by_threads() -> None:
    pacer = Pacer(ceiling=200, ceiling_burst=1)
    bucket = pacer.ceiling_bucket("111111111111", "us-east-1")
    assert bucket is not None
    assert bucket is pacer.ceiling_bucket("111111111111", "us-east-1")
    assert pacer.ceiling_bucket("111111111111", "us-west-2") is not bucket
    start = time.monotonic()
    threads = [
        threading.Thread(target=lambda: [bucket.acquire() for _ in range(10)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 40 requests at 200/s with no burst take about 0.2 s, whichever thread sends them.
    assert time.monotonic() - start >= 0.18
    assert Pacer().ceiling_bucket("a", "b") is None
    assert Pacer(enabled=False, ceiling=5).ceiling_bucket("a", "b") is None


def test_enabled_regions_respect_opt_in_status() -> None:
    described = [
        {"RegionName": "us-east-1", "OptInStatus": "opt-in-not-required"},
        {"RegionName": "af-south-1", "OptInStatus": "opted-in"},
        {"RegionName": "ap-east-1", "OptInStatus": "not-opted-in"},
        {"RegionName": "eu-west-1"},
    ]
    assert enabled_regions(described) == ("af-south-1", "eu-west-1", "us-east-1")


def test_organization_active_accounts_below_an_ou() -> None:
    org = Organization(
        id="o-1",
        accounts=(
            OrgAccount(id="1", name="a", status="ACTIVE", parents=("r-1",)),
            OrgAccount(id="2", name="b", status="ACTIVE", parents=("r-1", "ou-x")),
            OrgAccount(id="3", name="c", status="SUSPENDED", parents=("r-1", "ou-x")),
        ),
        units=(("ou-x", "prod", "r-1"),),
    )
    assert org.active() == ["1", "2"]
    assert org.active(["ou-x"]) == ["2"]


def test_work_units_and_results_survive_pickling() -> None:
    unit = _unit("111111111111", "us-east-1", "kms")
    result = UnitResult(
        unit=unit,
        records=(
            RawRecord(
                cloud="aws",
                account="111111111111",
                region="us-east-1",
                service="kms",
                type="kms:key",
                data={"KeyId": "k"},
            ),
        ),
        gaps=(
            Gap(
                cloud="aws",
                account="1",
                region="r",
                service="kms",
                operation="ListKeys",
                error_code="X",
            ),
        ),
        calls={"kms:ListKeys": 1},
    )
    assert pickle.loads(pickle.dumps(result)) == result


@pytest.mark.parametrize("value", ["dask://10.0.0.5:8786", "dask://scheduler.local:8786"])
def test_executor_names(value: str) -> None:
    assert parse_executor(value) == value
    assert parse_executor("threads") == "threads"


@pytest.mark.parametrize("value", ["dask://host", "tcp://h:1", "dask://h:0", "process", ""])
def test_bad_executor_names_are_input_errors(value: str) -> None:
    with pytest.raises(ExecutorError, match="--executor"):
        parse_executor(value)


def test_checkpoint_is_private_atomic_locked_and_removable(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    key = checkpoint_key("abc", {"accounts": ["1"]})
    assert key == checkpoint_key("abc", {"accounts": ["1"]}) != checkpoint_key("abd", {})
    cp = Checkpoint(root, key)
    cp.start(resume=False, scope={"accounts": ["1"]})
    rec = RawRecord(
        cloud="aws", account="1", region="r", service="s", type="t", data={"a": [1, None]}
    )
    cp.save(("1", "r", "s"), [rec], [], {"s:List": 2})
    files = list(cp.units_dir.iterdir())
    assert [f.name for f in files] == ["1__r__s.json"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    for folder in (root, cp.path, cp.units_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    saved = cp.load(("1", "r", "s"))
    assert saved is not None and saved.records == (rec,) and saved.calls == {"s:List": 2}
    assert cp.load(("1", "r", "other")) is None
    # A second scan of the same key while this one runs does not share it.
    with pytest.raises(CheckpointBusy):
        Checkpoint(root, key).start(resume=True, scope={})
    # A damaged unit file is not trusted: its unit runs again.
    files[0].write_text('{"format": 1, "unit": ["1", "r", "s"], "records": [{"cl', "utf-8")
    assert cp.load(("1", "r", "s")) is None
    cp.remove()
    assert not root.exists()


def test_resume_keeps_and_a_fresh_start_discards(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path, "k")
    first = cp.start(resume=False, scope={})
    cp.save(("1", "r", "s"), [], [], {})
    cp.close()
    again = Checkpoint(tmp_path, "k")
    assert again.start(resume=True, scope={}) == first
    assert again.load(("1", "r", "s")) is not None
    again.close()
    fresh = Checkpoint(tmp_path, "k")
    fresh.start(resume=False, scope={})
    assert fresh.load(("1", "r", "s")) is None
    fresh.close()


def test_log_progress_lines_have_counts_eta_and_accounts() -> None:
    import io

    out = io.StringIO()
    clock = [0.0]
    log = LogProgress(out, interval=10, clock=lambda: clock[0])

    def update(done: int, acct_done: int, elapsed: float) -> ProgressUpdate:
        return ProgressUpdate(
            label="x",
            account="111111111111",
            account_done=acct_done,
            account_total=4,
            done=done,
            total=8,
            resumed=0,
            elapsed=elapsed,
        )

    log(update(1, 1, 1.0))
    clock[0] = 1
    log(update(2, 2, 2.0))  # within the interval: quiet
    clock[0] = 2
    log(update(4, 4, 4.0))  # the account finished: always said
    lines = out.getvalue().splitlines()
    assert lines == [
        "collect 1/8 (12%) eta 0:00:07; account 111111111111 1/4",
        "collect 4/8 (50%) eta 0:00:04; account 111111111111 4/4 done",
    ]


def test_rich_progress_draws_overall_and_per_account_bars() -> None:
    import io

    from rich.console import Console

    from auditor.collect.progress import RichProgress

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with RichProgress(console) as bar:
        for done in range(1, 5):
            bar(
                ProgressUpdate(
                    label="x",
                    account="111111111111",
                    account_done=done,
                    account_total=4,
                    done=done,
                    total=8,
                    resumed=0,
                    elapsed=float(done),
                )
            )
            if done == 2:
                bar._bar.refresh()
                assert "111111111111" in out.getvalue()
                assert "2/8" in out.getvalue()
    # A finished account's bar is removed; the overall one stays until the end.
    assert "111111111111" not in [t.description.strip() for t in bar._bar.tasks]
