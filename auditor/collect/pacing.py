"""Pacing AWS requests by each service's own limits, adapting to throttling answers.

AWS meters each service apart: EC2 keeps a token bucket per API action per account
and region (Describe* actions: 100 tokens, 20 a second), Route 53 allows five
requests a second per account whatever the region, S3 thousands a second. One
bucket shared by every service (the old ``--rate``) makes S3 wait behind EC2's
budget; no bucket at all gets throttled into retries and gaps. So every request
draws from the bucket of its own (account, region or "global", service[, action]),
sized by :data:`AWS_PACES`, and a throttling answer halves that bucket's rate, which
then recovers linearly to the table's figure (additive increase, multiplicative
decrease). ``ceiling`` (``--rate``) adds one bucket per (account, region) over all
services, for users who share an account's budget with other tools.

Buckets live in the process that sends the requests (the coordinator with the
thread executor, each worker process with Dask). Retries draw tokens too: the hook
runs before every send.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from auditor.collect.ratelimit import TokenBucket

THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)
"""Error codes AWS services answer a request over their rate with."""


@dataclass(frozen=True, kw_only=True)
class Pace:
    """How fast one service may be asked, and where its meter is kept."""

    rate: float
    """Tokens a second (the refill)."""
    burst: float
    """Tokens saved at most (the bucket's size)."""
    scope: Literal["region", "account"] = "region"
    """Metered per account and region, or per account whatever the region."""
    per_action: bool = False
    """Each API action has a bucket of its own (EC2)."""
    source: str = ""
    """Where the figures come from: a documented quota, or a conservative guess."""


AWS_PACES: Mapping[str, Pace] = {
    "ec2": Pace(
        rate=20,
        burst=100,
        per_action=True,
        source="documented: EC2 request rate limiting, non-mutating actions "
        "(bucket 100, refill 20/s) per action, account and region",
    ),
    "route-53": Pace(
        rate=5,
        burst=5,
        scope="account",
        source="documented: Route 53 API, five requests a second per AWS account",
    ),
    "sts": Pace(
        rate=100,
        burst=100,
        source="below the documented STS quota of 600 requests a second per account and region",
    ),
    "s3": Pace(
        rate=100,
        burst=100,
        source="far below S3's documented 5,500 GET/HEAD a second per prefix; bucket "
        "configuration reads have no separate published quota",
    ),
    "kms": Pace(
        rate=50,
        burst=50,
        source="below KMS's documented per-operation request quotas for the reads made "
        "(list, describe, get policy and rotation status)",
    ),
    "iam": Pace(
        rate=20,
        burst=40,
        scope="account",
        source="conservative: IAM publishes no request rate; its API is global",
    ),
    "organizations": Pace(
        rate=10,
        burst=20,
        scope="account",
        source="conservative: Organizations publishes no request rate; its API is global",
    ),
    "cloudtrail": Pace(
        rate=10,
        burst=20,
        source="conservative: CloudTrail's management read APIs are metered at a few "
        "transactions a second",
    ),
    "cloudwatch-logs": Pace(
        rate=5,
        burst=5,
        per_action=True,
        source="CloudWatch Logs quotas: FilterLogEvents at 5 transactions a second per "
        "account and region, the lowest of the reads made (observed flows only)",
    ),
}
"""Pace per botocore service id (hyphenated, as in event names)."""

DEFAULT_PACE = Pace(
    rate=20,
    burst=40,
    source="EC2's Describe refill rate, for a service with no published request rate "
    "(ELB, Auto Scaling, EKS, MSK, ...)",
)

MARGIN = 0.9
"""Share of a documented rate the auditor uses: requests reach the cloud with jitter,
and a client paced exactly at the limit is throttled by its first early arrival."""
_RECOVER_SECONDS = 30.0
"""Seconds a halved bucket takes to climb back to its table rate with no new throttle."""
_FLOOR = 0.2
"""Requests a second a bucket never goes below, however often it is throttled."""


class AdaptiveBucket(TokenBucket):
    """A token bucket whose rate halves on a throttle and climbs back linearly."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate, burst, clock, sleep)
        self.ceiling = rate
        self.throttles = 0
        self._recovered_at = clock()

    def acquire(self) -> None:
        self._recover()
        super().acquire()

    def throttled(self) -> None:
        """The cloud said too fast: halve the rate, spend what was saved."""
        with self._lock:
            self.throttles += 1
            self.rate = max(_FLOOR, self.rate / 2)
            self._tokens = min(self._tokens, 0.0)
            self._recovered_at = self._clock()

    def _recover(self) -> None:
        if self.rate >= self.ceiling:
            return
        with self._lock:
            now = self._clock()
            step = self.ceiling * (now - self._recovered_at) / _RECOVER_SECONDS
            self.rate = min(self.ceiling, self.rate + step)
            self._recovered_at = now


def pace_of(service_id: str) -> Pace:
    """The pace of a botocore service id ("Route 53" and "route-53" alike)."""
    return AWS_PACES.get(service_id.lower().replace(" ", "-"), DEFAULT_PACE)


class Pacer:
    """The buckets of one scan, made on first use; attaches them to boto3 clients.

    ``enabled=False`` (``--rate 0``) sends as fast as the workers go.
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        ceiling: float | None = None,
        ceiling_burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.enabled = enabled
        self.ceiling = ceiling if enabled else None
        self.ceiling_burst = ceiling_burst
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, ...], AdaptiveBucket] = {}
        self._ceilings: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, account: str, region: str, service_id: str, action: str) -> AdaptiveBucket:
        pace = pace_of(service_id)
        where = "global" if pace.scope == "account" else region
        key = (account, where, pace_key(service_id), action if pace.per_action else "")
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                found = AdaptiveBucket(pace.rate * MARGIN, pace.burst, self._clock, self._sleep)
                self._buckets[key] = found
            return found

    def ceiling_bucket(self, account: str, region: str) -> TokenBucket | None:
        if self.ceiling is None:
            return None
        with self._lock:
            found = self._ceilings.get((account, region))
            if found is None:
                burst = self.ceiling_burst or max(1.0, self.ceiling)
                found = TokenBucket(self.ceiling, burst, self._clock, self._sleep)
                self._ceilings[(account, region)] = found
            return found

    def attach(self, client: Any, *, account: str, region: str) -> None:
        """Make every send of ``client`` wait for its buckets, and learn from throttles."""
        if not self.enabled:
            return
        service_id = str(client.meta.service_model.service_id)
        ceiling = self.ceiling_bucket(account, region)

        def before_send(event_name: str = "", **_: Any) -> None:
            if ceiling is not None:
                ceiling.acquire()
            self.bucket(account, region, service_id, _action(event_name)).acquire()
            # returns None: botocore then sends the request itself

        def response_received(
            event_name: str = "", parsed_response: Any = None, response_dict: Any = None, **_: Any
        ) -> None:
            if _is_throttle(parsed_response, response_dict):
                self.bucket(account, region, service_id, _action(event_name)).throttled()

        client.meta.events.register("before-send.*.*", before_send)
        client.meta.events.register("response-received.*.*", response_received)

    def waits(self) -> dict[str, float]:
        """Seconds spent waiting per service (for progress and benchmarks)."""
        out: dict[str, float] = {}
        with self._lock:
            for (_, _, service, _), b in self._buckets.items():
                out[service] = out.get(service, 0.0) + b.waited
        return out

    def throttles(self) -> dict[str, int]:
        """Throttling answers seen per service."""
        out: dict[str, int] = {}
        with self._lock:
            for (_, _, service, _), b in self._buckets.items():
                out[service] = out.get(service, 0) + b.throttles
        return out


def _is_throttle(parsed: Any, response: Any) -> bool:
    if isinstance(response, dict) and response.get("status_code") == 429:
        return True
    error = parsed.get("Error") if isinstance(parsed, dict) else None
    return isinstance(error, dict) and error.get("Code") in THROTTLE_CODES


def pace_key(service_id: str) -> str:
    return service_id.lower().replace(" ", "-")


def _action(event_name: str) -> str:
    """``DescribeInstances`` from ``before-send.ec2.DescribeInstances``."""
    return event_name.rsplit(".", 1)[-1] if event_name.count(".") >= 2 else ""
