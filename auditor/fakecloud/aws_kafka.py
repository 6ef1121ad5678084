"""MSK Replicator, MSK configurations and MSK Connect for the embedded AWS fake.

moto has MSK clusters but none of these, so the moto server is wrapped by a
WSGI layer (:func:`wrap`) that answers them, written from the documented API
shapes: requests and answers are converted with botocore's own service models
(wire names, label and query-string members, ISO timestamps), so the real
``kafka`` and ``kafkaconnect`` clients talk to it as to AWS. Everything else
goes to moto unchanged, except two moto gaps in MSK clusters it fills:
``CreateClusterV2`` forgets ``Provisioned.ConfigurationInfo``, and the v2
cluster answers say ``configurationArn: "string"`` for a cluster without one.

State is per account (the ``x-moto-account-id`` header, or the account of the
access key, as moto decides) and region (the SigV4 credential scope).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CREATED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
"""Creation time of every fake object (answers are deterministic)."""

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ApiError(Exception):
    """An AWS-shaped REST error (status, ``x-amzn-ErrorType`` code, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class _Region:
    replicators: dict[str, dict[str, Any]] = field(default_factory=dict)
    configurations: dict[str, dict[str, Any]] = field(default_factory=dict)
    revisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    connectors: dict[str, dict[str, Any]] = field(default_factory=dict)
    connect_tags: dict[str, dict[str, str]] = field(default_factory=dict)


def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _wire_name(name: str, shape: Any) -> str:
    return str(shape.serialization.get("name", name))


def to_wire(shape: Any, value: Any) -> Any:
    """A value in botocore member names as the JSON the API sends."""
    t = shape.type_name
    if t == "structure":
        return {
            _wire_name(n, m): to_wire(m, value[n])
            for n, m in shape.members.items()
            if n in value and value[n] is not None
        }
    if t == "list":
        return [to_wire(shape.member, v) for v in value]
    if t == "map":
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    if t == "timestamp":
        return value.isoformat().replace("+00:00", "Z")
    return value


def from_wire(shape: Any, value: Any) -> Any:
    """A request body (wire names) in botocore member names."""
    t = shape.type_name
    if t == "structure":
        wire = {_wire_name(n, m): (n, m) for n, m in shape.members.items()}
        return {wire[k][0]: from_wire(wire[k][1], v) for k, v in value.items() if k in wire}
    if t == "list":
        return [from_wire(shape.member, v) for v in value]
    if t == "map":
        return {k: from_wire(shape.value, v) for k, v in value.items()}
    return value


@dataclass(frozen=True, kw_only=True)
class _Route:
    service: str
    operation: str
    method: str
    pattern: re.Pattern[str]


def _routes(service: str, operations: Iterable[str]) -> list[_Route]:
    model = _model(service)
    out = []
    for name in operations:
        op = model.operation_model(name)
        uri = op.http["requestUri"].split("?")[0]
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(uri))
        out.append(
            _Route(
                service=service,
                operation=name,
                method=op.http["method"],
                pattern=re.compile(f"^{regex}$"),
            )
        )
    return out


_KAFKA_OPS = (
    "CreateReplicator",
    "ListReplicators",
    "DescribeReplicator",
    "DeleteReplicator",
    "CreateConfiguration",
    "ListConfigurations",
    "DescribeConfiguration",
    "ListConfigurationRevisions",
    "DescribeConfigurationRevision",
)
_CONNECT_OPS = (
    "CreateConnector",
    "ListConnectors",
    "DescribeConnector",
    "DeleteConnector",
    "ListTagsForResource",
)


def _page(items: list[Any], params: Mapping[str, Any], token: str, size: str) -> dict[str, Any]:
    start = int(params.get(token) or 0)
    count = int(params.get(size) or 100)
    out: dict[str, Any] = {"items": items[start : start + count]}
    if start + count < len(items):
        out[token] = str(start + count)
    return out


def _arn(service: str, region: str, account: str, kind: str, name: str) -> str:
    suffix = uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{region}/{kind}/{name}")
    return f"arn:aws:{service}:{region}:{account}:{kind}/{name}/{suffix}"


def _region_of_arn(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 else ""


class KafkaFake:
    """The state and handlers of the operations moto lacks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str], _Region] = {}
        self._cluster_configs: dict[str, dict[str, Any]] = {}
        self.routes = _routes("kafka", _KAFKA_OPS) + _routes("kafkaconnect", _CONNECT_OPS)

    def reset(self) -> None:
        with self._lock:
            self._state.clear()
            self._cluster_configs.clear()

    def _region(self, account: str, region: str) -> _Region:
        return self._state.setdefault((account, region), _Region())

    def handle(
        self, route: _Route, account: str, region: str, labels: Mapping[str, str], body: Any
    ) -> Any:
        """The answer (member names) of one operation, or :class:`ApiError`."""
        handler = getattr(self, f"_{route.service}_{route.operation}")
        with self._lock:
            return handler(self._region(account, region), account, region, labels, body)

    # --- MSK Replicator --------------------------------------------------------------

    def _kafka_CreateReplicator(
        self, st: _Region, account: str, region: str, _: Mapping[str, str], req: Any
    ) -> Any:
        name = str(req["ReplicatorName"])
        arn = _arn("kafka", region, account, "replicator", name)
        if arn in st.replicators:
            raise ApiError(409, "ConflictException", f"replicator {name} already exists")
        clusters = []
        aliases: dict[str, str] = {}
        for c in req.get("KafkaClusters") or []:
            msk = (c.get("AmazonMskCluster") or {}).get("MskClusterArn")
            if not msk:
                raise ApiError(400, "BadRequestException", "kafkaClusters: amazonMskCluster needed")
            alias = msk.split("/")[1] + "-" + _region_of_arn(msk) if "/" in msk else msk
            aliases[msk] = alias
            clusters.append({**c, "KafkaClusterAlias": alias})
        infos = []
        for info in req.get("ReplicationInfoList") or []:
            src, dst = info.get("SourceKafkaClusterArn"), info.get("TargetKafkaClusterArn")
            if src not in aliases or dst not in aliases:
                raise ApiError(
                    400, "BadRequestException", "replication info names a cluster not listed"
                )
            infos.append(
                {
                    "SourceKafkaClusterAlias": aliases[src],
                    "TargetKafkaClusterAlias": aliases[dst],
                    "TargetCompressionType": info.get("TargetCompressionType", "NONE"),
                    "TopicReplication": info.get("TopicReplication") or {},
                    "ConsumerGroupReplication": info.get("ConsumerGroupReplication") or {},
                }
            )
        st.replicators[arn] = {
            "CreationTime": _CREATED,
            "CurrentVersion": "K1",
            "IsReplicatorReference": False,
            "KafkaClusters": clusters,
            "ReplicationInfoList": infos,
            "ReplicatorArn": arn,
            "ReplicatorDescription": req.get("Description"),
            "ReplicatorName": name,
            "ReplicatorState": "RUNNING",
            "ServiceExecutionRoleArn": req.get("ServiceExecutionRoleArn"),
            "StateInfo": {},
            "Tags": req.get("Tags") or {},
        }
        return {"ReplicatorArn": arn, "ReplicatorName": name, "ReplicatorState": "CREATING"}

    def _kafka_ListReplicators(
        self, st: _Region, _a: str, _r: str, _l: Mapping[str, str], params: Any
    ) -> Any:
        prefix = params.get("ReplicatorNameFilter") or ""
        summaries = [
            {
                "CreationTime": r["CreationTime"],
                "CurrentVersion": r["CurrentVersion"],
                "IsReplicatorReference": r["IsReplicatorReference"],
                "KafkaClustersSummary": [
                    {k: c[k] for k in ("AmazonMskCluster", "KafkaClusterAlias") if k in c}
                    for c in r["KafkaClusters"]
                ],
                "ReplicationInfoSummaryList": [
                    {k: i[k] for k in ("SourceKafkaClusterAlias", "TargetKafkaClusterAlias")}
                    for i in r["ReplicationInfoList"]
                ],
                "ReplicatorArn": r["ReplicatorArn"],
                "ReplicatorName": r["ReplicatorName"],
                "ReplicatorState": r["ReplicatorState"],
            }
            for _, r in sorted(st.replicators.items())
            if str(r["ReplicatorName"]).startswith(prefix)
        ]
        page = _page(summaries, params, "NextToken", "MaxResults")
        return {"Replicators": page.pop("items"), **page}

    def _replicator(self, st: _Region, labels: Mapping[str, str]) -> dict[str, Any]:
        arn = urllib.parse.unquote(labels["replicatorArn"])
        if arn not in st.replicators:
            raise ApiError(404, "NotFoundException", f"replicator {arn} not found")
        return st.replicators[arn]

    def _kafka_DescribeReplicator(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        return self._replicator(st, labels)

    def _kafka_DeleteReplicator(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        r = self._replicator(st, labels)
        del st.replicators[r["ReplicatorArn"]]
        return {"ReplicatorArn": r["ReplicatorArn"], "ReplicatorState": "DELETING"}

    # --- MSK configurations ----------------------------------------------------------

    def _kafka_CreateConfiguration(
        self, st: _Region, account: str, region: str, _: Mapping[str, str], req: Any
    ) -> Any:
        name = str(req["Name"])
        arn = _arn("kafka", region, account, "configuration", name)
        if arn in st.configurations:
            raise ApiError(409, "ConflictException", f"configuration {name} already exists")
        revision = {"CreationTime": _CREATED, "Description": req.get("Description"), "Revision": 1}
        st.configurations[arn] = {
            "Arn": arn,
            "CreationTime": _CREATED,
            "Description": req.get("Description") or "",
            "KafkaVersions": req.get("KafkaVersions") or [],
            "LatestRevision": revision,
            "Name": name,
            "State": "ACTIVE",
        }
        st.revisions[arn] = [{**revision, "ServerProperties": req.get("ServerProperties")}]
        return {
            "Arn": arn,
            "CreationTime": _CREATED,
            "LatestRevision": revision,
            "Name": name,
            "State": "ACTIVE",
        }

    def _kafka_ListConfigurations(
        self, st: _Region, _a: str, _r: str, _l: Mapping[str, str], params: Any
    ) -> Any:
        items = [c for _, c in sorted(st.configurations.items())]
        page = _page(items, params, "NextToken", "MaxResults")
        return {"Configurations": page.pop("items"), **page}

    def _configuration(self, st: _Region, labels: Mapping[str, str]) -> dict[str, Any]:
        arn = urllib.parse.unquote(labels["arn"])
        if arn not in st.configurations:
            raise ApiError(404, "NotFoundException", f"configuration {arn} not found")
        return st.configurations[arn]

    def _kafka_DescribeConfiguration(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        return self._configuration(st, labels)

    def _kafka_ListConfigurationRevisions(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], params: Any
    ) -> Any:
        arn = self._configuration(st, labels)["Arn"]
        items = [{k: v for k, v in r.items() if k != "ServerProperties"} for r in st.revisions[arn]]
        page = _page(items, params, "NextToken", "MaxResults")
        return {"Revisions": page.pop("items"), **page}

    def _kafka_DescribeConfigurationRevision(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        arn = self._configuration(st, labels)["Arn"]
        wanted = labels["revision"]
        for r in st.revisions[arn]:
            if str(r["Revision"]) == wanted:
                return {"Arn": arn, **r}
        raise ApiError(404, "NotFoundException", f"revision {wanted} of {arn} not found")

    # --- MSK Connect -----------------------------------------------------------------

    def _kafkaconnect_CreateConnector(
        self, st: _Region, account: str, region: str, _: Mapping[str, str], req: Any
    ) -> Any:
        name = str(req["connectorName"])
        arn = _arn("kafkaconnect", region, account, "connector", name)
        if arn in st.connectors:
            raise ApiError(409, "ConflictException", f"connector {name} already exists")
        st.connectors[arn] = {
            "capacity": req.get("capacity") or {},
            "connectorArn": arn,
            "connectorConfiguration": req.get("connectorConfiguration") or {},
            "connectorDescription": req.get("connectorDescription"),
            "connectorName": name,
            "connectorState": "RUNNING",
            "creationTime": _CREATED,
            "currentVersion": "K1",
            "kafkaCluster": req.get("kafkaCluster") or {},
            "kafkaClusterClientAuthentication": req.get("kafkaClusterClientAuthentication"),
            "kafkaClusterEncryptionInTransit": req.get("kafkaClusterEncryptionInTransit"),
            "kafkaConnectVersion": req.get("kafkaConnectVersion"),
            "plugins": req.get("plugins") or [],
            "serviceExecutionRoleArn": req.get("serviceExecutionRoleArn"),
        }
        st.connect_tags[arn] = dict(req.get("tags") or {})
        return {"connectorArn": arn, "connectorName": name, "connectorState": "CREATING"}

    def _kafkaconnect_ListConnectors(
        self, st: _Region, _a: str, _r: str, _l: Mapping[str, str], params: Any
    ) -> Any:
        prefix = params.get("connectorNamePrefix") or ""
        items = [
            {k: v for k, v in c.items() if k != "connectorConfiguration"}
            for _, c in sorted(st.connectors.items())
            if str(c["connectorName"]).startswith(prefix)
        ]
        page = _page(items, params, "nextToken", "maxResults")
        return {"connectors": page.pop("items"), **page}

    def _connector(self, st: _Region, labels: Mapping[str, str]) -> dict[str, Any]:
        arn = urllib.parse.unquote(labels["connectorArn"])
        if arn not in st.connectors:
            raise ApiError(404, "NotFoundException", f"connector {arn} not found")
        return st.connectors[arn]

    def _kafkaconnect_DescribeConnector(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        return self._connector(st, labels)

    def _kafkaconnect_DeleteConnector(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        c = self._connector(st, labels)
        del st.connectors[c["connectorArn"]]
        return {"connectorArn": c["connectorArn"], "connectorState": "DELETING"}

    def _kafkaconnect_ListTagsForResource(
        self, st: _Region, _a: str, _r: str, labels: Mapping[str, str], _b: Any
    ) -> Any:
        arn = urllib.parse.unquote(labels["resourceArn"])
        if arn not in st.connect_tags:
            raise ApiError(404, "NotFoundException", f"resource {arn} not found")
        return {"tags": st.connect_tags[arn]}

    # --- moto's MSK clusters ---------------------------------------------------------

    def remember_cluster_config(self, cluster_arn: str, info: Mapping[str, Any]) -> None:
        with self._lock:
            self._cluster_configs[cluster_arn] = dict(info)

    def fix_cluster(self, cluster: dict[str, Any]) -> None:
        """Put the remembered configuration into a v2 cluster answer (wire names)."""
        software = (cluster.get("provisioned") or {}).get("currentBrokerSoftwareInfo")
        if not isinstance(software, dict):
            return
        with self._lock:
            info = self._cluster_configs.get(str(cluster.get("clusterArn")))
        if info is not None:
            software["configurationArn"] = info.get("arn")
            software["configurationRevision"] = info.get("revision")
        elif software.get("configurationArn") == "string":  # moto's placeholder: no config
            software.pop("configurationArn", None)
            software.pop("configurationRevision", None)


def _account(environ: Mapping[str, Any], access_key: str) -> str:
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return str(header)
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))


def _respond(start: StartResponse, status: int, body: Any, code: str = "") -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if code:
        headers.append(("x-amzn-ErrorType", code))
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "")
    start(f"{status} {reason}", headers)
    return [data]


def _read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    data: bytes = environ["wsgi.input"].read(length) if length else b""
    return data


def wrap(app: WsgiApp, fake: KafkaFake) -> WsgiApp:
    """``app`` (moto) with the operations of ``fake`` answered in front of it."""
    models = {"kafka": _model("kafka"), "kafkaconnect": _model("kafkaconnect")}

    def middleware(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        scope = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        if scope is None or scope.group(3) not in models:
            return app(environ, start)
        access_key, region, service = scope.groups()
        path = urllib.parse.unquote(str(environ.get("PATH_INFO", "")), errors="strict")
        method = str(environ.get("REQUEST_METHOD", "GET"))
        raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
        raw_path = raw_path.split("?")[0] or path
        for route in fake.routes:
            if route.service != service or route.method != method:
                continue
            match = route.pattern.match(raw_path) or route.pattern.match(path)
            if match is None:
                continue
            op = models[service].operation_model(route.operation)
            body = _read_body(environ)
            params = from_wire(op.input_shape, json.loads(body)) if body else {}
            query = urllib.parse.parse_qs(str(environ.get("QUERY_STRING", "")))
            for name, member in op.input_shape.members.items():
                where = member.serialization.get("location")
                wire = member.serialization.get("name", name)
                if where == "querystring" and wire in query:
                    params[name] = query[wire][0]
            labels = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
            try:
                answer = fake.handle(route, _account(environ, access_key), region, labels, params)
            except ApiError as exc:
                return _respond(start, exc.status, {"message": exc.message}, exc.code)
            return _respond(start, 200, to_wire(op.output_shape, answer))
        if service == "kafka":
            return _moto_clusters(app, fake, environ, start, path, method)
        return _respond(
            start, 404, {"message": f"{method} {path} is not answered"}, "NotFoundException"
        )

    return middleware


def _moto_clusters(
    app: WsgiApp,
    fake: KafkaFake,
    environ: dict[str, Any],
    start: StartResponse,
    path: str,
    method: str,
) -> Iterable[bytes]:
    """moto's MSK clusters, with the configuration it forgets put back."""
    if not path.startswith("/api/v2/clusters"):
        return app(environ, start)
    request: dict[str, Any] = {}
    if method == "POST":
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        request = json.loads(body) if body else {}
    status: list[Any] = []

    def keep(s: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status[:] = [s, headers]
        return lambda _: None

    raw = b"".join(app(environ, keep))
    answer = json.loads(raw) if raw.strip() and str(status[0]).startswith("200") else None
    if isinstance(answer, dict):
        info = (request.get("provisioned") or {}).get("configurationInfo")
        if method == "POST" and info and answer.get("clusterArn"):
            fake.remember_cluster_config(str(answer["clusterArn"]), info)
        for cluster in answer.get("clusterInfoList") or [answer.get("clusterInfo") or {}]:
            if isinstance(cluster, dict):
                fake.fix_cluster(cluster)
        raw = json.dumps(answer).encode()
    headers = [(k, v) for k, v in status[1] if k.lower() != "content-length"]
    start(status[0], [*headers, ("Content-Length", str(len(raw)))])
    return [raw]
