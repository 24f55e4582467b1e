"""The RSA key pairs of the service provider and the development IdP.

Each pair is a PEM private key ``<name>.key`` and a self-signed certificate
``<name>.crt`` in ``SAML_KEY_DIR``. In development and tests
(``SAML_GENERATE_KEYS``) a missing pair is generated on first use; in
production the pair must be there, and its absence is a configuration error.
"""

import fcntl
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

RSA_BITS = 3072
CERT_VALIDITY = timedelta(days=3 * 365)


@dataclass(frozen=True)
class KeyPair:
    key_file: Path
    cert_file: Path

    def cert_pem(self) -> str:
        return self.cert_file.read_text()


def key_pair(name: str) -> KeyPair:
    """The key pair ``name`` (``"sp-signing"``), generated if allowed and missing."""
    directory = Path(settings.SAML_KEY_DIR)
    pair = KeyPair(directory / f"{name}.key", directory / f"{name}.crt")
    if _exists(pair):
        return pair

    if not settings.SAML_GENERATE_KEYS:
        raise ImproperlyConfigured(
            f"SAML key pair missing: {pair.key_file} and {pair.cert_file} must exist "
            "(PEM private key and certificate)."
        )

    directory.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once; only one may write the pair.
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _exists(pair):
            _generate(pair, common_name=name)
    return pair


def generated_secret(name: str) -> bytes:
    """A random 32-byte secret kept as ``<name>.secret`` (development only)."""
    directory = Path(settings.SAML_KEY_DIR)
    path = directory / f"{name}.secret"
    if not path.is_file():
        if not settings.SAML_GENERATE_KEYS:
            raise ImproperlyConfigured(f"Secret missing: {path}")
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not path.is_file():
                _write(path, secrets.token_bytes(32), mode=0o600)
    return path.read_bytes()


def _exists(pair: KeyPair) -> bool:
    return pair.key_file.is_file() and pair.cert_file.is_file()


def _generate(pair: KeyPair, common_name: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pauschale development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(pair.key_file, key_pem, mode=0o600)
    _write(pair.cert_file, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def _write(path: Path, data: bytes, mode: int) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(temporary, path)
