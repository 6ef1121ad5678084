"""Secret redaction: what the cloud tells the auditor never carries a credential further.

Every resource passes through :meth:`auditor.normalize.Builder.resource`, which
calls :func:`redact_resource` on its name, tags and attributes before the
resource exists. So nothing downstream (graph, verdicts, bundle files,
terminal output) can hold a planted secret: a matched value becomes
``[REDACTED:<kind>]``.

Two kinds of evidence mark a secret:

- **the value's shape**, anywhere in any string: AWS access key ids
  (``AKIA…``, ``ASIA…``), 40-character AWS secret access keys, PEM private
  key blocks, JWTs, bearer tokens, well-known token prefixes (GitHub, Slack),
  credentials in a URL (``scheme://user:password@host``) and assignments such
  as ``password=…``, ``token: …``, ``apikey=…``;
- **the tag's key**, for tags only: a tag whose key names a password, secret,
  token, API key, private key, credential or connection string has its whole
  value redacted, whatever it looks like.

Resource ids are never changed (the graph is keyed on them), and attribute
names are ours, so only their values are examined. Redaction is idempotent.
Pure functions, standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

MARK = "[REDACTED:{}]"


def mark(kind: str) -> str:
    """The placeholder that replaces a secret of ``kind``."""
    return MARK.format(kind)


_NOT_REDACTED = r"(?!\[REDACTED)"

_ASSIGNMENT_NAMES: tuple[tuple[str, str], ...] = (
    # (name pattern, kind) - first match wins
    (r"client[_-]?secret|secret[_-]?(?:access[_-]?)?key|secret", "secret"),
    (r"passw(?:or)?d|pwd", "password"),
    (r"api[_-]?key|apikey|x-api-key", "api-key"),
    (r"private[_-]?key", "private-key"),
    (r"access[_-]?key(?:[_-]?id)?", "access-key"),
    (r"(?:access|auth|refresh|session|bearer|id)[_-]?token|token", "token"),
    (r"credentials?", "credential"),
)
_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9])("
    + "|".join(f"(?:{p})" for p, _ in _ASSIGNMENT_NAMES)
    + r")(\s*[=:]\s*[\"']?)"
    + _NOT_REDACTED
    + r"([^\s\"'&;,]+)"
)
_ASSIGNMENT_KINDS = tuple((re.compile(f"(?i)^(?:{p})$"), kind) for p, kind in _ASSIGNMENT_NAMES)

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_URL_CREDENTIALS = re.compile(
    r"(?i)\b([a-z][a-z0-9+.-]{1,30}://[^\s:/@'\"]*:)" + _NOT_REDACTED + r"([^\s@/'\"]+)(@)"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)" + _NOT_REDACTED + r"[A-Za-z0-9._~+/-]{16,}=*")
_KNOWN_TOKENS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}"
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|glpat-[A-Za-z0-9_-]{20,})"
)
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AIPA)[A-Z0-9]{16}\b")
_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")

_SECRET_TAG_KEY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)passw(?:or)?d|pwd"), "password"),
    (re.compile(r"(?i)private[-_ ]?key"), "private-key"),
    (re.compile(r"(?i)api[-_ ]?key"), "api-key"),
    (re.compile(r"(?i)secret"), "secret"),
    (re.compile(r"(?i)token"), "token"),
    (re.compile(r"(?i)credential"), "credential"),
    (re.compile(r"(?i)conn(?:ection)?[-_ ]?str(?:ing)?"), "connection-string"),
)
"""Tag keys that name a secret: their value is redacted whatever its shape."""


def _assignment(m: re.Match[str]) -> str:
    name = m.group(1)
    kind = next((k for p, k in _ASSIGNMENT_KINDS if p.match(name)), "secret")
    return f"{name}{m.group(2)}{mark(kind)}"


def _looks_like_secret_key(m: re.Match[str]) -> str:
    """A 40-character base64 run with upper, lower and digits: an AWS secret access key."""
    s = m.group(0)
    if s.startswith("alias/"):  # a KMS alias name is a fact rules read, not a key
        return s
    mixed = (
        any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s)
    )
    return mark("aws-secret-access-key") if mixed else s


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_PRIVATE_KEY, lambda m: mark("private-key")),
    (_URL_CREDENTIALS, lambda m: f"{m.group(1)}{mark('connection-string')}{m.group(3)}"),
    (_JWT, lambda m: mark("jwt")),
    (_BEARER, lambda m: f"{m.group(1)}{mark('token')}"),
    (_KNOWN_TOKENS, lambda m: mark("token")),
    (_ASSIGNMENT, _assignment),
    (_ACCESS_KEY_ID, lambda m: mark("aws-access-key-id")),
)

_QUICK = re.compile(
    r"(?i)PRIVATE KEY|://|eyJ|bearer|gh[pousr]_|github_pat_|xox|sk_live_|glpat-"
    r"|passw|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|credential|[AK]IA|ASIA|ACCA"
    r"|[A-Za-z0-9/+]{40}"
)
"""Cheap pre-filter: a string matching none of these holds nothing to redact."""


def redact_text(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``[REDACTED:<kind>]``."""
    if not _QUICK.search(text):
        return text
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    if not text.startswith("arn:"):  # ARNs are ids: a long name in one is not a key
        text = _SECRET_KEY.sub(_looks_like_secret_key, text)
    return text


def redact_value(value: Any) -> Any:
    """A JSON value with every string (and mapping key) passed through :func:`redact_text`."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            (redact_text(k) if isinstance(k, str) else k): redact_value(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def secret_tag_kind(key: str) -> str | None:
    """The kind of secret a tag key names, or None."""
    return next((kind for pattern, kind in _SECRET_TAG_KEY if pattern.search(key)), None)


def redact_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags with secret values (by key or by shape) and secret-shaped keys redacted."""
    out: dict[str, str] = {}
    for key, value in tags.items():
        kind = secret_tag_kind(key)
        new_value = mark(kind) if kind and value and not value.startswith("[REDACTED") else value
        new_key = redact_text(key)
        n = 2
        while new_key in out:  # two keys redacted alike stay two tags
            new_key = f"{redact_text(key)}#{n}"
            n += 1
        out[new_key] = redact_text(new_value)
    return out


def redact_resource(
    name: str, tags: Mapping[str, str], attributes: Mapping[str, Any]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A resource's name, tags and attribute values with secrets redacted."""
    return (
        redact_text(name),
        redact_tags(tags),
        {k: redact_value(v) for k, v in attributes.items()},
    )


# --- raw API responses (``scan --keep-raw``) ----------------------------------

_USER_DATA_KEY = re.compile(r"(?i)^user[-_]?data$")
_ENVIRONMENT_KEY = re.compile(r"(?i)^(?:env|environment|environment[-_]?variables)$")
_REFERENCE_KEY = re.compile(
    r"(?:Arn|ARN|Arns|Id|Ids|Name|Names|Type|Types|Enabled|Status|Version|Count|Date|Time)$"
)
"""Field names that refer to a secret (``SecretArn``) or describe it; not a secret value."""
_TAG_PAIRS = (("Key", "Value"), ("TagKey", "TagValue"), ("key", "value"))
_TAG_MAPS = frozenset({"Tags", "tags", "TagSet", "TagList", "labels", "Labels"})
_NAME_KEYS = frozenset({"name", "Name"})


def _redact_all(value: Any, kind: str) -> Any:
    """Every string under ``value`` replaced by the mark of ``kind``; names kept (redacted)."""
    if isinstance(value, str):
        return mark(kind) if value else value
    if isinstance(value, Mapping):
        return {
            (redact_text(k) if isinstance(k, str) else k): (
                redact_text(v) if k in _NAME_KEYS and isinstance(v, str) else _redact_all(v, kind)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_all(v, kind) for v in value]
    return value


def _all_strings(m: Mapping[Any, Any]) -> bool:
    return all(isinstance(a, str) and isinstance(b, str) for a, b in m.items())


def redact_raw(value: Any) -> Any:
    """A raw API response (a JSON value) with secrets redacted, for ``scan --keep-raw``.

    On top of :func:`redact_value` (every string by shape): EC2 user data and
    environment variables lose every value (variable names stay); a field named
    like a password, secret, token, API key, private key or credential loses its
    string value (``SecretArn``-style references stay); tags, as lists of
    ``Key``/``Value`` pairs or as mappings, lose values whose key names a secret.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list | tuple):
        return [redact_raw(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    out: dict[Any, Any] = {}
    for k, v in value.items():
        key = redact_text(k) if isinstance(k, str) else k
        if not isinstance(k, str):
            out[key] = redact_raw(v)
        elif _USER_DATA_KEY.match(k):
            out[key] = _redact_all(v, "user-data")
        elif _ENVIRONMENT_KEY.match(k):
            out[key] = _redact_all(v, "environment")
        elif k in _TAG_MAPS and isinstance(v, Mapping) and _all_strings(v):
            out[key] = redact_tags(v)
        elif isinstance(v, str) and v and not _REFERENCE_KEY.search(k) and secret_tag_kind(k):
            out[key] = mark(secret_tag_kind(k) or "secret")
        else:
            out[key] = redact_raw(v)
    for name_key, value_key in _TAG_PAIRS:
        name, tag_value = value.get(name_key), value.get(value_key)
        if isinstance(name, str) and isinstance(tag_value, str) and tag_value:
            kind = secret_tag_kind(name)
            if kind:
                out[value_key] = mark(kind)
    return out
