"""A self-signed certificate for the loopback server (``subjectAltName=IP:127.0.0.1``).

The certificate doubles as its own CA: clients trust it the way people behind a TLS-inspecting
corporate proxy trust their proxy's root, through ``REQUESTS_CA_BUNDLE`` or ``connection_verify``.
It also names the loopback cloud's blob endpoints (``*.blob.<storage suffix>``), so the storage
emulator serves with the same certificate and one CA bundle covers ARM and storage.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: DNS suffix of the loopback cloud's storage accounts (``.test`` never resolves publicly).
STORAGE_SUFFIX = "core.loopback.test"
#: Host names the certificate covers besides 127.0.0.1: storage accounts' blob endpoints.
STORAGE_HOSTS = (f"*.blob.{STORAGE_SUFFIX}",)


@dataclass(frozen=True)
class CertificateFiles:
    """PEM files of one self-signed server certificate."""

    cert: Path
    key: Path


def make_self_signed_certificate(
    directory: Path, *, days: int = 30, dns_names: Sequence[str] = STORAGE_HOSTS
) -> CertificateFiles:
    """Write ``loopback-cert.pem`` and ``loopback-key.pem`` into ``directory``.

    The certificate is valid for 127.0.0.1, ``localhost`` and ``dns_names``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MLOps Desktop loopback ARM"),
            x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                    *(x509.DNSName(name) for name in dns_names),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    files = CertificateFiles(directory / "loopback-cert.pem", directory / "loopback-key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.key.chmod(0o600)
    return files


def write_ca_bundle(cert: Path, dest: Path) -> Path:
    """``dest`` = the public CA roots (certifi) plus ``cert``, for ``REQUESTS_CA_BUNDLE``.

    Pointing ``REQUESTS_CA_BUNDLE`` at the loopback certificate alone would make every other
    HTTPS call of that process fail; a combined bundle is what corporate-proxy setups use.
    """
    import certifi

    roots = Path(certifi.where()).read_text(encoding="ascii")
    dest.write_text(roots.rstrip() + "\n" + cert.read_text(encoding="ascii"), encoding="ascii")
    return dest
