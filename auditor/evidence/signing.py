"""Ed25519 signatures over a bundle's checksum file.

The signature covers ``SHA256SUMS``, which covers every other file, so one
signature vouches for the whole bundle. It is stored beside it as
``SHA256SUMS.sig`` (base64), with the signer's public key fingerprint.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE = "SHA256SUMS.sig"


class SigningError(Exception):
    """A key or signature that cannot be used (one-line message)."""


def generate_keypair(path: Path) -> tuple[Path, Path]:
    """Write a private key (mode 0600) at ``path`` and its public key at ``path.pub``."""
    pub_path = path.with_name(path.name + ".pub")
    for p in (path, pub_path):
        if p.exists():
            raise SigningError(f"{p}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private)
    pub_path.write_bytes(public)
    return path, pub_path


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"{path}: not a readable unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SigningError(f"{path}: not a readable PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path}: not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def sign(sums: bytes, key: Ed25519PrivateKey) -> bytes:
    """The signature file's content for ``SHA256SUMS`` bytes."""
    sig = base64.b64encode(key.sign(sums)).decode()
    return f"{fingerprint(key.public_key())}\n{sig}\n".encode()


def check(sums: bytes, signature_file: bytes, key: Ed25519PublicKey) -> str | None:
    """None when the signature is valid for ``key``; else why not, in one line."""
    lines = signature_file.decode("utf-8", "replace").split()
    if len(lines) != 2:
        return f"{SIGNATURE}: malformed (expected a fingerprint and a signature)"
    signer, encoded = lines
    if signer != fingerprint(key):
        return f"{SIGNATURE}: signed by {signer}, not by the given key {fingerprint(key)}"
    try:
        key.verify(base64.b64decode(encoded, validate=True), sums)
    except (InvalidSignature, ValueError):
        return f"{SIGNATURE}: signature does not match SHA256SUMS"
    return None
