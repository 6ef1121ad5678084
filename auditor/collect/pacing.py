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

Azure and GCP are paced the same way (:data:`CLOUD_PACES`, :class:`QuotaPacer`):
Resource Graph by its per-user quota, which every answer also reports
(``x-ms-user-quota-remaining``, ``x-ms-user-quota-resets-after``: when the quota
left would not cover the requests in flight, sending holds until it resets), ARM
reads by their per-subscription bucket, Cloud Asset ``ListAssets`` by its
per-consumer-project quota; a 429 (``RESOURCE_EXHAUSTED``) halves the bucket and
holds it for the answer's ``Retry-After``.

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
        source="CloudWatch Logs quotas: FilterLogEvents (and StartQuery, GetQueryResults: "
        "--flows-insights) at 5 transactions a second per account and region, the lowest "
        "of the reads made (observed flows only)",
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
        self._held_until = float("-inf")

    def acquire(self) -> None:
        self._recover()
        with self._lock:
            hold = self._held_until - self._clock()
            if hold > 0:
                self.waited += hold
        if hold > 0:
            self._sleep(hold)
        super().acquire()

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (a quota spent until it resets, a Retry-After)."""
        with self._lock:
            self._held_until = max(self._held_until, self._clock() + max(0.0, seconds))

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
        self.clients: dict[tuple[str, str, str], list[float]] = {}
        """(account, region, endpoint prefix) -> seconds each client built for it took."""
        self._prefixes: dict[str, str] = {}

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

    def built(self, client: Any, *, account: str, region: str, seconds: float) -> None:
        """A client was built in ``seconds`` (for the scan's timings, paced or not)."""
        model = client.meta.service_model
        prefix = str(model.endpoint_prefix)
        with self._lock:
            self.clients.setdefault((account, region, prefix), []).append(seconds)
            self._prefixes[pace_key(str(model.service_id))] = prefix

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

    def waits_by_prefix(self) -> dict[str, float]:
        """:meth:`waits` keyed by endpoint prefix (``elasticloadbalancing``), as calls are
        counted; the ceiling's waits under ``*``."""
        with self._lock:
            names = dict(self._prefixes)
            ceiling = sum(b.waited for b in self._ceilings.values())
        out = {names.get(k, k): w for k, w in self.waits().items()}
        return {**out, "*": ceiling} if ceiling else out

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


CLOUD_PACES: Mapping[str, Pace] = {
    "azure-resource-graph": Pace(
        rate=3,
        burst=15,
        scope="account",
        source="documented: Azure Resource Graph, 15 queries in every 5-second window per "
        "user (the x-ms-user-quota-remaining and x-ms-user-quota-resets-after headers of "
        "every answer report the quota left)",
    ),
    "azure-arm-reads": Pace(
        rate=25,
        burst=250,
        source="documented: Azure Resource Manager throttling, subscription reads: a bucket "
        "of 250 refilled 25 a second per security principal, subscription and region",
    ),
    "gcp-cloudasset-list": Pace(
        rate=100 / 60,
        burst=10,
        scope="account",
        source="documented: Cloud Asset Inventory ListAssets, 100 requests a minute per "
        "consumer project (and 800 a minute per organization); a burst of 10 plus the "
        "refill at 90% keeps any minute at or under 100",
    ),
}
"""Pace of the Azure and GCP APIs the collectors call, by name (``QuotaPacer.bucket``)."""


MAX_HOLD = 60.0
"""The longest a cloud's Retry-After or quota reset may stop a bucket: a header asking
for more (or a malformed one) must not stall the scan unseen; past it the SDK's own
retries and their gaps take over."""


def parse_resets_after(value: str) -> float | None:
    """Seconds in an ``hh:mm:ss`` duration (``x-ms-user-quota-resets-after``)."""
    parts = value.strip().split(":")
    if len(parts) != 3:
        return None
    try:
        h, m, sec = int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        return None
    return h * 3600 + m * 60 + sec if min(h, m, sec) >= 0 else None


def retry_after_seconds(value: str | None, default: float = 1.0) -> float:
    """The seconds of a ``Retry-After`` header (delta seconds), ``default`` when absent."""
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default


class QuotaPacer:
    """The Azure or GCP buckets of one scan, by (pace name, meter key), made on first use.

    ``enabled=False`` sends as fast as the workers go (``--rate 0``). The cloud's
    client hook calls :meth:`before` and :meth:`after` around every request sent
    (retries included).
    """

    def __init__(
        self,
        *,
        enabled: bool = True,
        paces: Mapping[str, Pace] = CLOUD_PACES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.enabled = enabled
        self._paces = paces
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], AdaptiveBucket] = {}
        self._in_flight: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def bucket(self, pace: str, key: str) -> AdaptiveBucket:
        with self._lock:
            found = self._buckets.get((pace, key))
            if found is None:
                p = self._paces[pace]
                found = AdaptiveBucket(p.rate * MARGIN, p.burst, self._clock, self._sleep)
                self._buckets[(pace, key)] = found
            return found

    def before(self, pace: str, key: str) -> None:
        """Wait for a token of (``pace``, ``key``); the request is then in flight."""
        if not self.enabled:
            return
        self.bucket(pace, key).acquire()
        with self._lock:
            self._in_flight[(pace, key)] = self._in_flight.get((pace, key), 0) + 1

    def after(
        self,
        pace: str,
        key: str,
        *,
        status: int,
        retry_after: str | None = None,
        quota_remaining: str | None = None,
        quota_resets_after: str | None = None,
    ) -> None:
        """Learn from an answer: a 429 halves and holds; a spent quota holds until it resets."""
        if not self.enabled:
            return
        with self._lock:
            flying = self._in_flight.get((pace, key), 1) - 1
            self._in_flight[(pace, key)] = max(0, flying)
        bucket = self.bucket(pace, key)
        if status == 429:
            bucket.throttled()
            bucket.hold(min(retry_after_seconds(retry_after), MAX_HOLD))
            return
        if quota_remaining is None or quota_resets_after is None:
            return
        try:
            remaining = int(quota_remaining)
        except ValueError:
            return
        resets = parse_resets_after(quota_resets_after)
        if resets is not None and remaining <= flying:
            # what is left would not cover the requests already sent
            bucket.hold(min(resets, MAX_HOLD))

    def waits(self) -> dict[str, float]:
        """Seconds spent waiting per pace (for progress and benchmarks)."""
        out: dict[str, float] = {}
        with self._lock:
            for (pace, _), b in self._buckets.items():
                out[pace] = out.get(pace, 0.0) + b.waited
        return out

    def throttles(self) -> dict[str, int]:
        """Throttling answers seen per pace."""
        out: dict[str, int] = {}
        with self._lock:
            for (pace, _), b in self._buckets.items():
                out[pace] = out.get(pace, 0) + b.throttles
        return out
