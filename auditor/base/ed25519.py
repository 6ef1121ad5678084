"""Ed25519 keys, fingerprints and detached signatures: one trust rule for every reader.

Bundles (``SHA256SUMS.sig``) and recorded drills (``<drill>.json.sig``) are signed
the same way: a file of two words, the signer's fingerprint and the base64
signature of the signed bytes. The trusted keys are ``--public-key`` or, without
it, the PEM files named by :data:`TRUST_ENV`. Kept low in the layers so that the
drill reader (normalize) and the bundle reader (evidence) share it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

TRUST_ENV = "AUDITOR_TRUSTED_KEYS"
"""Public key files (PEM), separated by ``os.pathsep``: the trust store when no
``--public-key`` is given."""


class SigningError(Exception):
    """A key or signature that cannot be used (one-line message)."""


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SigningError(f"{path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"{path}: not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 private key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def sign_detached(message: bytes, key: Ed25519PrivateKey) -> bytes:
    """The signature file's content for ``message``: fingerprint, then base64 signature."""
    sig = base64.b64encode(key.sign(message)).decode()
    return f"{fingerprint(key.public_key())}\n{sig}\n".encode()


def signer_of(signature_file: bytes) -> str:
    """The fingerprint a signature file names (empty when it names none)."""
    words = signature_file.decode("utf-8", "replace").split()
    return words[0] if words else ""


def check_detached(
    message: bytes, signature_file: bytes, key: Ed25519PublicKey, name: str, subject: str = ""
) -> str | None:
    """None when ``signature_file`` (called ``name``) is ``key``'s signature of ``message``
    (called ``subject`` in the error); else why not, in one line."""
    words = signature_file.decode("utf-8", "replace").split()
    if len(words) != 2:
        return f"{name}: malformed (expected a fingerprint and a signature)"
    signer, encoded = words
    if signer != fingerprint(key):
        return f"{name}: signed by {signer}, not by the given key {fingerprint(key)}"
    try:
        key.verify(base64.b64decode(encoded, validate=True), message)
    except (InvalidSignature, ValueError):
        return f"{name}: signature does not match" + (f" {subject}" if subject else "")
    return None


def verify_with_any(
    message: bytes,
    signature_file: bytes,
    keys: Sequence[Ed25519PublicKey],
    name: str,
    subject: str = "",
) -> tuple[str | None, str]:
    """(why not, signer): checked against the trusted key the file names.

    With one key, that key is tried whatever the file names (its error says who
    signed); with several, the file must name one of them.
    """
    signer = signer_of(signature_file)
    matching = [k for k in keys if fingerprint(k) == signer]
    if matching or len(keys) == 1:
        key = (matching or list(keys))[0]
        return check_detached(message, signature_file, key, name, subject), signer
    return f"{name}: signed by {signer[:80]!r}, not by any of the {len(keys)} trusted keys", signer


def trusted_keys(
    public_key: Path | None, env: Mapping[str, str] | None = None
) -> list[Ed25519PublicKey]:
    """The trusted keys: ``--public-key``, else the :data:`TRUST_ENV` store.

    A key file that cannot be read is a SigningError (an input error).
    """
    if public_key is not None:
        return [load_public_key(public_key)]
    store = (os.environ if env is None else env).get(TRUST_ENV, "")
    return [load_public_key(Path(p)) for p in store.split(os.pathsep) if p.strip()]
