"""The fake clouds' own log records go to a file, not the user's terminal.

moto runs in-process behind werkzeug and Flask: an operation moto does not
implement raises inside its app, and werkzeug logs the whole traceback ("Error on
request", logger ``werkzeug``) on stderr, adding a stderr handler of its own when
the logger has none. The auditor's client only sees the HTTP 500 and records a
gap, which stays in the bundle. While :func:`fake_logs_to` is active, those
loggers write to a file instead; the auditor's own messages are untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FAKE_LOGGERS = ("werkzeug", "moto", "flask")
"""Loggers of the fakes' servers (werkzeug; moto's Flask app logs as ``moto``)."""


@contextmanager
def fake_logs_to(path: Path) -> Iterator[Path]:
    """Send every record of :data:`FAKE_LOGGERS` to ``path`` (appended) for a block.

    Each logger's own handlers are set aside and ``propagate`` is off, so nothing
    reaches the root logger or stderr; both are restored on the way out. The file
    is created only when a record arrives.
    """
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    saved: list[tuple[logging.Logger, list[logging.Handler], bool]] = []
    for name in FAKE_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.handlers[:], logger.propagate))
        logger.handlers = [handler]
        logger.propagate = False
    try:
        yield path
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers = handlers
            logger.propagate = propagate
        handler.close()
