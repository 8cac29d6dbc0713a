"""``api.deps.nesting_depth``: the byte-level count agrees with a walk of the value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.deps import nesting_depth


def walked_depth(value: Any) -> int:
    """Depth of arrays and objects, by recursion over the parsed value."""
    if isinstance(value, dict):
        return 1 + max((walked_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((walked_depth(item) for item in value), default=0)
    return 0


# Strings full of the characters that could fool a byte scan: brackets, quotes, escapes.
tricky_text = st.text(alphabet='[]{}"\\/\nab\u00e9\u2200', max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=300, derandomize=True)
@given(json_values, st.sampled_from(["utf-8", "utf-16", "utf-32"]), st.booleans())
def test_depth_matches_walk(value: Any, encoding: str, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode(encoding)
    assert nesting_depth(body) == walked_depth(value)


def test_known_depths() -> None:
    assert nesting_depth(b'"[[[{"') == 0
    assert nesting_depth(b'{"a": "\\\\", "b": [["\\"]"]]}') == 3
    assert nesting_depth(b"[[], [[{}]]]") == 4
    assert nesting_depth(b"  7 ") == 0


def test_more_than_256_strings_keep_the_count_of_quotes_right() -> None:
    """The running count of quotes wraps at 256 (uint8): parity, and the depth, hold."""
    value = {"k": ["a"] * 300 + ["[[[[{{"] + [[[1]]]}
    body = json.dumps(value).encode()
    assert nesting_depth(body) == walked_depth(value) == 4
