"""The `Broker` realm the Keycloak tests import: service accounts registered each way Keycloak
allows, with keys made fresh for every test run.

Secret clients (Basic and form fields), key clients (an uploaded certificate, a bare public key,
an inline JWKS with RSA and EC P-256 keys, a JWKS fetched from a URL, a client with two keys), a
disabled client, and a resource-server client the token-checking test servers introspect with.
Every client's access token carries Amplify's `orgId` claim (a long) from a hardcoded-claim mapper.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

REALM = "Broker"
ORG_ID = 652605300303530  # Axway's example tenant id: a long, more than 32 bits
LIFESPAN = 60  # seconds: the realm's access-token lifespan (Amplify documents 1800)
SHORT_LIFESPAN = 10  # seconds: one client's own lifespan, to watch renewal without minutes
# A secret with every character that form and Basic encoding must survive (RFC 6749 §2.3.1).
ODD_SECRET = "a:b+c/d%e&f=g h-é-ключ-🔑"
OWN_KID = "own-kid-sa/2026-12"  # the key id own-kid-sa's JWKS gives its key

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def keycloak_kid(key: Key) -> str:
    """The id Keycloak gives an uploaded key: base64url(SHA-256(DER SubjectPublicKeyInfo))."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def pem(key: Key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def jwk(key: Key, kid: str | None = None) -> dict[str, Any]:
    """The public JWK of ``key``, for signatures (Keycloak skips keys without ``use: sig``)."""
    if isinstance(key, rsa.RSAPrivateKey):
        value = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        value["alg"] = "RS256"
    else:
        value = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        value["alg"] = "ES256"
    value["use"] = "sig"
    value["kid"] = kid or keycloak_kid(key)
    return value


def _certificate_b64(key: rsa.RSAPrivateKey, name: str) -> str:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def _public_key_b64(key: Key) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Realm:
    """The realm's clients, their secrets and private keys; ``jwks_url`` is set by the caller
    before ``to_json`` (the loopback server that serves ``url_jwks`` must be up first)."""

    secrets: dict[str, str] = field(default_factory=dict)
    keys: dict[str, Key] = field(default_factory=dict)
    url_jwks: dict[str, Any] = field(default_factory=dict)
    jwks_url: str = ""

    @classmethod
    def generate(cls) -> Realm:
        realm = cls()
        realm.secrets = {
            "secret-sa": secrets.token_urlsafe(24),
            "odd-secret-sa": ODD_SECRET,
            "short-sa": secrets.token_urlsafe(24),
            "disabled-sa": secrets.token_urlsafe(24),
            "resource-server": secrets.token_urlsafe(24),
        }
        realm.keys = {
            "cert-sa": _rsa(),
            "pubkey-sa": _rsa(),
            "jwks-rsa-sa": _rsa(),
            "jwks-ec-sa": ec.generate_private_key(ec.SECP256R1()),
            "jwks-url-sa": _rsa(),
            "two-keys-sa/1": _rsa(),
            "two-keys-sa/2": _rsa(),
            "own-kid-sa": _rsa(),
        }
        realm.url_jwks = {"keys": [jwk(realm.keys["jwks-url-sa"])]}
        return realm

    def to_json(self) -> str:
        clients = [self._secret_client(cid) for cid in self.secrets]
        clients += [self._key_client(cid, attributes) for cid, attributes in self._key_clients()]
        service_accounts = [c["clientId"] for c in clients if c["serviceAccountsEnabled"]]
        return json.dumps({
            "realm": REALM,
            "enabled": True,
            "accessTokenLifespan": LIFESPAN,
            # Keycloak's own record of each token request: the tests count CLIENT_LOGIN events.
            "eventsEnabled": True,
            "enabledEventTypes": ["CLIENT_LOGIN", "CLIENT_LOGIN_ERROR"],
            "clients": clients,
            # Listing each service-account user avoids an import crash seen in some 26.x.
            "users": [
                {"username": f"service-account-{cid}", "enabled": True,
                 "serviceAccountClientId": cid}
                for cid in service_accounts
            ],
        })  # fmt: skip

    def _key_clients(self) -> list[tuple[str, dict[str, str]]]:
        k = self.keys
        two = {"keys": [jwk(k["two-keys-sa/1"]), jwk(k["two-keys-sa/2"])]}
        return [
            ("cert-sa", {"jwt.credential.certificate": _certificate_b64(k["cert-sa"], "cert-sa")}),
            ("pubkey-sa", {"jwt.credential.public.key": _public_key_b64(k["pubkey-sa"]),
                           "jwt.credential.kid": keycloak_kid(k["pubkey-sa"])}),
            ("jwks-rsa-sa", _jwks_string({"keys": [jwk(k["jwks-rsa-sa"])]})),
            ("jwks-ec-sa", _jwks_string({"keys": [jwk(k["jwks-ec-sa"])]})),
            ("jwks-url-sa", {"use.jwks.url": "true", "jwks.url": self.jwks_url}),
            ("two-keys-sa", _jwks_string(two)),
            # Its one key has no kid, so an assertion that names its key finds none.
            ("jwks-no-kid-sa", _jwks_string({"keys": [_without_kid(jwk(k["jwks-rsa-sa"]))]})),
            # Its JWKS names its key with an id of its own, not the one Keycloak would compute.
            ("own-kid-sa", _jwks_string({"keys": [jwk(k["own-kid-sa"], OWN_KID)]})),
        ]  # fmt: skip

    def _secret_client(self, client_id: str) -> dict[str, Any]:
        client = _client(client_id, "client-secret", {})
        client["secret"] = self.secrets[client_id]
        client["enabled"] = client_id != "disabled-sa"
        if client_id == "short-sa":
            client["attributes"]["access.token.lifespan"] = str(SHORT_LIFESPAN)
        if client_id == "resource-server":  # it only introspects tokens: no tokens of its own
            client["serviceAccountsEnabled"] = False
        return client

    def _key_client(self, client_id: str, attributes: dict[str, str]) -> dict[str, Any]:
        return _client(client_id, "client-jwt", attributes)


def _without_kid(value: dict[str, Any]) -> dict[str, Any]:
    return {name: part for name, part in value.items() if name != "kid"}


def _jwks_string(jwks: dict[str, Any]) -> dict[str, str]:
    return {"use.jwks.string": "true", "jwks.string": json.dumps(jwks)}


def _client(client_id: str, authenticator: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {
        "clientId": client_id,
        "enabled": True,
        "publicClient": False,
        "serviceAccountsEnabled": True,
        "standardFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "clientAuthenticatorType": authenticator,
        "attributes": dict(attributes),
        "protocolMappers": [_org_id_mapper(), _audience_mapper()],
    }


def _audience_mapper() -> dict[str, Any]:
    """Names the resource server in ``aud``: Keycloak 26 introspects a token only for a client
    in its audience, as the test git and API servers do."""
    return {
        "name": "resource-server audience",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.client.audience": "resource-server", "access.token.claim": "true",
                   "id.token.claim": "false"},
    }  # fmt: skip


def _org_id_mapper() -> dict[str, Any]:
    return {
        "name": "orgId",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {
            "claim.name": "orgId",
            "claim.value": str(ORG_ID),
            "jsonType.label": "long",
            "access.token.claim": "true",
            "id.token.claim": "false",
            "userinfo.token.claim": "false",
        },
    }
