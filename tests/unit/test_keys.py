"""Private-key service accounts (RFC 7523 client assertions) against the local token endpoint,
which checks each assertion's signature and claims. Keys are made here, with cryptography."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from support.token_endpoint import TokenEndpoint

from credhelper.cli import dispatch as cli
from credhelper.profiles import config
from credhelper.profiles._validate import make_profile
from credhelper.tokens import oauth

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
PKCS1 = serialization.PrivateFormat.TraditionalOpenSSL  # "RSA PRIVATE KEY" / "EC PRIVATE KEY"
PKCS8 = serialization.PrivateFormat.PKCS8


def _pem(key, fmt=PKCS8, passphrase: bytes | None = None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


def _key_body(key) -> str:
    """A line from the middle of the key's PEM: if it shows up anywhere, key material leaked."""
    return _pem(key).decode().splitlines()[2]


@pytest.fixture
def write_key(tmp_path: Path):
    def write(key_or_bytes, fmt=PKCS8, passphrase: bytes | None = None, mode=0o600) -> str:
        data = (
            key_or_bytes if isinstance(key_or_bytes, bytes) else _pem(key_or_bytes, fmt, passphrase)
        )
        path = tmp_path / f"key-{len(list(tmp_path.glob('key-*')))}.pem"
        path.write_bytes(data)
        path.chmod(mode)
        return str(path)

    return write


@pytest.fixture
def endpoint(endpoint: TokenEndpoint) -> TokenEndpoint:
    """The loopback endpoint, with two more clients, registered by public key."""
    endpoint.clients.update({"rsa-sa": RSA_KEY.public_key(), "ec-sa": EC_KEY.public_key()})
    return endpoint


@pytest.fixture
def login(run_cli, endpoint, memory_keyring):
    def run(client_id: str, key_file: str, *options: str, stdin: str = ""):
        return run_cli(
            "login",
            "--client-id",
            client_id,
            "--base-url",
            endpoint.base_url,
            "--key-file",
            key_file,
            *options,
            stdin=stdin,
        )

    return run


def _assertion_of(request: dict, key) -> tuple[dict, dict]:
    """The header and the verified claims of the client assertion a request carried."""
    assertion = request["form"]["client_assertion"]
    claims = jwt.decode(
        assertion, key.public_key(), algorithms=["RS256", "ES256"], options={"verify_aud": False}
    )
    return jwt.get_unverified_header(assertion), claims


def _keycloak_kid(key) -> str:
    """Keycloak's name for an uploaded key, computed here independently of the client."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return base64.urlsafe_b64encode(digest.finalize()).decode().rstrip("=")


# -- logging in with a key, and the assertions it sends --------------------------------------


@pytest.mark.parametrize(
    ("client_id", "key", "fmt", "alg"),
    [
        ("rsa-sa", RSA_KEY, PKCS1, "RS256"),
        ("rsa-sa", RSA_KEY, PKCS8, "RS256"),
        ("ec-sa", EC_KEY, PKCS1, "ES256"),
        ("ec-sa", EC_KEY, PKCS8, "ES256"),
    ],
    ids=["rsa-pkcs1", "rsa-pkcs8", "ec-sec1", "ec-pkcs8"],
)
def test_login_with_a_key_then_each_mint_signs_a_fresh_assertion(
    run_cli, login, endpoint, memory_keyring, write_key, client_id, key, fmt, alg
) -> None:
    path = write_key(key, fmt)
    result = login(client_id, path)
    assert result.code == 0, (result, endpoint.refusals)
    assert result.out.startswith(f"Logged in: profile 'default', client {client_id}, org ")
    os.remove(path)  # the keyring holds the key now: the file is no longer needed
    assert run_cli("token", "--refresh").code == 0
    assert run_cli("token").out == endpoint.issued[1] + "\n"  # cached: no third request
    assert [r["form"].keys() for r in endpoint.requests] == [
        {"grant_type", "client_id", "client_assertion_type", "client_assertion"}
    ] * 2
    assertions = [_assertion_of(r, key) for r in endpoint.requests]
    for request, (header, claims) in zip(endpoint.requests, assertions):
        assert request["authorization"] is None  # no Basic header next to an assertion
        assert request["form"]["client_assertion_type"] == ASSERTION_TYPE
        assert header["alg"] == alg
        assert header["kid"] == _keycloak_kid(key)
        assert claims["iss"] == claims["sub"] == client_id
        assert claims["aud"] == endpoint.issuer
        assert 60 <= claims["exp"] - claims["iat"] <= 300
        assert abs(claims["iat"] - time.time()) < 10
    assert assertions[0][1]["jti"] != assertions[1][1]["jti"]


def test_the_keyring_holds_the_key_decrypted_as_pkcs8(
    run_cli, login, memory_keyring, write_key
) -> None:
    path = write_key(RSA_KEY, PKCS1, passphrase=b"open sesame")
    result = login("rsa-sa", path, "--key-passphrase-stdin", stdin="open sesame\n")
    assert result.code == 0, result
    [stored] = memory_keyring.entries.values()
    assert stored == _pem(RSA_KEY).decode()
    assert stored.startswith("-----BEGIN PRIVATE KEY-----\n")
    assert config.load_all()["default"].auth_method == "key"
    assert run_cli("logout").out == (
        "Logged out: profile 'default' removed with its private key and cached token; "
        "token revoked.\n"
    )
    assert memory_keyring.entries == {}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_an_encrypted_key_asks_for_its_passphrase_on_a_terminal(
    endpoint, memory_keyring, write_key, monkeypatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "pw")
    path = write_key(EC_KEY, PKCS8, passphrase=b"pw")
    argv = ["login", "--client-id", "ec-sa", "--base-url", endpoint.base_url, "--key-file", path]
    assert cli.run(argv, _Terminal(), io.StringIO(), io.StringIO()) == 0
    assert asked == [f"Passphrase for {path} (input hidden): "]


def test_a_key_the_server_does_not_know_exits_2_and_saves_nothing(
    login, endpoint, memory_keyring, write_key
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    result = login("rsa-sa", write_key(stranger))
    assert result.code == 2
    assert result.err == (
        "amplify-credhelper: error: the login service refused the client credentials (HTTP 401, "
        "invalid_client: Invalid client or Invalid client credentials): check the client id and "
        "the private key (is its public key registered for this client?), then run "
        "`amplify-credhelper login` again\n"
    )
    assert endpoint.refusals == ["InvalidSignatureError: Signature verification failed"]
    assert config.load_all() == {} and memory_keyring.entries == {}


# -- one clear line for each problem with the key ------------------------------------------


@pytest.mark.parametrize(
    ("make", "options", "stdin", "message"),
    [
        (
            lambda w, d: str(d / "missing.pem"),
            (),
            "",
            "cannot read the key file {path}: No such file or directory",
        ),
        (lambda w, d: str(d), (), "", "cannot read the key file {path}: not a regular file"),
        (
            lambda w, d: w(b"client-secret-by-mistake\n"),
            (),
            "",
            "the key file {path} is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)",
        ),
        (
            lambda w, d: w(
                RSA_KEY.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            ),
            (),
            "",
            "the key file {path} is not a PEM private key (no '-----BEGIN ... PRIVATE KEY-----' line)",
        ),
        (
            lambda w, d: w(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
            (),
            "",
            "the key file {path} holds no private key that can be read",
        ),
        (
            lambda w, d: w(RSA_KEY, passphrase=b"right"),
            ("--key-passphrase-stdin",),
            "wrong\n",
            "wrong passphrase for the key file {path} (or a damaged key)",
        ),
        (
            lambda w, d: w(RSA_KEY, passphrase=b"right"),
            ("--key-passphrase-stdin",),
            "\n",
            "the key file {path} is encrypted, and no passphrase was given",
        ),
        (
            lambda w, d: w(RSA_KEY, passphrase=b"right"),
            (),
            "",
            "the key file {path} is encrypted: pipe its passphrase with --key-passphrase-stdin",
        ),
        (
            lambda w, d: w(rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505
            (),
            "",
            "the key file {path} holds an unsupported key (1024-bit RSA): use an RSA key of 2048 "
            "bits or more (RS256) or an EC P-256 key (ES256)",
        ),
        (
            lambda w, d: w(ec.generate_private_key(ec.SECP384R1())),
            (),
            "",
            "the key file {path} holds an unsupported key (EC secp384r1): use an RSA key",
        ),
        (
            lambda w, d: w(ed25519.Ed25519PrivateKey.generate()),
            (),
            "",
            "the key file {path} holds an unsupported key (Ed25519): use an RSA key",
        ),
    ],
    ids=[
        "missing",
        "folder",
        "not-pem",
        "public-key",
        "damaged",
        "wrong-passphrase",
        "empty-passphrase",
        "no-passphrase",
        "rsa-1024",
        "ec-p384",
        "ed25519",
    ],
)
def test_key_problems_exit_1_with_one_line_before_any_request(
    login, endpoint, memory_keyring, write_key, tmp_path, make, options, stdin, message
) -> None:
    path = make(write_key, tmp_path)
    result = login("rsa-sa", path, *options, stdin=stdin)
    assert result.code == 1
    assert result.err.startswith("amplify-credhelper: error: " + message.format(path=path))
    assert result.err.count("\n") == 1 and result.out == ""
    assert _key_body(RSA_KEY) not in result.err
    assert endpoint.token_requests == 0 and config.load_all() == {}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--key-file", "k.pem", "--secret-stdin"], "not allowed with argument --key-file"),
        (["--key-file", "k.pem", "--auth-method", "post"], "--auth-method is for secrets"),
        (
            ["--keep-key-file", "--secret-stdin"],
            "--keep-key-file, --key-passphrase-stdin and --key-id go with --key-file",
        ),
        (
            ["--key-id", "k1", "--secret-stdin"],
            "--keep-key-file, --key-passphrase-stdin and --key-id go with --key-file",
        ),
        (["--auth-method", "key", "--secret-stdin"], "invalid choice: 'key'"),
    ],
)
def test_key_options_that_do_not_fit_together(run_cli, argv, message) -> None:
    result = run_cli("login", "--client-id", "c", *argv, stdin="s")
    assert result.code == 1 and message in result.err, result


def test_relogin_of_a_key_profile_needs_the_key_or_a_new_method(run_cli, login, write_key) -> None:
    assert login("rsa-sa", write_key(RSA_KEY)).code == 0
    result = run_cli("login", "--secret-stdin", stdin="test-secret")
    assert (result.code, result.err) == (
        1,
        "amplify-credhelper: error: profile 'default' uses a private key: log in with "
        "--key-file PATH (or give --auth-method basic or post to use a secret from now on)\n",
    )
    switched = run_cli(
        "login",
        "--client-id",
        "test-client",
        "--auth-method",
        "post",
        "--secret-stdin",
        stdin="test-secret",
    )
    assert switched.code == 0, switched
    assert config.load_all()["default"].auth_method == "post"


def test_environment_credentials_cannot_claim_to_be_a_key(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("AMPLIFY_CLIENT_ID", "rsa-sa")
    monkeypatch.setenv("AMPLIFY_CLIENT_SECRET", "s")
    monkeypatch.setenv("AMPLIFY_AUTH_METHOD", "key")
    result = run_cli("token")
    assert result.code == 1 and "AMPLIFY_AUTH_METHOD=key" in result.err


# -- where the keyring cannot hold the key: keeping the key file -----------------------------


class _WindowsLikeKeyring:
    """Windows Credential Manager's limit: 2560 bytes of UTF-16 per value (FACTS.md 5)."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def __call__(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > 2560:
            raise OSError(1783, "The stub received bad data")
        self.backend.entries[(service, username)] = password


def test_a_keyring_too_small_for_the_key_offers_keeping_the_file(
    login, endpoint, memory_keyring, write_key, monkeypatch
) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", _WindowsLikeKeyring(memory_keyring))
    result = login("rsa-sa", write_key(RSA_KEY))
    assert (result.code, result.err) == (
        4,
        "amplify-credhelper: error: the keyring cannot hold the private key (OSError; Windows "
        "Credential Manager keeps at most 2560 bytes, too few for an RSA key): log in again with "
        "--keep-key-file to read the key from its file at each token, the file readable by you "
        "alone\n",
    )
    assert config.load_all() == {} and memory_keyring.entries == {}
    assert login("ec-sa", write_key(EC_KEY)).code == 0  # an EC key fits


def test_a_keyring_that_drops_the_key_offers_keeping_the_file(
    login, memory_keyring, write_key, monkeypatch
) -> None:
    monkeypatch.setattr(memory_keyring, "set_password", lambda *args: None)
    result = login("ec-sa", write_key(EC_KEY))
    assert result.code == 4
    assert "cannot hold the private key (it did not keep it;" in result.err
    assert "--keep-key-file" in result.err


def test_a_kept_key_file_is_read_at_each_mint_and_never_enters_the_keyring(
    run_cli, login, endpoint, memory_keyring, write_key
) -> None:
    path = write_key(RSA_KEY, PKCS1)
    memory_keyring.set_password(
        "amplify-credhelper:" + endpoint.token_url, "rsa-sa", "an earlier login's key"
    )
    assert login("rsa-sa", path, "--keep-key-file").code == 0
    assert memory_keyring.entries == {}  # the earlier copy is gone, and nothing new is there
    assert config.load_all()["default"].key_file == path
    assert run_cli("token", "--refresh").code == 0
    assert endpoint.token_requests == 2
    os.chmod(path, 0o640)
    result = run_cli("token", "--refresh")
    assert (result.code, result.err) == (
        1,
        f"amplify-credhelper: error: refusing the key file {path}: it must be yours and readable "
        f"by you alone (chmod 600 {path}), or log in without --keep-key-file\n",
    )
    # The key file cannot sign the revocation either: logout says so, and goes on.
    assert run_cli("logout").out.startswith(
        f"Logged out: profile 'default' removed with its cached token (its key file {path} is "
        f"yours to delete); revocation failed (refusing the key file {path}: it must be yours"
    )
    assert os.path.exists(path)


def test_a_kept_key_file_must_be_private_unencrypted_and_no_symlink(
    login, endpoint, write_key, tmp_path
) -> None:
    readable = write_key(EC_KEY, mode=0o644)
    assert "readable by you alone (chmod 600" in login("ec-sa", readable, "--keep-key-file").err
    encrypted = write_key(EC_KEY, passphrase=b"pw")
    result = login("ec-sa", encrypted, "--keep-key-file", "--key-passphrase-stdin", stdin="pw")
    assert result.err == (
        f"amplify-credhelper: error: the key file {encrypted} is encrypted, and each token would "
        "need its passphrase: decrypt it (`openssl pkey -in KEY -out NEW`) or log in without "
        "--keep-key-file\n"
    )
    link = tmp_path / "link.pem"
    link.symlink_to(write_key(EC_KEY))
    assert login("ec-sa", str(link), "--keep-key-file").err == (
        f"amplify-credhelper: error: cannot read the key file {link}: it is a symbolic link; "
        "name the file itself\n"
    )
    assert endpoint.token_requests == 0


# -- status, and no key material anywhere ----------------------------------------------------


def test_status_shows_which_profiles_use_a_key(
    run_cli, endpoint, memory_keyring, write_key
) -> None:
    def login_as(profile: str, client_id: str, *options: str, stdin: str = "") -> None:
        result = run_cli(
            "login",
            "--profile",
            profile,
            "--client-id",
            client_id,
            "--base-url",
            endpoint.base_url,
            *options,
            stdin=stdin,
        )
        assert result.code == 0, result

    kept = write_key(EC_KEY)
    login_as("a-secret", "test-client", "--secret-stdin", stdin="test-secret")
    login_as("b-key", "rsa-sa", "--key-file", write_key(RSA_KEY), "-v")
    login_as("c-kept", "ec-sa", "--key-file", kept, "--keep-key-file")
    text = run_cli("status").out
    rows = json.loads(run_cli("status", "--json").out)
    assert [line.split(", token")[0] for line in text.splitlines()] == [
        f"a-secret: client test-client, {endpoint.token_url} (basic)",
        f"b-key: client rsa-sa, {endpoint.token_url} (private key)",
        f"c-kept: client ec-sa, {endpoint.token_url} (private key file {kept})",
    ]
    assert [(r["authMethod"], r["usesKey"], r["keyFile"]) for r in rows] == [
        ("basic", False, None),
        ("key", True, None),
        ("key", True, kept),
    ]
    stored = Path(config.path()).read_text()
    everything = text + json.dumps(rows) + stored
    for key in (RSA_KEY, EC_KEY):
        assert _key_body(key) not in everything


def test_verbose_login_and_token_never_show_the_key(run_cli, login, write_key) -> None:
    result = login("rsa-sa", write_key(RSA_KEY), "--verbose")
    refresh = run_cli("token", "--refresh", "-v")
    assert "POST" in result.err and "POST" in refresh.err
    for line in _pem(RSA_KEY).decode().splitlines()[1:-1]:
        assert line not in result.out + result.err + refresh.err


# -- the request itself, and the endpoint's checks of the claims -----------------------------


def test_the_key_request_is_pure_and_hides_its_assertion() -> None:
    profile = make_profile(
        name="k", client_id="rsa-sa", auth_method="key", base_url="https://x.example"
    )
    request = oauth.build_token_request(profile, _pem(RSA_KEY).decode(), now=1000)
    form = dict(request.form)
    claims = jwt.decode(
        form["client_assertion"],
        RSA_KEY.public_key(),
        algorithms=["RS256"],
        audience="https://x.example/auth/realms/Broker",
        options={"verify_exp": False},
    )
    assert (claims["iat"], claims["exp"]) == (1000, 1060)  # Keycloak's 60 s window
    assert (form["client_id"], form["client_assertion_type"]) == ("rsa-sa", ASSERTION_TYPE)
    assert dict(request.headers) == {"Accept": "application/json"}
    assert form["client_assertion"] not in repr(request)
    again = oauth.build_token_request(profile, _pem(RSA_KEY).decode(), now=1000)
    assert (
        jwt.decode(dict(again.form)["client_assertion"], options={"verify_signature": False})["jti"]
        != claims["jti"]
    )


def test_the_endpoint_refuses_a_replayed_or_misaddressed_assertion(
    login, endpoint, write_key
) -> None:
    assert login("rsa-sa", write_key(RSA_KEY)).code == 0
    replay = httpx.post(endpoint.token_url, data=endpoint.requests[0]["form"])
    assert replay.status_code == 401
    now = int(time.time())
    claims = {"iss": "rsa-sa", "sub": "rsa-sa", "iat": now, "exp": now + 60, "jti": "j1"}
    for aud, exp in ((endpoint.token_url, now + 60), (endpoint.issuer, now + 3600)):
        assertion = jwt.encode({**claims, "aud": aud, "exp": exp}, RSA_KEY, algorithm="RS256")
        form = {
            "grant_type": "client_credentials",
            "client_id": "rsa-sa",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        }
        assert httpx.post(endpoint.token_url, data=form).status_code == 401
    assert [r.split(":")[0] for r in endpoint.refusals] == [
        "ValueError",
        "InvalidAudienceError",
        "ValueError",
    ]
    assert "used before" in endpoint.refusals[0] and "300 s" in endpoint.refusals[2]


# -- what each path imports ------------------------------------------------------------------

_WATCHED = ("credhelper.tokens._assertion", "jwt", "cryptography", "keyring", "httpx")


def _python(code: str, env: dict[str, str], stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _loaded_after(call: str, env: dict[str, str]) -> list[str]:
    """Which watched modules a fresh interpreter holds after ``call``."""
    probe = f"import sys, json, credhelper\n{call}\n"
    probe += f"print(json.dumps(sorted(m for m in {_WATCHED!r} if m in sys.modules)))"
    return json.loads(_python(probe, env))


def test_only_a_key_mint_imports_the_signer(
    run_cli, endpoint, subprocess_env, write_key, monkeypatch
) -> None:
    import keyring
    from support.fake_keyring import FileKeyring

    # Log in here, into the file keyring the fresh interpreters below read.
    monkeypatch.setenv("AMPLIFY_TEST_KEYRING_FILE", subprocess_env["AMPLIFY_TEST_KEYRING_FILE"])
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        logins = {
            "k": ["--client-id", "rsa-sa", "--key-file", write_key(RSA_KEY)],
            "s": ["--client-id", "test-client", "--secret-stdin"],
        }
        for name, options in logins.items():
            argv = ["login", "--profile", name, "--base-url", endpoint.base_url, *options]
            assert run_cli(*argv, stdin="test-secret").code == 0
    finally:
        keyring.set_keyring(previous)
    assert _loaded_after("credhelper.get_token('k')", subprocess_env) == []  # a cache hit
    assert _loaded_after("credhelper.get_token('s', refresh=True)", subprocess_env) == [
        "httpx",
        "keyring",
    ]
    assert _loaded_after("credhelper.get_token('k', refresh=True)", subprocess_env) == [
        "credhelper.tokens._assertion",
        "cryptography",
        "httpx",
        "jwt",
        "keyring",
    ]
