"""Secret redaction: what the cloud tells the auditor never carries a credential further.

Every resource passes through :meth:`auditor.normalize.Builder.resource`, which
calls :func:`redact_resource` on its name, tags and attributes before the
resource exists. So nothing downstream (graph, verdicts, bundle files,
terminal output) can hold a planted secret: a matched value becomes
``[REDACTED:<kind>]``.

Two kinds of evidence mark a secret:

- **the value's shape**, anywhere in any string: AWS access key ids
  (``AKIA…``, ``ASIA…``), 40-character AWS secret access keys, PEM private
  key blocks, JWTs, ``Authorization`` headers (Basic, Bearer, ...), well-known
  token prefixes (GitHub, GitLab, Slack, Stripe, Google, SendGrid, npm, Azure
  AD client secrets), credentials in a URL (``scheme://user:password@host``),
  assignments such as ``password=…``, ``DB_PASSWORD=…``, ``token: …``,
  ``"client_secret": "…"`` (JSON), connection strings (Azure ``AccountKey=``,
  ``SharedAccessKey=``, SAS ``sig=``, ``Password=``/``Pwd=`` in ADO.NET, ODBC
  and JDBC strings) and command-line flags (``--password X``, ``--token X``,
  ``mysql -pX``, ``sshpass -p X``; a bare ``-p X`` elsewhere is a port as often
  as a password, so it is left);
- **the tag's key**, for tags only: a tag whose key names a password
  (``db_pass``, ``masterPwd``), secret, token, API key, private key,
  credential, account key or connection string has its whole value redacted,
  whatever it looks like.

ExternalId values (``sts:ExternalId`` conditions, ``ExternalId`` fields) are
shared secrets of a trust, but rules need to know one is required: each is
replaced by a stable hash (:func:`external_id_mark`), so presence and equality
survive and the value does not.

Resource ids are never changed (the graph is keyed on them), and attribute
names are ours, so only their values are examined. Redaction is idempotent.
Pure functions, standard library only.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from typing import Any

MARK = "[REDACTED:{}]"


def mark(kind: str) -> str:
    """The placeholder that replaces a secret of ``kind``."""
    return MARK.format(kind)


_NOT_REDACTED = r"(?!\[REDACTED|\[HASHED)"
HASHED = "[HASHED:external-id:{}]"


def external_id_mark(value: str) -> str:
    """An ExternalId as a stable hash: equal ids stay equal, the value is gone.

    A value that is only wildcards (``*``) is a fact rules read, not a secret;
    an already hashed value is kept (idempotent).
    """
    if not value or value.startswith("[HASHED") or not value.strip("*?"):
        return value
    return HASHED.format(hashlib.sha256(value.encode()).hexdigest()[:16])


_ASSIGNMENT_NAMES: tuple[tuple[str, str], ...] = (
    # (name pattern, kind) - first match wins
    (r"client[_-]?secret|secret[_-]?(?:access[_-]?)?key|secret", "secret"),
    (r"passw(?:or)?d|pwd|passphrase", "password"),
    (r"shared[_-]?access[_-]?key|account[_-]?key|sig", "account-key"),
    (r"api[_-]?key|apikey|x-api-key", "api-key"),
    (r"private[_-]?key", "private-key"),
    (r"access[_-]?key(?:[_-]?id)?", "access-key"),
    (r"(?:access|auth|refresh|session|bearer|id)[_-]?token|token", "token"),
    (r"credentials?", "credential"),
)
_VALUE = r"""(?:(?<=")[^"\r\n]+|(?<=')[^'\r\n]+|[^\s"'&;,]+)"""
"""A secret's value: to the closing quote when quoted, else to a space or separator."""
_ASSIGNMENT = re.compile(
    r"(?i)(?<![A-Za-z0-9_.-])("
    r"[A-Za-z0-9_.-]*?(?:" + "|".join(f"(?:{p})" for p, _ in _ASSIGNMENT_NAMES) + r")"
    r"|(?:[A-Za-z0-9]*[_.-])?pass|auth"
    r")([\"']?\s*[=:]\s*[\"']?)" + _NOT_REDACTED + _VALUE
)
"""``name=value``, ``name: value``, ``"name": "value"``; the name may carry a prefix
(``DB_PASSWORD``, ``PGPASSWORD``, ``x-api-key``), but must end in the secret word
(``password_hint=`` and ``token_count=`` are not secrets)."""
_ASSIGNMENT_KINDS = tuple((re.compile(f"(?i)(?:{p})$"), kind) for p, kind in _ASSIGNMENT_NAMES)

_CONNECTION_STRING = re.compile(
    r"(?i)((?:^|;)\s*(password|pwd|account\s*key|shared\s*access\s*key)\s*=\s*)"
    + _NOT_REDACTED
    + r"[^;\s][^;\r\n]*"
)
"""``Password=...;`` in an ADO.NET, ODBC or Azure connection string: the value runs to ``;``."""
_FLAG = re.compile(
    r"(?i)(?<![\w-])(--?(?:[a-z0-9]+-)*(?:password|passwd|pwd|passphrase|pass|secret|token"
    r"|api-?key|secret-key|access-key|client-secret|sas)(?:=|\s+))"
    + _NOT_REDACTED
    + r"""("[^"]*"|'[^']*'|[^\s"']+)"""
)
"""``--password X``, ``--db-password=X``, ``-password X``, ``--token X`` on a command line."""
_MYSQL_P = re.compile(
    r"(?i)(\b(?:mysql(?:dump|admin|import|check|sh)?|mariadb(?:-dump)?)\b[^\n;|&]{0,200}?\s-p)"
    + _NOT_REDACTED
    + r"""("[^"]*"|'[^']*'|[^\s"']+)"""
)
"""``mysql -u app -pSECRET``: attached to ``-p`` it is the password (``-p DB`` is not)."""
_SSHPASS_P = re.compile(r"(\bsshpass\s+-p\s*)" + _NOT_REDACTED + r"""("[^"]*"|'[^']*'|[^\s"']+)""")
_AUTHORIZATION = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:basic|bearer|digest|token|negotiate|ntlm|sharedkey(?:lite)?|aws4-hmac-sha256"
    r"|sharedaccesssignature)\s+)?)" + _NOT_REDACTED + r"""([^"'\r\n]+)"""
)
_BASIC = re.compile(r"(?i)\b(basic\s+)" + _NOT_REDACTED + r"([A-Za-z0-9+/]{8,}={0,2})")
_EXTERNAL_ID_TEXT = re.compile(
    r"(?i)((?:sts:)?external[_-]?id[\"']?\s*[:=]\s*[\"']?)" + _NOT_REDACTED + f"({_VALUE})"
)
EXTERNAL_ID_KEY = re.compile(r"(?i)^(?:sts:)?external[_-]?ids?$")

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
    r"|xox[abposr]-[A-Za-z0-9-]{10,}|xapp-[A-Za-z0-9-]{10,}"
    r"|[sr]k_live_[A-Za-z0-9]{16,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|AIza[0-9A-Za-z_-]{35}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|npm_[A-Za-z0-9]{36,}"
    r"|sk-(?:proj-)?[A-Za-z0-9_-]{20,}|hooks\.slack\.com/services/[A-Za-z0-9/]{20,}"
    r"|[A-Za-z0-9_.-]{3}\dQ~[A-Za-z0-9_.~-]{31,})"
)
"""Tokens by their documented prefix: GitHub, Slack, Stripe, GitLab, Google API keys,
SendGrid, npm, OpenAI, Slack webhooks, Azure AD client secrets (``xxx8Q~...``)."""
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
    (re.compile(r"(?i)(?:account|shared[-_ ]?access)[-_ ]?key|authorization"), "account-key"),
)
"""Tag keys that name a secret: their value is redacted whatever its shape."""


def _assignment(m: re.Match[str]) -> str:
    name = m.group(1)
    kind = next((k for p, k in _ASSIGNMENT_KINDS if p.search(name)), "secret")
    if kind == "secret" and name.lower().endswith("pass"):
        kind = "password"
    return f"{name}{m.group(2)}{mark(kind)}"


def _kind_of(name: str) -> str:
    """The kind of a secret by the words before it (an assignment's name, a header's scheme)."""
    low = name.lower()
    for word, kind in (
        ("bearer", "token"),
        ("token", "token"),
        ("basic", "basic-auth"),
        ("authorization", "authorization"),
        ("key", "account-key"),
    ):
        if word in low:
            return kind
    return "password"


def _authorization(m: re.Match[str]) -> str:
    """An ``Authorization`` header's credentials (its scheme stays); idempotent."""
    if "[REDACTED" in m.group(2):
        return m.group(0)
    return f"{m.group(1)}{mark(_kind_of(m.group(1)))}"


def _basic(m: re.Match[str]) -> str:
    """``Basic <base64 of user:password>``; other words after "basic" stay."""
    try:
        decoded = base64.b64decode(m.group(2) + "==", validate=False)
    except (binascii.Error, ValueError):
        return m.group(0)
    return f"{m.group(1)}{mark('basic-auth')}" if b":" in decoded else m.group(0)


def _looks_like_secret_key(m: re.Match[str]) -> str:
    """A 40-character base64 run with upper, lower and digits: an AWS secret access key."""
    s = m.group(0)
    if s.startswith("alias/"):  # a KMS alias name is a fact rules read, not a key
        return s
    if "AWSLogs/" in s:  # a key path of AWS log delivery (``logs/AWSLogs/<account>/...``)
        return s
    mixed = (
        any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s)
    )
    return mark("aws-secret-access-key") if mixed else s


_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_PRIVATE_KEY, lambda m: mark("private-key")),
    (_AUTHORIZATION, _authorization),
    (_BASIC, _basic),
    (_CONNECTION_STRING, lambda m: f"{m.group(1)}{mark(_kind_of(m.group(2)))}"),
    (_EXTERNAL_ID_TEXT, lambda m: f"{m.group(1)}{external_id_mark(m.group(2))}"),
    (_FLAG, lambda m: f"{m.group(1)}{mark('secret')}"),
    (_MYSQL_P, lambda m: f"{m.group(1)}{mark('password')}"),
    (_SSHPASS_P, lambda m: f"{m.group(1)}{mark('password')}"),
    (_URL_CREDENTIALS, lambda m: f"{m.group(1)}{mark('connection-string')}{m.group(3)}"),
    (_JWT, lambda m: mark("jwt")),
    (_BEARER, lambda m: f"{m.group(1)}{mark('token')}"),
    (_KNOWN_TOKENS, lambda m: mark("token")),
    (_ASSIGNMENT, _assignment),
    (_ACCESS_KEY_ID, lambda m: mark("aws-access-key-id")),
)

_TRIGGERS = (
    "private key", "://", "eyj", "bearer", "authorization", "ghp_", "gho_", "ghu_", "ghs_",
    "ghr_", "github_pat_", "xox", "xapp-", "k_live_", "glpat-", "aiza", "sg.", "npm_", "sk-",
    "q~", "hooks.slack.com", "passw", "passphrase", "pwd", "secret", "token", "credential",
    "apikey", "api_key", "api-key", "accesskey", "access_key", "access-key", "accountkey",
    "account_key", "account key", "sharedaccesskey", "privatekey", "private_key",
    "private-key", "sig", "external", "mysql", "mariadb", '"auth"', "'auth'", "auth=",
    "auth:", "auth =",
)  # fmt: skip
"""Lower-case substrings one of which every secret a rule can find contains (or a shape)."""
_TRIGGER = re.compile("|".join(re.escape(t) for t in _TRIGGERS))
"""Any of :data:`_TRIGGERS` (one scan of the text instead of one per substring)."""
_AMBIGUOUS = re.compile(r"pass(?![a-z])|sas(?![a-z])|basic\s+[a-z0-9+/]{8}")
"""Words that are secrets only where no letter follows (``db_pass``, not ``PassRole``)."""
_SHAPES = re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|AIPA)|[A-Za-z0-9/+]{40}")


def _may_hold_secret(text: str) -> bool:
    """A cheap pre-filter: False when no rule could match (most strings: ids, actions)."""
    low = text.lower()
    if _TRIGGER.search(low):
        return True
    if ("pass" in low or "sas" in low or "basic" in low) and _AMBIGUOUS.search(low):
        return True
    return _SHAPES.search(text) is not None


CACHED_LENGTH = 256
"""Strings up to this long are redacted once and remembered: an inventory repeats the
same short strings (attribute names, addresses, ids) hundreds of thousands of times."""


def redact_text(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``[REDACTED:<kind>]``."""
    return _redact_short(text) if len(text) <= CACHED_LENGTH else _redact(text)


@functools.lru_cache(maxsize=1 << 16)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    if not _may_hold_secret(text):
        return text
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    if not text.startswith("arn:"):  # ARNs are ids: a long name in one is not a key
        text = _SECRET_KEY.sub(_looks_like_secret_key, text)
    return text


_SCALARS = frozenset({int, float, bool, type(None)})
"""Exact types of JSON values that hold no text."""


def redact_value(value: Any) -> Any:
    """A JSON value with every string (and mapping key) passed through :func:`redact_text`."""
    if type(value) in _SCALARS:  # nothing to redact: spares the Mapping check per number
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            (redact_text(k) if isinstance(k, str) else k): (
                _hash_ids(v) if isinstance(k, str) and EXTERNAL_ID_KEY.match(k) else redact_value(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value


def _hash_ids(value: Any) -> Any:
    """An ExternalId field's value (a string or a list of them) as stable hashes."""
    if isinstance(value, str):
        return external_id_mark(value)
    if isinstance(value, list | tuple):
        return [_hash_ids(v) for v in value]
    return redact_value(value)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SECRET_WORDS = {"pass": "password", "pw": "password", "passphrase": "password", "sas": "token"}
"""Whole words of a key that name a secret (``db_pass``, ``adminPw``), where a substring
would also match ``compass`` or ``bypass``."""


def secret_tag_kind(key: str) -> str | None:
    """The kind of secret a tag key names, or None."""
    kind = next((kind for pattern, kind in _SECRET_TAG_KEY if pattern.search(key)), None)
    if kind is None:
        words = re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", key).lower())
        kind = next((_SECRET_WORDS[w] for w in words if w in _SECRET_WORDS), None)
    return kind


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
        elif EXTERNAL_ID_KEY.match(k):
            out[key] = _hash_ids(v)
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
