"""Server text that echoes our credentials is never shown.

A server's words reach our messages (an error's ``error_description``, a ``token_type``, a
redirect's Location, a malformed answer quoted by the HTTP library), and from there stderr,
git's terminal, exception text and the ``.failed`` file that waiting processes print again.
An endpoint that echoes the request it got (a WAF's block page, a gateway's error, a hostile
server) would put there the client secret, the Basic header, the client assertion or the
token being revoked. So each such text is checked, where the answer is read, against every
credential the request carried, in every form it went out in (raw, form- and URL-encoded,
base64 in the Basic header) and read back decoded; text holding any of them, or any run of
``RUN`` characters of one (an echo cut short by our length limit), is not shown at all: a
note stands in for it. Dropping, not cutting out: what is left of an encoding around a cut
could still spell part of the secret. The text is also read folded (case, separators,
invisible characters, reversal) and with its base64, base64url and hex runs decoded. The cost
of a false alarm is a less helpful message.
"""

from __future__ import annotations

import base64
import contextlib
import json
from urllib.parse import quote, quote_plus, unquote, unquote_plus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    _Pairs = Iterable[tuple[str, str]]

NOT_SHOWN = "[not shown: it echoes the credentials we sent]"
RUN = 8  # characters of a credential that count as an echo of it
# Fields and headers of our requests that carry no credential (RFC 6749 §4.4.2, RFC 7523 §2.2,
# RFC 7009 §2.1): everything else a request carries counts as one.
_PUBLIC_FIELDS = frozenset({"grant_type", "client_id", "client_assertion_type", "token_type_hint"})
_PUBLIC_HEADERS = frozenset({"accept", "accept-encoding", "content-type"})


def sent_credentials(form: _Pairs, headers: _Pairs, *more: str) -> frozenset[str]:
    """Every credential a request's ``form`` and ``headers`` carry, plus ``more`` (the secret,
    the token), in each form it may come back in."""
    values = [v for k, v in form if k not in _PUBLIC_FIELDS]
    values += [v for k, v in headers if k.lower() not in _PUBLIC_HEADERS]
    return credential_forms(*values, *more)


def credential_forms(*values: str) -> frozenset[str]:
    """``values`` in each form they may come back in."""
    found: set[str] = set()
    for value in values:
        found.update(_forms(value))
    return frozenset(form for form in found if form.strip())


def _forms(value: str) -> set[str]:
    forms = {value, quote_plus(value, safe=""), quote(value, safe=""), json.dumps(value)[1:-1]}
    scheme, _, rest = value.partition(" ")  # "Basic <base64>": the part after the scheme
    if rest:
        forms.add(rest)
        forms.update(_basic_pair(rest))
    return forms


def _basic_pair(encoded: str) -> set[str]:
    """The secret inside a Basic credential (RFC 6749 §2.3.1: form-encoded, then base64)."""
    try:
        pair = base64.b64decode(encoded, validate=True).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, or text that is not ASCII
        return set()
    secret = pair.partition(":")[2]
    return {pair, secret, unquote_plus(secret)}


def echoes(text: str, credentials: Iterable[str]) -> bool:
    """Whether ``text`` holds any credential or a run of one: as it stands; URL- or
    HTML-decoded; with its base64, base64url or hex runs decoded; or folded (case, separators,
    invisible characters, reversal)."""
    import html

    views = {text, unquote(text), unquote_plus(text), html.unescape(text)}
    views |= {decoded for view in views for decoded in _decoded_runs(view)}
    folded = {_folded(view) for view in views}
    for credential in credentials:
        if any(_shares_run(view, credential) for view in views):
            return True
        plain = _folded(credential)
        spellings = (plain, plain[::-1]) if len(plain) > RUN else ()
        if any(_shares_run(f, c) for f in folded for c in spellings):
            return True
    return False


def _folded(text: str) -> str:
    """``text`` in lower case with everything but letters and digits gone: a credential spelt
    in other case, with spaces, dashes or invisible characters between its letters, or cut
    into pieces, folds to the same letters."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _decoded_runs(text: str) -> set[str]:
    """What each run of base64's, base64url's or hex's alphabet in ``text`` decodes to, read
    from each of its first four characters (an echo may start inside a run): an encoded
    echo of the request, which no check of the text as it stands could see."""
    import binascii
    import re

    found = set()
    for run in re.findall(r"[A-Za-z0-9+/=_-]{12,}", text[:4096]):
        for skip in range(4):
            piece = run[skip:].rstrip("=")
            for alphabet in (piece, piece.replace("-", "+").replace("_", "/")):
                with contextlib.suppress(ValueError, binascii.Error):
                    padded = alphabet + "=" * (-len(alphabet) % 4)
                    found.add(base64.b64decode(padded).decode("utf-8", "ignore"))
            if re.fullmatch(r"[0-9a-fA-F]+", piece) and len(piece) % 2 == 0:
                found.add(bytes.fromhex(piece).decode("utf-8", "ignore"))
    return found


def _shares_run(text: str, credential: str) -> bool:
    if len(credential) <= RUN:  # a short one (tests, a careless setup): as a word of its own
        import re

        return re.search(rf"(?<![^\W_]){re.escape(credential)}(?![^\W_])", text) is not None
    return any(credential[i : i + RUN] in text for i in range(len(credential) - RUN + 1))
