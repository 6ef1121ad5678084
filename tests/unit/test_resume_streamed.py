"""A resumed scan reads its checkpointed units back one at a time, each taken before the next."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from auditor.collect.checkpoint import Checkpoint
from auditor.collect.units import Limits, UnitRun, run_wave
from auditor.collect.worker import ClientSettings, UnitResult, WorkUnit
from auditor.model import RawRecord

UNITS = tuple(WorkUnit(account="1", region="r", service=s) for s in ("a", "b", "c"))


def _record(unit: WorkUnit, note: str) -> RawRecord:
    return RawRecord(
        cloud="aws",
        account=unit.account,
        region=unit.region,
        service=unit.service,
        type="t",
        data={"from": note},
    )


def _collect(unit: WorkUnit, _: ClientSettings) -> UnitResult:
    """This run's own collection of a unit (the checkpoint did not hold it)."""
    return UnitResult(unit=unit, records=(_record(unit, "collected"),), calls={"t:Get": 1})


def test_each_restored_unit_is_taken_before_the_next_is_read(tmp_path: Path) -> None:
    first = Checkpoint(tmp_path, "k")
    first.start(resume=False, scope={})
    for unit in UNITS:
        first.save(unit.key, [_record(unit, "checkpoint")], [], {"t:Get": 1})
    first.close()
    checkpoint = Checkpoint(tmp_path, "k")
    checkpoint.start(resume=True, scope={})
    taken: list[tuple[str, str, bool]] = []

    def take(result: UnitResult) -> UnitResult:
        (record,) = result.records
        taken.append((result.unit.service, str(record.data["from"]), result.resumed))
        if result.unit.service == "a":  # the next unit's file goes while "a" is taken:
            checkpoint._file(UNITS[1].key).unlink()  # read back already, it would be restored
        return dataclasses.replace(result, records=())  # spooled: no longer held

    run = UnitRun(
        limits=Limits(max_workers=1, per_key=1),
        take=take,
        run=_collect,
        checkpoint=checkpoint,
        resume=True,
    )
    results = run_wave(run, UNITS)
    assert taken == [
        ("a", "checkpoint", True),
        ("c", "checkpoint", True),
        ("b", "collected", False),
    ]
    assert run.resumed == 2
    assert [r.unit.service for r in results] == ["a", "b", "c"]
    assert all(r.records == () for r in results)
    checkpoint.remove()
