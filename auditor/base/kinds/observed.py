"""Observed-flow kinds: what flow log records say crossed, apart from what could cross.

``flow_read`` is one read of flow records (one log group, one window): what was
read, what could not be, and whether the sample cap cut it. ``observed_flow`` is
one aggregate of the records read (see :mod:`auditor.base.flowrecords`), joined
to the interface it reached by a ``network.observed`` edge.
"""

from __future__ import annotations

from auditor.base.kinds._schema import attr, define_kind

FLOW_READ = define_kind(
    "flow_read",
    "One read of flow log records over a time window (AWS: a CloudWatch Logs group, or the "
    "objects under one S3 location; GCP: a project's `vpc_flows` log in Cloud Logging; Azure: "
    "the flow log blobs of one storage account).",
    [
        attr("blob_endpoint", "string", "the storage account's blob endpoint read", "azure"),
        attr("bucket", "string", "the S3 bucket read (S3 delivery)", "aws"),
        attr(
            "held_by",
            "string",
            "the account of the scan holding the records (a log archive account's bucket or "
            "log group), read with its own credentials; absent: the flow log's own account",
            "aws",
        ),
        attr(
            "capped_interfaces",
            "array",
            "interfaces the cap cut short (S3 delivery; GCP: VMs)",
            "aws gcp azure",
        ),
        attr(
            "cut_objects",
            "array",
            "objects over the decompressed size cap (not all read)",
            "aws azure",
        ),
        attr("failed_objects", "array", "objects whose read failed (each a gap)", "aws azure"),
        attr(
            "idle_streams",
            "integer",
            "log streams idle since before the window, read a hundred to a call",
            "aws",
        ),
        attr(
            "read_with",
            "string",
            "how a log group was read with --flows-insights: `logs:StartQuery` (one Logs "
            "Insights query, uncapped) or `logs:FilterLogEvents`",
            "aws",
        ),
        attr(
            "insights_fallback",
            "string",
            "why the Logs Insights aggregate was not used (the group was read with "
            "FilterLogEvents)",
            "aws",
        ),
        attr(
            "insights_bytes_scanned",
            "integer",
            "bytes the Logs Insights query scanned (what it is billed by)",
            "aws",
        ),
        attr("read_budget", "integer", "decompressed bytes read per S3 location at most", "aws"),
        attr(
            "unread_objects",
            "array",
            "objects of the window not read: the location's read budget was spent",
            "aws",
        ),
        attr("location", "string", "the S3 key prefix of the region's flow log files", "aws"),
        attr("location_arn", "string", "the bucket's ARN (the resource of a listing gap)", "aws"),
        attr(
            "malformed_objects",
            "array",
            "objects not gzip or Parquet, or not in the flow log's format",
            "aws azure",
        ),
        attr("objects", "integer", "objects read in full", "aws azure"),
        attr(
            "objects_listed",
            "integer",
            "objects listed under the window's day prefixes",
            "aws azure",
        ),
        attr(
            "outside_window",
            "integer",
            "records in the objects read that ended outside",
            "aws azure",
        ),
        attr(
            "cap",
            "integer",
            "records read per interface (log stream; GCP: VM) at most",
            "aws gcp azure",
        ),
        attr("capped_streams", "array", "log streams (interfaces) the cap cut short", "aws"),
        attr("failed_containers", "array", "containers whose listing failed (each a gap)", "azure"),
        attr("flow_log_ids", "array", "the flow logs delivering to it", "aws azure"),
        attr("log_group", "string", "the CloudWatch Logs group read", "aws"),
        attr("log_group_arn", "string", "its ARN (the resource of a failed read's gap)", "aws"),
        attr(
            "malformed",
            "integer",
            "lines (GCP: entries) the format does not allow (not taken)",
            "aws gcp azure",
        ),
        attr(
            "malformed_examples",
            "array",
            "the first malformed lines or entries, with why",
            "aws gcp azure",
        ),
        attr("no_data", "integer", "`NODATA` lines", "aws"),
        attr(
            "other_records",
            "integer",
            "tuples of a flow log (or NSG) not delivering to this read's flow logs: not taken",
            "azure",
        ),
        attr("reason", "string", "why it was not read (status `not-read`)", "aws gcp azure"),
        attr("records", "integer", "records taken (AWS: log status `OK`)", "aws gcp azure"),
        attr("since", "string", "window start (UTC)", "aws gcp azure"),
        attr("skip_data", "integer", "`SKIPDATA` lines (records AWS lost)", "aws"),
        attr("status", "string", "`read`, `failed` or `not-read`", "aws gcp azure"),
        attr("storage_account", "string", "the storage account read", "azure"),
        attr("streams", "integer", "log streams listed", "aws"),
        attr(
            "target_ids", "array", "what the flow logs record (VNets, subnets, NICs, NSGs)", "azure"
        ),
        attr("until", "string", "window end (UTC)", "aws gcp azure"),
        attr("vpc_ids", "array", "networks whose flow logs deliver to it (when a VPC's)", "aws"),
        attr("entries", "integer", "log entries received", "gcp"),
        attr("filter", "string", "the `entries.list` filter sent (log name, window)", "gcp"),
        attr("gateway_records", "integer", "records of VPN/Interconnect gateways (no VM)", "gcp"),
        attr("log_name", "string", "the `vpc_flows` log read (the resource of its gap)", "gcp"),
        attr("network_ids", "array", "networks of the subnetworks whose flows it holds", "gcp"),
        attr("pages", "integer", "`entries.list` pages read", "gcp"),
        attr(
            "sink_id",
            "string",
            "the user log sink whose log bucket was read (the `_Default` sink may drop them)",
            "gcp",
        ),
        attr("view", "string", "the log bucket view read (`.../views/_AllLogs`)", "gcp"),
        attr(
            "firewall_rules",
            "array",
            "Firewall Rules Logging read: the firewall rules whose logging is on",
            "gcp",
        ),
        attr(
            "egress_records",
            "integer",
            "Firewall Rules Logging read: entries of egress rules (not taken)",
            "gcp",
        ),
        attr(
            "unread_sinks",
            "array",
            "sinks that may route the log where it is not read: `sink`, `destination`, `reason`",
            "gcp",
        ),
        attr(
            "subnet_logs",
            "array",
            "the flow-logged subnetworks: `subnetwork`, `network`, `sampling`, `filter`, "
            "`metadata`",
            "gcp",
        ),
    ],
)

OBSERVED_FLOW = define_kind(
    "observed_flow",
    "Flow records aggregated by interface, source, destination, port, protocol and action.",
    [
        attr(
            "action",
            "string",
            "`ACCEPT` or `REJECT` (AWS, Azure); GCP VPC Flow Logs record no REJECT: `ACCEPT` "
            "when the destination VM reported it (delivered), `SENT` when the source VM did; "
            "GCP Firewall Rules Logging: `ALLOWED` or `DENIED` by a logged ingress rule (a "
            "connection, no byte count)",
            "aws gcp azure",
        ),
        attr("bytes", "integer", "bytes in the window", "aws gcp azure"),
        attr("dst", "string", "destination address", "aws gcp azure"),
        attr("dst_port", "integer", "destination port", "aws gcp azure"),
        attr("first_seen", "string", "earliest record start (UTC)", "aws gcp azure"),
        attr("flow_read", "string", "the read it came from", "aws gcp azure"),
        attr(
            "interface_id",
            "string",
            "the interface that logged it (AWS `eni-...`; GCP: the reporting VM's id; Azure: the "
            "NIC id, or `mac:...` when no collected NIC has its MAC address)",
            "aws gcp azure",
        ),
        attr("last_seen", "string", "latest record end (UTC)", "aws gcp azure"),
        attr("packets", "integer", "packets in the window", "aws gcp azure"),
        attr("protocol", "integer", "IANA protocol number (6: TCP)", "aws gcp azure"),
        attr("records", "integer", "records aggregated", "aws gcp azure"),
        attr("src", "string", "source address", "aws gcp azure"),
        attr("instance_id", "string", "the VM that reported it", "gcp"),
        attr("network_ids", "array", "the networks it was reported in", "gcp"),
    ],
)
