"""Log-destination kinds: where Azure and GCP audit and resource logs go.

Azure: Log Analytics workspaces and data collection rules (diagnostic settings are
``diagnostic_setting`` in :mod:`auditor.base.kinds.control`). GCP: Cloud Logging
sinks and log buckets, and the Data Access audit configuration of a project,
folder or organisation (``audit_config``).
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

LOG_WORKSPACE = define_kind(
    "log_workspace",
    "An Azure Log Analytics workspace (a destination of diagnostic settings and DCRs).",
    [
        attr("customer_id", "string", "the workspace (customer) id, a GUID", "azure"),
        attr(
            "public_ingestion",
            "string",
            "`publicNetworkAccessForIngestion` (`Enabled`/`Disabled`)",
            "azure",
        ),
        attr("public_query", "string", "`publicNetworkAccessForQuery`", "azure"),
        attr("retention_days", "integer", "retention in days", "azure"),
        attr("sku", "string", "pricing tier", "azure"),
    ],
)

DATA_COLLECTION_RULE = define_kind(
    "data_collection_rule",
    "An Azure Monitor data collection rule (what agents collect and where it goes).",
    [
        attr(
            "destinations",
            "array",
            "[{`type` (`logAnalytics`, `storage`, `eventHubs`, ...), `name`, `id`}]",
            "azure",
        ),
        attr("streams", "array", "the streams its data flows send", "azure"),
    ],
)

LOG_SINK = define_kind(
    "log_sink",
    "A GCP Cloud Logging sink (routes log entries of a project, folder or organisation).",
    [
        attr("destination", "string", "the sink's destination as the API writes it", "gcp"),
        attr(
            "destination_id",
            "string",
            "the destination as a Cloud Asset full name (bucket, dataset, topic, log bucket)",
            "gcp",
        ),
        attr(
            "destination_project",
            "string",
            "the project id or number the destination lives in, or null (a bucket's name "
            "does not say)",
            "gcp",
        ),
        attr(
            "destination_type",
            "string",
            "`storage`, `bigquery`, `pubsub` or `logging`",
            "gcp",
        ),
        attr("disabled", "boolean", "the sink does not route", "gcp"),
        attr("exclusions", "array", "names of its enabled exclusion filters", "gcp"),
        attr(
            "exclusion_filters",
            "array",
            "the filters of its enabled exclusions (entries they match are not routed)",
            "gcp",
        ),
        attr("filter", "string", "inclusion filter ('' routes every entry)", "gcp"),
        attr(
            "include_children",
            "boolean",
            "an organisation or folder sink that also routes its children's entries",
            "gcp",
        ),
        attr("parent", "string", "`projects/P`, `folders/F` or `organizations/O`", "gcp"),
        attr("writer_identity", "string", "the service account that writes", "gcp"),
    ],
)

LOG_BUCKET = define_kind(
    "log_bucket",
    "A GCP Cloud Logging bucket (`_Required`, `_Default` or user-defined).",
    [
        attr("bucket_name", "string", "the bucket id (`_Required`, `_Default`, ...)", "gcp"),
        attr("locked", "boolean", "the bucket's retention is locked", "gcp"),
        attr("parent", "string", "`projects/P`, `folders/F` or `organizations/O`", "gcp"),
        attr("retention_days", "integer", "retention in days", "gcp"),
    ],
)

AUDIT_CONFIG = define_kind(
    "audit_config",
    "The Data Access audit configuration of a GCP project, folder or organisation "
    "(its IAM policy's `auditConfigs`).",
    [
        attr(
            "services",
            "object",
            "service (`allServices`, `storage.googleapis.com`, ...) -> {`log_types` "
            "(`ADMIN_READ`, `DATA_READ`, `DATA_WRITE`), `exempted`: {log type -> members}}",
            "gcp",
        ),
        attr("target", "string", "the project, folder or organisation it is set on", "gcp"),
    ],
)
