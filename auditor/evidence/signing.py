"""Ed25519 signatures over a bundle's checksum file.

The signature covers ``SHA256SUMS``, which covers every other file, so one
signature vouches for the whole bundle. It is stored beside it as
``SHA256SUMS.sig`` (base64), with the signer's public key fingerprint.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auditor.base.ed25519 import (
    SigningError,
    check_detached,
    fingerprint,
    load_private_key,
    load_public_key,
    sign_detached,
)

__all__ = [
    "SIGNATURE",
    "SigningError",
    "check",
    "fingerprint",
    "generate_keypair",
    "load_private_key",
    "load_public_key",
    "sign",
]

SIGNATURE = "SHA256SUMS.sig"


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


def sign(sums: bytes, key: Ed25519PrivateKey) -> bytes:
    """The signature file's content for ``SHA256SUMS`` bytes."""
    return sign_detached(sums, key)


def check(sums: bytes, signature_file: bytes, key: Ed25519PublicKey) -> str | None:
    """None when the signature is valid for ``key``; else why not, in one line."""
    return check_detached(sums, signature_file, key, SIGNATURE, "SHA256SUMS")
