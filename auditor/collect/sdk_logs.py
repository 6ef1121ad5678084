"""Cloud SDK debug logs carry raw API traffic: the auditor keeps them above DEBUG.

botocore logs every request and answer body at DEBUG (AssumeRole's session
credentials, every tag value, policy text), urllib3 logs URLs, and the Azure
and Google clients log headers and bodies. Redaction cannot work on such raw
text (a tag value is secret because of its key, elements away), so every
command raises these loggers to INFO, whatever level the root logger has.
Nothing the auditor logs itself is affected.

Nor do SDK warnings reach the terminal through Python's last-resort handler:
azure-identity alone prints a twenty-line "DefaultAzureCredential failed"
block per attempt. What they say is already a recorded gap with a one-line
cause; a user who configures logging still receives them.
"""

from __future__ import annotations

import logging

SDK_LOGGERS = (
    "botocore",
    "boto3",
    "s3transfer",
    "urllib3",
    "azure",
    "msal",
    "google",
    "grpc",
    "httpx",
    "httpcore",
)


def quiet_sdk_logs() -> None:
    """No SDK logger (nor any of its children) emits DEBUG records from now on."""
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())  # no last-resort printing
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
    for name, child in list(logging.root.manager.loggerDict.items()):
        if (
            isinstance(child, logging.Logger)
            and name.startswith(tuple(f"{p}." for p in SDK_LOGGERS))
            and logging.NOTSET < child.level < logging.INFO
        ):
            child.setLevel(logging.INFO)
