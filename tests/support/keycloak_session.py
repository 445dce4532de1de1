"""The one Keycloak of a test run, with its generated realm and the JWKS URL it fetches keys from.

`session` is the body of the session fixture in tests/conftest.py: the first test that asks for
`keycloak` starts it, the end of the run stops it. ``Introspected`` lets the token-checking test
servers (git, API) ask Keycloak whether a token is good, as a real resource server would.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from .keycloak import Keycloak, run_keycloak
from .keycloak_realm import ORG_ID, Realm
from .loopback import LoopbackServer


@dataclass(frozen=True)
class KeycloakRealm:
    server: Keycloak
    realm: Realm

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def logins(self, client_id: str) -> int:
        """How many tokens Keycloak has issued to ``client_id`` (its CLIENT_LOGIN events)."""
        return len(self.server.events(client_id))

    def checker(self) -> Introspected:
        return Introspected(self)


class Introspected:
    """Stands where the test servers take a token endpoint: ``token in issued`` asks Keycloak
    (RFC 7662 introspection, as the resource-server client), ``org_id`` is the realm's."""

    def __init__(self, keycloak: KeycloakRealm) -> None:
        self.keycloak, self.org_id = keycloak, ORG_ID
        self.issued = self

    def __contains__(self, token: object) -> bool:
        if not isinstance(token, str) or not token:
            return False
        answer = self.keycloak.server.introspect(
            token, "resource-server", self.keycloak.realm.secrets["resource-server"]
        )
        return answer.get("active") is True


@contextlib.contextmanager
def session(workdir: Path) -> Iterator[KeycloakRealm]:
    realm = Realm.generate()
    with _serve_json(realm.url_jwks) as jwks:
        realm.jwks_url = f"{jwks.url}/jwks.json"
        with run_keycloak(workdir, realm.to_json()) as server:
            yield KeycloakRealm(server, realm)


def _serve_json(document: dict[str, Any]) -> LoopbackServer:
    body = json.dumps(document).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return LoopbackServer(Handler)
