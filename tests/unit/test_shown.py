"""``errors.shown``: the one rule for showing a value from outside in a message.

One line of printable ASCII, never longer than its limit, a cut marked; text quoted as
``ascii()`` quotes it, or bare for prose, which is cut between words.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credhelper.errors import shown
from credhelper.tokens.oauth import shown_json


@given(st.one_of(st.text(), st.binary(), st.integers(), st.floats()), st.integers(4, 300),
       st.booleans())  # fmt: skip
def test_anything_is_one_printable_ascii_line_within_its_limit(value, limit, quoted) -> None:
    text = shown(value, limit, quoted=quoted)
    assert text.isascii() and text.isprintable()  # no line break, no escape sequence
    assert len(text) <= limit


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", "'plain'"),
        ("a\x1b[31mred\nnext\x00line", "'a\\x1b[31mred\\nnext\\x00line'"),
        ("caf\u00e9 k\u2028l \U0001f600", "'caf\\xe9 k\\u2028l \\U0001f600'"),
        ("it's", '"it\'s"'),
        (12, "12"),
        (float("nan"), "nan"),
        (None, "None"),
        (["a", 1], "['a', 1]"),
        (10**5000, "<int>"),  # too long for str(): named, not printed
    ],
    ids=["plain", "control", "non-ascii", "quote", "int", "nan", "none", "list", "huge-int"],
)
def test_values_are_shown_as_ascii_shows_them(value: object, expected: str) -> None:
    assert shown(value) == expected


def test_a_structure_nested_too_deep_is_named() -> None:
    deep: list[object] = []
    for _ in range(100000):
        deep = [deep]
    assert shown(deep) == "<list>"


def test_prose_has_the_same_escapes_without_quotes() -> None:
    assert shown("it's \"so\"\tsaid\x7f", quoted=False) == "it's \"so\"\\tsaid\\x7f"


def test_a_cut_is_marked_and_the_limit_kept() -> None:
    assert shown("x" * 100) == "'" + "x" * 56 + "..."
    assert len(shown("x" * 100)) == 60
    assert shown("x" * 58) == "'" + "x" * 58 + "'"  # exactly 60: not cut
    assert shown("\n" * 40, 20) == "'" + "\\n" * 8 + "..."  # escapes count


def test_prose_is_cut_between_words() -> None:
    text = "see https://example.com/a/long/path for why " + "word " * 50
    assert shown(text, 40, quoted=False) == "see https://example.com/a/long/path ..."
    assert shown("x" * 50, 20, quoted=False) == "x" * 17 + "..."  # one word: cut inside


def test_only_what_can_be_shown_is_looked_at() -> None:
    # A huge value costs its first characters, not its length.
    assert shown("y" * 10**7, 10) == "'yyyyyy..."


@pytest.mark.parametrize(
    ("value", "quoted", "expected"),
    [
        (None, False, ""),
        ("invalid_client", False, "invalid_client"),
        ("bad\nline", False, "bad\\nline"),
        ([[1]], True, "'a JSON array'"),
        ({"a": 1}, False, "a JSON object"),
        (float("inf"), True, "'inf'"),
        (True, False, "True"),
    ],
)
def test_a_servers_json_value_by_the_same_rule(value: object, quoted: bool, expected: str) -> None:
    assert shown_json(value, quoted=quoted) == expected
