"""What an Azure collector sees: the entered subscriptions, guarded clients, a sink.

Collectors under ``auditor/collect/azure/`` declare ``COLLECTOR`` (an
:class:`AzureCollector`): a Resource Graph table, the resource types read
from it, the Azure actions that needs, and whether a failure hides every
kind of resource (``gap_service = "*"``) or only its own. The context runs
the query over every entered subscription, one request per page, following
the skip token; every failure becomes a :class:`~auditor.model.Gap`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.base.redact import redact_text
from auditor.collect.aws_context import Sink
from auditor.model import CollectionUnit, Gap, JSONValue, RawRecord

if TYPE_CHECKING:
    from auditor.collect.azure._options import AzureScanOptions

GLOBAL = "global"
MAX_PAGES = 10_000
"""A query answering more pages than this is cut and recorded as a gap (no endless loops)."""
SUBSCRIPTIONS_PER_QUERY = 1000
"""Resource Graph takes at most this many subscriptions in one request."""


@dataclass(frozen=True, kw_only=True)
class AzureCollector:
    """A Resource Graph collector: table, resource types, and the actions it needs."""

    name: str
    table: str
    types: tuple[str, ...]
    """Lower-cased resource types the query asks for (the normalisers' record types)."""
    actions: tuple[str, ...]
    """Azure RBAC actions, e.g. ``Microsoft.Network/*/read`` (least-privilege role)."""
    gap_service: str = "*"
    """Service a failure is recorded under: ``*`` when it hides every kind of resource."""
    data_actions: tuple[str, ...] = ()
    """Azure RBAC data actions (data-plane reads, e.g. a blob's), the role's ``DataActions``."""
    opt_in: bool = False
    """Run only when the scan asks for it (observed flows: ``flows_since``); an import
    does not expect it."""

    def query(self) -> str:
        """The Kusto query sent (the fake Azure understands exactly this shape)."""
        types = ", ".join(f"'{t}'" for t in self.types)
        return f"{self.table} | where type in~ ({types}) | order by id asc"


def error_code(exc: BaseException) -> str:
    """A short code for an Azure SDK error: the ARM error code, else the class name."""
    from azure.core.exceptions import DecodeError, HttpResponseError

    if isinstance(exc, DecodeError):
        return "MalformedResponse"
    if isinstance(exc, HttpResponseError):
        err = getattr(exc, "error", None)
        code = getattr(err, "code", None) if err is not None else None
        if code:
            return str(code)
        status = getattr(exc, "status_code", None)
        if status:
            return f"HTTP{status}"
    return type(exc).__name__


def row_record(row: Mapping[str, Any], service: str, operation: str) -> RawRecord:
    """The raw record of one Resource Graph row (also used by the offline importer)."""
    data = json.loads(json.dumps(row, sort_keys=True, default=str))
    account = str(data.get("subscriptionId") or data.get("tenantId") or "")
    region = str(data.get("location") or "").lower() or GLOBAL
    return RawRecord(
        cloud="azure",
        account=account,
        region=region,
        service=service,
        type=str(data.get("type") or "").lower(),
        data=data,
        operation=operation,
    )


@dataclass
class AzureContext:
    """Clients, sink and pacing of one Azure scan."""

    opts: AzureScanOptions
    credential: Any
    sink: Sink = field(default_factory=Sink)
    pacer: Any = None
    """The scan's :class:`~auditor.collect.pacing.QuotaPacer` (None: no pacing)."""
    _graph_client: Any = None

    def for_unit(self) -> AzureContext:
        """A context for one unit: its own sink, the scan's credential, pacer and graph client."""
        return AzureContext(
            opts=self.opts,
            credential=self.credential,
            pacer=self.pacer,
            _graph_client=self.graph_client(),
        )

    def client_kwargs(self) -> dict[str, Any]:
        from auditor.collect.azure._guard import ReadOnlyPolicy

        kw: dict[str, Any] = {
            "per_call_policies": [ReadOnlyPolicy()],
            "retry_total": self.opts.retry_total,
            "user_agent": "boundary-auditor",
        }
        if self.pacer is not None:
            from auditor.collect.azure._pacing import PacingPolicy

            kw["per_retry_policies"] = [PacingPolicy(self.pacer)]
        if self.opts.base_url:
            kw["base_url"] = self.opts.base_url
        if self.opts.connection_verify is not None:
            kw["connection_verify"] = self.opts.connection_verify
        return kw

    def resource_client(self, subscription: str) -> Any:
        """A guarded ``ResourceManagementClient`` for one subscription."""
        from azure.mgmt.resource.resources import ResourceManagementClient

        return ResourceManagementClient(self.credential, subscription, **self.client_kwargs())

    def graph_client(self) -> Any:
        """The guarded ``ResourceGraphClient`` (one per scan)."""
        if self._graph_client is None:
            from azure.mgmt.resourcegraph import ResourceGraphClient

            self._graph_client = ResourceGraphClient(self.credential, **self.client_kwargs())
        return self._graph_client

    def gap(
        self,
        subscription: str,
        service: str,
        operation: str,
        code: str,
        message: str = "",
        resource: str = "",
    ) -> None:
        self.sink.gap(
            Gap(
                cloud="azure",
                account=subscription,
                region="*",
                service=service,
                operation=operation,
                error_code=code,
                message=redact_text(message)[:300],
                resource=resource,
            )
        )

    def ran(self, subscription: str, service: str) -> None:
        self.sink.ran(
            CollectionUnit(cloud="azure", account=subscription, region=GLOBAL, service=service)
        )

    def query_rows(
        self,
        query: str,
        subscriptions: Sequence[str],
        operation: str,
        on_error: Callable[[str, str], None],
    ) -> Iterator[dict[str, Any]]:
        """Every row of ``query`` over ``subscriptions``, page by page (skip token).

        A failed page calls ``on_error(code, message)`` and stops; rows already
        yielded stay valid, the gap makes dependent verdicts INCONCLUSIVE.
        """
        from azure.core.exceptions import AzureError
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        client = self.graph_client()
        for start in range(0, len(subscriptions), SUBSCRIPTIONS_PER_QUERY):
            batch = list(subscriptions[start : start + SUBSCRIPTIONS_PER_QUERY])
            token: str | None = None
            seen: set[str] = set()
            for _ in range(MAX_PAGES):
                options = QueryRequestOptions(
                    top=self.opts.page_size, skip_token=token, result_format="objectArray"
                )
                self.sink.count(operation)
                try:
                    answer = client.resources(
                        QueryRequest(subscriptions=batch, query=query, options=options)
                    )
                except AzureError as exc:
                    on_error(error_code(exc), str(exc).splitlines()[0] if str(exc) else "")
                    return
                data = getattr(answer, "data", None)
                if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                    on_error("MalformedResponse", "the answer has no list of row objects")
                    return
                bad = [r for r in data if not isinstance(r.get("id"), str) or not r.get("type")]
                if bad:
                    on_error("MalformedResponse", f"a row has no id or type: {bad[0]!r:.120}")
                    return
                yield from data
                token = answer.skip_token
                if not token:
                    break
                if token in seen:  # the same page again: it would never end
                    on_error("RepeatedPageToken", "a skip token came back")
                    return
                seen.add(token)
            else:
                on_error("TooManyPages", f"stopped after {MAX_PAGES} pages")
                return

    def emit(self, record: RawRecord) -> None:
        self.sink.record(record)


def jsonable(value: Any) -> JSONValue:
    """An SDK model or value as plain JSON values."""
    if hasattr(value, "as_dict"):
        return jsonable(value.as_dict())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
