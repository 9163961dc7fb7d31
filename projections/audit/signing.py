"""The deployment's Ed25519 key for signing audit checkpoints.

The private key lives in a file outside the event database (``instance/audit_ed25519.pem`` by
default, or ``AUDIT_SIGNING_KEY_FILE``), created on first use with owner-only permissions. Its
public key is what partners hold to check the checkpoints they are sent.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class AuditKeyError(ValueError):
    """A key file or public key cannot be read."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_text(public_key: Ed25519PublicKey) -> str:
    """The public key as base64 of its 32 raw bytes: short enough to read out or print."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key given as base64 raw bytes, or as a PEM (SubjectPublicKeyInfo) block."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
            if not isinstance(key, Ed25519PublicKey):
                raise AuditKeyError("The public key is not an Ed25519 key")
            return key
        raw = base64.b64decode(text, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except AuditKeyError:
        raise
    except Exception:
        raise AuditKeyError(
            "The public key is not a base64 Ed25519 public key or a PEM block") from None


def verify_signature(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey
    path: Path

    @functools.cached_property  # worked out once: a checkpoint is signed after every command
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @functools.cached_property
    def key_id(self) -> str:
        return key_id(self.public_key)

    @functools.cached_property
    def snapshot_key(self) -> bytes:
        """The HMAC key that signs projection snapshots (projections/timetravel.py): derived
        from this private key with HKDF-SHA256 for that one purpose, so it is as safe as the
        key itself and a snapshot tag says nothing about the checkpoint signatures."""
        raw = self.private_key.private_bytes(serialization.Encoding.Raw,
                                             serialization.PrivateFormat.Raw,
                                             serialization.NoEncryption())
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=b"sufficiency-portal projection snapshots/1").derive(raw)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        path = Path(path)
        if path.exists():
            try:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            except Exception:
                raise AuditKeyError(f"The audit signing key in {path} cannot be read") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise AuditKeyError(f"The audit signing key in {path} is not an Ed25519 key")
            return cls(key, path)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        return cls(key, path)
