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
    "objects under one S3 location; GCP: a project's `vpc_flows` log in Cloud Logging).",
    [
        attr("bucket", "string", "the S3 bucket read (S3 delivery)", "aws"),
        attr(
            "capped_interfaces",
            "array",
            "interfaces the cap cut short (S3 delivery; GCP: VMs)",
            "aws gcp",
        ),
        attr(
            "cut_objects", "array", "objects over the decompressed size cap (not all read)", "aws"
        ),
        attr("failed_objects", "array", "objects whose read failed (each a gap)", "aws"),
        attr(
            "idle_streams",
            "integer",
            "log streams idle since before the window, read a hundred to a call",
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
        attr("malformed_objects", "array", "objects not gzip or not the default format", "aws"),
        attr("objects", "integer", "objects read in full", "aws"),
        attr("objects_listed", "integer", "objects listed under the window's day prefixes", "aws"),
        attr("outside_window", "integer", "records in the objects read that ended outside", "aws"),
        attr(
            "cap", "integer", "records read per interface (log stream; GCP: VM) at most", "aws gcp"
        ),
        attr("capped_streams", "array", "log streams (interfaces) the cap cut short", "aws"),
        attr("flow_log_ids", "array", "the flow logs delivering to it", "aws"),
        attr("log_group", "string", "the CloudWatch Logs group read", "aws"),
        attr("log_group_arn", "string", "its ARN (the resource of a failed read's gap)", "aws"),
        attr(
            "malformed",
            "integer",
            "lines (GCP: entries) the format does not allow (not taken)",
            "aws gcp",
        ),
        attr(
            "malformed_examples",
            "array",
            "the first malformed lines or entries, with why",
            "aws gcp",
        ),
        attr("no_data", "integer", "`NODATA` lines", "aws"),
        attr("reason", "string", "why it was not read (status `not-read`)", "aws gcp"),
        attr("records", "integer", "records taken (AWS: log status `OK`)", "aws gcp"),
        attr("since", "string", "window start (UTC)", "aws gcp"),
        attr("skip_data", "integer", "`SKIPDATA` lines (records AWS lost)", "aws"),
        attr("status", "string", "`read`, `failed` or `not-read`", "aws gcp"),
        attr("streams", "integer", "log streams listed", "aws"),
        attr("until", "string", "window end (UTC)", "aws gcp"),
        attr("vpc_ids", "array", "networks whose flow logs deliver to it (when a VPC's)", "aws"),
        attr("entries", "integer", "log entries received", "gcp"),
        attr("filter", "string", "the `entries.list` filter sent (log name, window)", "gcp"),
        attr("gateway_records", "integer", "records of VPN/Interconnect gateways (no VM)", "gcp"),
        attr("log_name", "string", "the `vpc_flows` log read (the resource of its gap)", "gcp"),
        attr("network_ids", "array", "networks of the subnetworks whose flows it holds", "gcp"),
        attr("pages", "integer", "`entries.list` pages read", "gcp"),
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
            "`ACCEPT` or `REJECT` (AWS); GCP records no REJECT: `ACCEPT` when the destination VM "
            "reported it (delivered), `SENT` when the source VM did",
            "aws gcp",
        ),
        attr("bytes", "integer", "bytes in the window", "aws gcp"),
        attr("dst", "string", "destination address", "aws gcp"),
        attr("dst_port", "integer", "destination port", "aws gcp"),
        attr("first_seen", "string", "earliest record start (UTC)", "aws gcp"),
        attr("flow_read", "string", "the read it came from", "aws gcp"),
        attr(
            "interface_id",
            "string",
            "the interface that logged it (AWS `eni-...`; GCP: the reporting VM's id)",
            "aws gcp",
        ),
        attr("last_seen", "string", "latest record end (UTC)", "aws gcp"),
        attr("packets", "integer", "packets in the window", "aws gcp"),
        attr("protocol", "integer", "IANA protocol number (6: TCP)", "aws gcp"),
        attr("records", "integer", "records aggregated", "aws gcp"),
        attr("src", "string", "source address", "aws gcp"),
        attr("instance_id", "string", "the VM that reported it", "gcp"),
        attr("network_ids", "array", "the networks it was reported in", "gcp"),
    ],
)
