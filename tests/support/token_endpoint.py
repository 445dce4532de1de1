"""A local OAuth token endpoint on loopback, for tests and for trying the tool without an account.

It does what a real login service won't do on demand: count requests, fail, stall, or answer
garbage. Tokens are JWT-shaped (unsigned: nothing checks the signature) and carry ``orgId``, as
Amplify's do. Run it alone with ``python tests/support/token_endpoint.py``; it stops itself.

A client registered with a public key (a cryptography key object instead of a secret) proves
itself with an RFC 7523 client assertion, checked as Keycloak would: signature, iss = sub = the
client, aud = the issuer, exp at most 300 s ahead, and a jti never seen before. A tuple of
both registers one client that takes either, as two profiles of one service account may use.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote_plus

if __package__:
    from .loopback import LoopbackServer
else:  # run as a script, or imported with this folder on sys.path (demo, benchmark)
    from loopback import LoopbackServer

REALM_PATH = "/auth/realms/Broker"
TOKEN_PATH = REALM_PATH + "/protocol/openid-connect/token"
REVOKE_PATH = REALM_PATH + "/protocol/openid-connect/revoke"
DISCOVERY_PATH = REALM_PATH + "/.well-known/openid-configuration"
# A token URL of no Keycloak shape (a custom --token-url): its issuer cannot be read from it,
# so a client assertion names this URL as its audience (RFC 7523 §3).
PLAIN_TOKEN_PATH = "/oauth2/token"
ORG_ID = 652605300303530
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_LIFETIME = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims: dict) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(b'not-signed')}"


class Fault:
    """One scripted answer: a status, a raw body, headers, and a delay before answering.
    A callable body is called with the request's raw body and Authorization header (an
    endpoint that echoes what it got) and returns the answer's JSON object."""

    def __init__(self, status=200, body=None, headers=None, delay=0.0, close=False):
        self.status, self.body, self.headers = status, body, headers or {}
        self.delay, self.close = delay, close


class TokenEndpoint(LoopbackServer):
    """Threaded loopback server. ``faults`` are served first, in order, then real tokens."""

    def __init__(self, clients=None, org_id=ORG_ID, expires_in=1800, port=0):
        self._initial = (dict(clients or {"test-client": "test-secret"}), org_id, expires_in)
        self._lock = threading.Lock()
        self.reset()
        super().__init__(_handler_for(self), port)

    def reset(self) -> None:
        """Back to the state it started in, so that one running endpoint serves many tests."""
        clients, org_id, expires_in = self._initial
        with self._lock:
            self.clients = dict(clients)
            self.org_id, self.expires_in = org_id, expires_in
            self.faults: deque[Fault] = deque()
            self.delay = 0.0  # seconds before each real token's answer (a mint under way)
            self.arrivals = 0  # requests received, counted before the delay
            self.requests: list[dict] = []  # what each request carried, secrets included
            self.issued: list[str] = []
            self.refusals: list[str] = []  # why each client assertion was refused
            self._seen_jtis: set[str] = set()
            self.revoked: list[str] = []  # tokens revoked (RFC 7009), by authenticated clients
            self.discoveries = 0  # GETs of the discovery document
            self.hits = 0  # every request, whatever its method and path
            # GET of the discovery document: None answers 404; a dict, its JSON (None values
            # replaced by this endpoint's URLs); a Fault, as scripted.
            self.discovery: object = {"issuer": None, "token_endpoint": None,
                                      "revocation_endpoint": None}  # fmt: skip

    def discovery_answer(self) -> Fault | None:
        document = self.discovery
        if not isinstance(document, dict):
            return document  # type: ignore[return-value]
        own = {"issuer": self.issuer, "token_endpoint": self.token_url,
               "revocation_endpoint": self.revocation_url}  # fmt: skip
        return Fault(200, {k: own.get(k) if v is None else v for k, v in document.items()})

    @property
    def revocation_url(self) -> str:
        return self.base_url + REVOKE_PATH

    @property
    def base_url(self) -> str:
        return self.url

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def plain_token_url(self) -> str:
        return self.base_url + PLAIN_TOKEN_PATH

    @property
    def issuer(self) -> str:
        return self.base_url + REALM_PATH

    @property
    def token_requests(self) -> int:
        return sum(1 for request in self.requests if not request.get("revoke"))

    def revoke(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        """RFC 7009 §2: the client authenticates as for a token; 200 whatever the token."""
        with self._lock:
            self.requests.append({"form": form, "authorization": authorization, "revoke": True})
        if self._authenticated_client(form, authorization) is None:
            return 401, {"error": "invalid_client", "error_description": "Invalid client"}
        with self._lock:
            self.revoked.append(form.get("token", ""))
        return 200, {}

    def answer(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"form": form, "authorization": authorization})
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        client_id = self._authenticated_client(form, authorization)
        if client_id is None:
            return 401, {
                "error": "invalid_client",
                "error_description": "Invalid client or Invalid client credentials",
            }
        now = int(time.time())
        claims = {
            "iat": now,
            "exp": now + self.expires_in,
            "jti": str(uuid.uuid4()),
            "azp": client_id,
        }
        if self.org_id is not None:
            claims["orgId"] = self.org_id
        token = make_jwt(claims)
        with self._lock:
            self.issued.append(token)
        return 200, {
            "access_token": token,
            "expires_in": self.expires_in,
            "token_type": "bearer",
            "refresh_expires_in": 0,
            "not-before-policy": 0,
            "scope": "profile email",
        }

    def _authenticated_client(self, form: dict, authorization: str | None) -> str | None:
        if "client_assertion" in form:
            return self._asserted_client(form)
        client_id, secret = _client_credentials(form, authorization)
        # A client registered with a key (not a str) cannot log in with a secret.
        secrets = [c for c in _registered(self.clients, client_id) if isinstance(c, str)]
        return client_id if secret in secrets else None

    def _asserted_client(self, form: dict) -> str | None:
        """The client a valid client assertion proves, or None (the reason in ``refusals``)."""
        try:
            return self._check_assertion(form)
        except Exception as exc:  # noqa: BLE001 (every failure is a refusal, as on a real server)
            with self._lock:
                self.refusals.append(f"{type(exc).__name__}: {exc}")
            return None

    def _check_assertion(self, form: dict) -> str:
        import jwt  # lazily: in-process tests check which modules credhelper loads

        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise ValueError(f"client_assertion_type {form.get('client_assertion_type')!r}")
        client_id = form.get("client_id") or jwt.decode(
            form["client_assertion"], options={"verify_signature": False}
        ).get("sub")
        key = next((c for c in _registered(self.clients, client_id) if not isinstance(c, str)), None)
        if key is None:
            raise ValueError(f"client {client_id!r} has no registered public key")
        claims = jwt.decode(
            form["client_assertion"],
            key,
            algorithms=["RS256", "ES256"],
            audience=[self.issuer, self.base_url + PLAIN_TOKEN_PATH],
            issuer=client_id,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )
        if claims["sub"] != client_id:
            raise ValueError(f"sub {claims['sub']!r} is not the client")
        if claims["exp"] > time.time() + MAX_ASSERTION_LIFETIME:
            raise ValueError(f"exp more than {MAX_ASSERTION_LIFETIME} s ahead")
        with self._lock:
            if claims["jti"] in self._seen_jtis:
                raise ValueError(f"jti {claims['jti']!r} used before")
            self._seen_jtis.add(claims["jti"])
        return client_id


def _registered(clients: dict, client_id: str | None) -> tuple:
    """A client's credentials: a secret, a public key, or a tuple of both kinds."""
    found = clients.get(client_id)
    return found if isinstance(found, tuple) else () if found is None else (found,)


def _client_credentials(form: dict, authorization: str | None) -> tuple[str | None, str | None]:
    if authorization and authorization.startswith("Basic "):
        try:
            pair = base64.b64decode(authorization[6:]).decode()
        except ValueError:
            return None, None
        client_id, _, secret = pair.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return form.get("client_id"), form.get("client_secret")


def _handler_for(endpoint: TokenEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            with endpoint._lock:
                endpoint.hits += 1
                endpoint.discoveries += self.path == DISCOVERY_PATH
            fault = endpoint.discovery_answer() if self.path == DISCOVERY_PATH else None
            if fault is None:
                return self._send(404, b'{"error":"not found"}', {})
            return self._scripted(fault)

        def _scripted(self, fault: Fault, raw: str = "") -> None:
            time.sleep(fault.delay)
            if callable(fault.body):
                echoed = fault.body(raw, self.headers.get("Authorization"))
                return self._send(fault.status, json.dumps(echoed).encode(), fault.headers)
            if fault.close:
                self.close_connection = True
                self.connection.shutdown(2)
                return None
            body = (
                fault.body
                if isinstance(fault.body, bytes)
                else json.dumps(fault.body or {}).encode()
            )
            return self._send(fault.status, body, fault.headers)

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            with endpoint._lock:
                endpoint.hits += 1
            if self.path not in (TOKEN_PATH, REVOKE_PATH, PLAIN_TOKEN_PATH):
                return self._send(404, b'{"error":"not found"}', {})
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            with endpoint._lock:
                fault = endpoint.faults.popleft() if endpoint.faults else None
            if fault is not None:
                endpoint.requests.append(
                    {
                        "form": form,
                        "authorization": self.headers.get("Authorization"),
                        "fault": True,
                    }
                )
                return self._scripted(fault, raw)
            auth = self.headers.get("Authorization")
            if self.path == REVOKE_PATH:
                status, answer = endpoint.revoke(form, auth)
            else:
                with endpoint._lock:
                    endpoint.arrivals += 1
                time.sleep(endpoint.delay)
                status, answer = endpoint.answer(form, auth)
            return self._send(status, json.dumps(answer).encode(), {})

        def _send(self, status: int, body: bytes, headers: dict) -> None:
            headers = dict(headers)
            self.send_response_only(status)  # a scripted Date header replaces the true one
            self.send_header("Date", headers.pop("Date", None) or self.date_time_string())
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # quiet: tests read their own output
            pass

    return Handler


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--client-id", default="test-client")
    parser.add_argument("--lifetime", type=float, default=600, help="stop after this many seconds")
    args = parser.parse_args()
    with TokenEndpoint(clients={args.client_id: "test-secret"}, port=args.port) as endpoint:
        print(
            json.dumps({"base_url": endpoint.base_url, "token_url": endpoint.token_url}), flush=True
        )
        time.sleep(args.lifetime)


if __name__ == "__main__":
    main()
