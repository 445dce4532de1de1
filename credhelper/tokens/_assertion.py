"""Client assertions (RFC 7523 §2.2): short-lived JWTs signed with a service account's private key.

The one home of PyJWT and cryptography. Only a key-based profile that mints a token imports this
module, so the cache-hit path and secret-based profiles never pay for them. Messages name the
key's file, never its content: cryptography's own error texts describe the bytes they failed to
parse, so they are replaced here, not passed on.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import stat
import time
import uuid

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from .. import _files
from ..errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

    SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# RFC 7523 §3 wants a short-lived assertion. Keycloak refuses one issued more than 60 s ago
# (its token.endpoint.auth.signing.max.exp default; measured on Keycloak 26.7), so a longer
# `exp` would buy nothing; 60 s is also what Axway's own agent SDK sends.
LIFETIME = 60
MIN_RSA_BITS = 2048  # RFC 7518 §3.3: RS256 keys MUST have at least 2048 bits
MAX_KEY_FILE = 1 << 16  # a PEM key is a few kilobytes; never read a huge or endless file


def read_key_file(path: str, *, private: bool = False) -> bytes:
    """The bytes of the key file at ``path``; with ``private``, only from a regular file of
    ours that no one else can read, and never through a symlink (like the token cache)."""
    # O_NONBLOCK: a FIFO in the key's place must not hang the open; the check below refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) if private else 0
    try:
        fd = os.open(path, flags)
        try:
            _check_key_file(path, os.fstat(fd), private)
            return os.read(fd, MAX_KEY_FILE)  # one read: a regular file gives all it has
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfigError(f"cannot read the key file {path}: {_why(exc)}") from exc


def _check_key_file(path: str, info: os.stat_result, private: bool) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"cannot read the key file {path}: not a regular file")
    if private and not _files.is_private_file(info):
        raise ConfigError(
            f"refusing the key file {path}: it must be yours and readable by you alone "
            f"(chmod 600 {path}), or log in without --keep-key-file"
        )


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
        return "it is a symbolic link; name the file itself"
    return exc.strerror or type(exc).__name__


def private_pem(data: bytes, source: str, passphrase: Callable[[], str]) -> str:
    """The key in ``data`` (PEM: PKCS#1, SEC1 or PKCS#8, encrypted or not) as unencrypted
    PKCS#8 PEM, once checked to be a key we can sign with. ``passphrase`` is called only for
    an encrypted key."""
    key = _signing_key(_load(data, source, passphrase), source)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


def no_passphrase(source: str) -> Callable[[], str]:
    """The passphrase source of a key read without a person at hand: refuses encrypted keys."""

    def refuse() -> str:
        raise ConfigError(
            f"{source} is encrypted, and each token would need its passphrase: decrypt it "
            "(`openssl pkey -in KEY -out NEW`) or log in without --keep-key-file"
        )

    return refuse


def sign(
    pem: str, client_id: str, audience: str, now: float | None = None, key_id: str | None = None
) -> str:
    """A fresh client assertion for ``client_id`` (RFC 7523 §3): the client is both issuer and
    subject, the audience is the realm's issuer URL (one value: Keycloak refuses a list of
    several), and a new ``jti`` makes it single-use. ``pem`` comes from ``private_pem``, which
    validated it. The ``kid`` header names the key as Keycloak names an uploaded one, so a
    client that holds several keys (a rotation) checks the right one: without it, Keycloak
    tries only the first. ``key_id`` replaces it: "" sends none, another text that one (a
    client registered with a JWKS of its own key ids)."""
    source = f"the private key of client {client_id}"
    data = pem.encode("ascii", "replace")
    key = _signing_key(_load(data, source, no_passphrase(source), checked=True), source)
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": issued,
        "exp": issued + LIFETIME,
        "jti": str(uuid.uuid4()),
    }
    kid = computed_key_id(key) if key_id is None else key_id
    return jwt.encode(claims, key, algorithm=_algorithm(key), headers={"kid": kid} if kid else None)


def computed_key_id(key: SigningKey) -> str:
    """Keycloak's id of the public half of ``key``: base64url(SHA-256(DER SubjectPublicKeyInfo)),
    unpadded (its KeyUtils.createKeyId). Axway's agent SDK sends the same ``kid``."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def _load(
    data: bytes, source: str, passphrase: Callable[[], str], checked: bool = False
) -> PrivateKeyTypes:
    """The key in ``data``. A ``checked`` key (ours, validated when it was stored) skips
    cryptography's RSA consistency check, about 80 ms of each RSA mint."""
    if b"-----BEGIN" not in data or b"PRIVATE KEY-----" not in data:
        raise ConfigError(
            f"{source} is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)"
        )
    try:
        return serialization.load_pem_private_key(
            data, password=None, unsafe_skip_rsa_key_validation=checked
        )
    except TypeError:
        pass  # encrypted: cryptography wants the passphrase
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"{source} holds no private key that can be read") from exc
    return _decrypt(data, source, passphrase().encode())


def _decrypt(data: bytes, source: str, passphrase: bytes) -> PrivateKeyTypes:
    if not passphrase:
        raise ConfigError(f"{source} is encrypted, and no passphrase was given")
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"wrong passphrase for {source} (or a damaged key)") from exc


def _signing_key(key: PrivateKeyTypes, source: str) -> SigningKey:
    """``key`` if we can sign with it (RSA of 2048 bits or more, EC P-256), else an error that
    comes before any request."""
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= MIN_RSA_BITS:
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ConfigError(
        f"{source} holds an unsupported key ({_kind(key)}): use an RSA key of {MIN_RSA_BITS} "
        "bits or more (RS256) or an EC P-256 key (ES256)"
    )


def _algorithm(key: SigningKey) -> str:
    return "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"


def _kind(key: PrivateKeyTypes) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"{key.key_size}-bit RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.name}"
    return type(key).__name__.removesuffix("PrivateKey").lstrip("_")


# Beyond this, a refusal may well be the clock's: the Date header has one-second steps and
# the answer takes its time to come, so a few seconds apart mean nothing.
CLOCK_SKEW_NOTED = 10.0


def clock_note(date: str | None, described: str = "", now: float | None = None) -> str | None:
    """What to say of a refused assertion when the clock may be at fault; None otherwise.

    With a ``Date`` header (RFC 9110 §6.6.1) more than CLOCK_SKEW_NOTED seconds from our
    clock: by how much. Without one (Keycloak sends none of its own; a proxy in front of it
    usually adds one), when the refusal's ``described`` names the assertion's times."""
    apart = _seconds_apart(date, time.time() if now is None else now)
    if apart is None:
        if any(words in described for words in _CLOCK_REFUSALS):
            return "the assertion's times were refused: this machine's clock may be wrong; check it"
        return None
    if abs(apart) <= CLOCK_SKEW_NOTED:
        return None
    way = "ahead of" if apart > 0 else "behind"
    return (
        f"this machine's clock is {abs(apart):.0f} s {way} the login service's (its Date "
        f"header), and an assertion lives {LIFETIME} s by that clock: the clock may be wrong; "
        "synchronise it"
    )


# Keycloak's descriptions of an assertion refused for its iat or exp (JWTClientValidator).
_CLOCK_REFUSALS = ("Token is not active", "issued in the future", "issued too far in the past")


def _seconds_apart(date: str | None, now: float) -> float | None:
    from email.utils import parsedate_to_datetime

    try:
        return now - parsedate_to_datetime(date or "").timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
