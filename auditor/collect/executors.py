"""Where collection units run: a local thread pool (default) or a Dask distributed cluster.

``--executor threads`` runs units in this process. ``--executor dask://HOST:PORT``
ships each :class:`~auditor.collect.worker.WorkUnit` to a Dask scheduler; a worker
builds its own session from the unit's access recipe and its own environment
(credentials chain, ``AWS_ENDPOINT_URL``) and sends back the unit's raw records,
gaps and call counts. Dask is imported only when it is chosen.
"""

from __future__ import annotations

import concurrent.futures as cf
import queue
import re
from collections.abc import Callable
from typing import Any

from auditor.base.redact import redact_text
from auditor.collect.worker import ClientSettings, UnitResult, WorkUnit, run_unit
from auditor.extras import import_extra
from auditor.model import Gap

THREADS = "threads"
_DASK = re.compile(r"^dask://(?P<host>[A-Za-z0-9.\-_\[\]:]+?):(?P<port>\d{1,5})$")


class ExecutorError(ValueError):
    """An executor that cannot be named or reached (an input error, exit 2)."""


def parse_executor(value: str) -> str:
    """``threads`` or ``dask://HOST:PORT`` (checked); anything else is an ExecutorError."""
    if value == THREADS:
        return value
    m = _DASK.match(value)
    if not m or not 0 < int(m.group("port")) < 65536:
        raise ExecutorError(
            f"--executor {value!r}: expected 'threads' or 'dask://HOST:PORT' (a Dask scheduler)"
        )
    return value


def check_reachable(value: str, timeout: float = 3.0) -> None:
    """A ``dask://`` scheduler accepts a connection within ``timeout`` seconds.

    Checked before any API call, so a wrong address costs seconds, not the Dask
    client's 30 s wait after the accounts were entered.
    """
    import socket

    m = _DASK.match(value)
    if m is None:
        return
    host, port = m.group("host").strip("[]"), int(m.group("port"))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ExecutorError(
            f"--executor {value}: cannot reach the Dask scheduler: {exc.strerror or exc}"
        ) from exc


def require_executor(value: str) -> None:
    """Raise :class:`~auditor.extras.MissingExtra` when ``value`` needs a missing extra.

    Checked with the options, so a scan fails before it collects anything.
    """
    if parse_executor(value) != THREADS:
        import_extra("distributed", "dask")


def _executor_gap(unit: WorkUnit, exc: BaseException) -> UnitResult:
    """A unit the executor lost (worker died, cancelled): not collected, so a gap."""
    return UnitResult(
        unit=unit,
        gaps=(
            Gap(
                cloud=unit.cloud,
                account=unit.account,
                region=unit.region,
                service=unit.service,
                operation="collect",
                error_code="ExecutorFailure",
                message=redact_text(f"{type(exc).__name__}: {exc}")[:300],
            ),
        ),
        ran=False,
    )


UnitRunner = Callable[[WorkUnit, ClientSettings], UnitResult]
"""Runs one unit: AWS's :func:`~auditor.collect.worker.run_unit`, or a cloud's own."""


class ThreadExecutor:
    """Units run on a bounded thread pool in this process (with ``run``: any cloud's)."""

    def __init__(self, settings: ClientSettings, workers: int, run: UnitRunner = run_unit) -> None:
        self._settings = settings
        self._run = run
        self._pool = cf.ThreadPoolExecutor(max_workers=max(1, workers))

    def start(self, unit: WorkUnit) -> cf.Future[UnitResult]:
        return self._pool.submit(self._run, unit, self._settings)

    def wait(self, running: list[Any]) -> list[Any]:
        done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        return sorted(done, key=running.index)

    def finish(self, handle: Any, unit: WorkUnit) -> UnitResult:
        result: UnitResult = handle.result()  # a bug in a collector is a crash, as it should be
        return result

    def close(self, wait: bool = True) -> None:
        """Cancel what has not started; ``wait`` for what runs (not after an interrupt)."""
        self._pool.shutdown(wait=wait, cancel_futures=True)


class DaskExecutor:
    """Units run on a Dask distributed cluster; results come back to this process."""

    def __init__(self, address: str, settings: ClientSettings, timeout: float = 30.0) -> None:
        distributed = import_extra("distributed", "dask")
        client_class: Any = distributed.Client
        self._settings = settings
        url = "tcp://" + address.removeprefix("dask://")
        try:
            self._client: Any = client_class(url, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(
                f"--executor {address}: cannot reach the Dask scheduler: {exc}"
            ) from exc
        self.address = address
        self._done: queue.Queue[Any] = queue.Queue()

    def start(self, unit: WorkUnit) -> Any:
        key = f"auditor-{unit.run_id}-{unit.account}-{unit.region}-{unit.service}"
        future = self._client.submit(run_unit, unit, self._settings, key=key, pure=False)
        future.add_done_callback(self._done.put)  # runs in a client thread when it ends
        return future

    def wait(self, running: list[Any]) -> list[Any]:
        finished = [self._done.get()]
        while True:
            try:
                finished.append(self._done.get_nowait())
            except queue.Empty:
                break
        ids = {id(f) for f in finished}
        return [f for f in running if id(f) in ids]

    def finish(self, handle: Any, unit: WorkUnit) -> UnitResult:
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        try:
            result = handle.result()
        except (KilledWorker, FutureCancelledError, cf.CancelledError, OSError) as exc:
            return _executor_gap(unit, exc)
        finally:
            handle.release()
        if not isinstance(result, UnitResult):
            return _executor_gap(unit, TypeError(f"worker answered {type(result).__name__}"))
        return result

    def close(self, wait: bool = True) -> None:
        self._client.close(timeout=None if wait else 2)


def make_executor(
    name: str, settings: ClientSettings, workers: int, run: UnitRunner | None = None
) -> ThreadExecutor | DaskExecutor:
    """Threads, or Dask; a cloud's own ``run`` (not a module-level AWS unit) needs threads:
    its clients and credential live in this process."""
    if parse_executor(name) == THREADS or run is not None:
        return ThreadExecutor(settings, workers, run or run_unit)
    return DaskExecutor(name, settings)
