"""VPC Flow Log files delivered to S3 as Parquet: read column by column, bounded.

AWS writes one Parquet file per five minutes, named like the plain-text files but
ending ``.log.parquet`` (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html);
its columns are the format's fields with ``_`` for ``-`` (``interface_id``,
``log_status``), typed as the "field data types" table of
https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html says (numbers
as integers, the rest as strings; an empty field is null). The footer sits at the end,
so the object is fetched whole, at most ``cap`` bytes; only the columns the aggregate
needs are decoded, batch by batch, at most :data:`ROW_CAP` rows. Each row goes through
the same strict parser as a text line (:class:`~auditor.base.flowrecords.LineFormat`,
a null written ``-`` as AWS writes it in text), so both files are judged alike. A
file that is not Parquet, or lacks or mistypes a needed column, is malformed.
"""

from __future__ import annotations

from typing import Any

from auditor.base.flowrecords import NEEDED, FlowTally, LineFormat
from auditor.extras import MissingExtra, import_extra

ROW_CAP = 5_000_000
"""Rows read per file at most; beyond, the file is cut (AWS files hold far fewer)."""
BATCH = 65_536
_INTEGERS = ("srcport", "dstport", "protocol", "packets", "bytes", "start", "end")


def available() -> bool:
    """Whether pyarrow (the ``aws`` extra) is installed."""
    try:
        import_extra("pyarrow.parquet", "aws")
    except MissingExtra:
        return False
    return True


def _columns(schema: Any, pa: Any) -> tuple[list[str], str]:
    """The needed (and srcport, when present) fields whose columns are read, or why not."""
    fields = [*NEEDED, "srcport"] if "srcport" in schema.names else list(NEEDED)
    for name in fields:
        column = name.replace("-", "_")
        if column not in schema.names:
            return [], f"no column {column!r}"
        kind = schema.field(column).type
        want = pa.types.is_integer if name in _INTEGERS else pa.types.is_string
        if not want(kind):
            return [], f"column {column!r} is {kind}"
    return fields, ""


def read_parquet(data: bytes, arn: str, tally: FlowTally) -> str:
    """Take the rows of one Parquet file into ``tally``: ``read``, ``malformed`` (not
    Parquet, or a needed column missing or mistyped) or ``cut`` (over :data:`ROW_CAP`)."""
    pa = import_extra("pyarrow", "aws")
    pq = import_extra("pyarrow.parquet", "aws")
    try:
        handle = pq.ParquetFile(pa.BufferReader(data))
        fields, why = _columns(handle.schema_arrow, pa)
        if why:
            tally.bad(f"{arn}: {why}")
            return "malformed"
        rows = LineFormat(fields=tuple(fields))
        names = [f.replace("-", "_") for f in fields]
        taken = 0
        for batch in handle.iter_batches(batch_size=BATCH, columns=names):
            if taken + batch.num_rows > ROW_CAP:
                return "cut"
            taken += batch.num_rows
            values = [batch.column(i).to_pylist() for i in range(len(names))]
            for row in zip(*values, strict=True):
                tally.add(" ".join("-" if v is None else str(v) for v in row), rows.values)
    except (pa.ArrowException, OSError, ValueError) as exc:  # not Parquet, or corrupt pages
        tally.bad(f"{arn}: not a readable Parquet file ({exc})")
        return "malformed"
    return "read"
