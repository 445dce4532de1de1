"""A login service that echoes our request back (a WAF's block page, a gateway's error, a
hostile server) must not get our credentials printed: not the secret in any encoding, not the
Basic header's base64, not the client assertion, not the token being revoked. Each answer
below quotes what it received in the field a message shows; nothing of it may reach stdout,
stderr, the exception (str, repr, args, its causes) or a file under the user's folders."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote_plus

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from support.token_endpoint import Fault

from credhelper import get_token
from credhelper.errors import CredhelperError
from credhelper.profiles._validate import make_profile
from credhelper.tokens import _echo, _http
from credhelper.tokens.oauth import build_token_request

SECRET = "s3cr+t/~=x&y%z:é long-ключ-🔑"  # every character an encoding changes


def _echo_description(raw: str, authorization: str | None) -> dict:
    return {"error": "invalid_request", "error_description": f"{raw} {authorization}"}


def _echo_decoded(raw: str, authorization: str | None) -> dict:
    return {"error": unquote_plus(raw)[-60:], "error_description": f"got {authorization}"}


def _echo_token_type(raw: str, authorization: str | None) -> dict:
    return {"access_token": "abc", "token_type": f"{authorization} {raw}", "expires_in": 60}


def _echo_lifetime(raw: str, authorization: str | None) -> dict:
    return {"access_token": "abc", "token_type": "bearer", "expires_in": f"{authorization}{raw}"}


def _echo_base64_body(raw: str, authorization: str | None) -> dict:
    # an echo in an encoding no check by value sees through: base64 of the whole request body
    return {"error": "invalid_client", "error_description": "got " + base64.b64encode(raw.encode()).decode()}


ECHOES = [
    (400, _echo_description),
    (401, _echo_base64_body),
    (401, _echo_description),
    (403, _echo_description),
    (400, _echo_decoded),
    (200, _echo_token_type),
    (200, _echo_lifetime),
]


def _sent_forms(request: dict) -> set[str]:
    """What the endpoint received that is a credential, in the forms it went out in."""
    found = {SECRET, quote_plus(SECRET, safe=""), quote(SECRET, safe="")}
    authorization = request["authorization"]
    if authorization:
        found |= {authorization, authorization.split()[1]}
    for name in ("client_secret", "client_assertion", "token"):
        if name in request["form"]:
            found.add(request["form"][name])
    return found


def _exception_text(exc: BaseException | None) -> str:
    seen = []
    while exc is not None:
        seen += [str(exc), repr(exc), repr(exc.args)]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(seen)


def _files_text(home: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in home.rglob("*")
                     if p.is_file() and p.suffix != ".pem")  # fmt: skip


def _assert_nowhere(forms: set[str], *texts: str) -> None:
    for form in forms:
        for text in texts:
            assert form not in text
            assert form[:12] not in text  # nor a piece cut short by a length limit


def _log_in(run_cli, endpoint, method: str, tmp_path: Path) -> None:
    endpoint.clients["echo-client"] = SECRET
    if method == "key":
        key = ec.generate_private_key(ec.SECP256R1())
        endpoint.clients["echo-client"] = key.public_key()
        pem = tmp_path / "sa.pem"
        pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))  # fmt: skip
        argv = ["--key-file", str(pem)]
    else:
        argv = ["--secret-stdin", "--auth-method", method]
    login = ["login", "--client-id", "echo-client", "--base-url", endpoint.base_url, *argv]
    assert run_cli(*login, stdin=SECRET).code == 0


@pytest.mark.parametrize(("status", "echo"), ECHOES)
@pytest.mark.parametrize("method", ["basic", "post", "key"])
def test_an_echoed_token_request_shows_no_credential(
    run_cli, endpoint, memory_keyring, tmp_path, monkeypatch, method, status, echo
) -> None:
    monkeypatch.setattr(_http, "BACKOFF", 0.0)
    _log_in(run_cli, endpoint, method, tmp_path)
    endpoint.faults.extend([Fault(status, echo)] * 3)
    result = run_cli("token", "--refresh")
    assert result.code != 0 and result.err.startswith("amplify-credhelper: error: ")
    endpoint.faults.extend([Fault(status, echo)] * 3)
    with pytest.raises(CredhelperError) as caught:
        get_token(refresh=True)
    forms = set().union(*(_sent_forms(r) for r in endpoint.requests if r.get("fault")))
    _assert_nowhere(forms, result.out, result.err, _exception_text(caught.value),
                    _files_text(tmp_path))  # fmt: skip
    assert _echo.NOT_SHOWN in result.err


def test_the_ci_variables_profile_shows_no_echoed_credential(run_cli, endpoint, monkeypatch) -> None:
    endpoint.clients["echo-client"] = SECRET
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "echo-client")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("AMPLIFY_BASE_URL", endpoint.base_url)
    endpoint.faults.append(Fault(401, _echo_description))
    result = run_cli("token")
    assert result.code != 0 and _echo.NOT_SHOWN in result.err
    _assert_nowhere(_sent_forms(endpoint.requests[-1]), result.out, result.err)


@pytest.mark.parametrize("method", ["basic", "post", "key"])
def test_an_echoed_revocation_shows_no_credential(
    run_cli, endpoint, memory_keyring, tmp_path, method
) -> None:
    _log_in(run_cli, endpoint, method, tmp_path)
    assert run_cli("token").code == 0
    endpoint.faults.append(Fault(400, _echo_description))
    result = run_cli("logout")
    assert result.code == 0 and _echo.NOT_SHOWN in result.out, result
    revocation = endpoint.requests[-1]
    assert revocation["form"]["token"] == endpoint.issued[-1]  # the echo held the token
    _assert_nowhere(_sent_forms(revocation), result.out, result.err, _files_text(tmp_path))


def test_an_honest_description_is_still_shown(run_cli, logged_in) -> None:
    logged_in.faults.append(Fault(400, {"error": "invalid_scope", "error_description": "no"}))
    assert "HTTP 400 (invalid_scope: no)" in run_cli("token", "--refresh").err


def _echoing(where: str):
    def answer(request: httpx.Request) -> httpx.Response:
        said = request.content.decode() + " " + request.headers.get("Authorization", "")
        if where == "location":
            return httpx.Response(302, headers={"Location": "/x?" + said})
        raise httpx.RemoteProtocolError(f"illegal header line: {said!r}", request=request)

    return httpx.MockTransport(answer)


@pytest.mark.parametrize("where", ["location", "protocol error"])
@pytest.mark.parametrize("method", ["basic", "post"])
def test_what_the_http_layer_quotes_holds_no_credential(monkeypatch, where, method) -> None:
    monkeypatch.setattr(_http, "BACKOFF", 0.0)
    profile = make_profile(name="h", client_id="c", auth_method=method)
    request = build_token_request(profile, SECRET)
    with pytest.raises(CredhelperError) as caught:
        _http.send(request, timeout=1, transport=_echoing(where))
    authorization = dict(request.headers).get("Authorization")
    form = {"authorization": authorization, "form": dict(request.form)}
    _assert_nowhere(_sent_forms(form) | {json.dumps(SECRET)[1:-1]}, _exception_text(caught.value))
    assert _echo.NOT_SHOWN in str(caught.value)


@pytest.mark.parametrize(
    ("text", "echoed"),
    [
        (SECRET, True),
        (quote(SECRET, safe="").lower(), True),  # percent-escapes in either case
        ("..." + SECRET[:9], True),  # cut short by a limit
        ("Basic " + base64.b64encode(b"c:" + quote_plus(SECRET).encode()).decode(), True),
        ("invalid client credentials", False),
    ],
)
def test_echoes_finds_each_form(text: str, echoed: bool) -> None:
    request = build_token_request(make_profile(name="h", client_id="c"), SECRET)
    assert _echo.echoes(text, request.credentials()) is echoed


PLAIN = "S3cr3tValue-abcdefghijklmnop"


@pytest.mark.parametrize(
    "text",
    [
        PLAIN.upper(),
        PLAIN[::-1],
        " ".join(PLAIN),
        "\u200b".join(PLAIN),
        "".join(f"&#{ord(ch)};" for ch in PLAIN),
        "-".join(PLAIN[i : i + 7] for i in range(0, len(PLAIN), 7)),
        base64.b64encode(PLAIN.encode()).decode(),
        base64.urlsafe_b64encode(PLAIN.encode()).decode(),
        PLAIN.encode().hex(),
        "got " + base64.b64encode(b"grant_type=client_credentials&client_secret=" + PLAIN.encode()).decode(),
    ],
)
def test_echoes_sees_through_case_separators_reversal_entities_and_encodings(text: str) -> None:
    request = build_token_request(make_profile(name="h", client_id="c", auth_method="post"), PLAIN)
    assert _echo.echoes(f"bad request: {text}", request.credentials())


@pytest.mark.parametrize(
    "text",
    [
        "Invalid client or Invalid client credentials",
        "Client secret not provided in request",
        "Token is not active; see https://login.example.com/auth/realms/Broker for details",
    ],
)
def test_echoes_leaves_a_login_service_s_prose_alone(text: str) -> None:
    request = build_token_request(make_profile(name="h", client_id="c", auth_method="post"), PLAIN)
    assert not _echo.echoes(text, request.credentials())
