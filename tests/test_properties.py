"""Properties over arbitrary input: cleaning never raises, never hangs, and reaches a fixed point."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.batch import clean_bytes
from cleaner.decode import DecodeError
from cleaner.extract import ExtractError
from cleaner.pipeline import InputTooLargeError

# Web-like text: words, boilerplate phrases, mojibake pieces, markup and odd white space mixed.
PIECES = st.sampled_from([
    "Leave a Reply", "Share this:", "Advertisement", "Home", "© Reuters", "Related:", "Read more",
    "The committee met on Tuesday to discuss the budget.", "â€™", "Ã©", "โ€”", "\u00a0", "\t", "  ",
    "\n", "\n\n", "\r\n", "<p>", "</p>", "<div>", "&amp;", "-", "•", "1.", "“", "”", "\u200b", "\ufeff",
])
WEBLIKE = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=40).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=400), WEBLIKE)
# never hang: a generous bound per example, far above the few milliseconds cleaning takes
LIMITS = settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])


@LIMITS
@given(ANY_TEXT)
def test_clean_never_raises_and_is_idempotent(text):
    once = cleaner.clean(text, format="text")
    assert isinstance(once, str)
    assert cleaner.clean(once, format="text") == once


@LIMITS
@given(ANY_TEXT)
def test_clean_auto_never_raises(text):
    try:
        assert isinstance(cleaner.clean(text), str)
    except ExtractError:
        pass  # markup with no extractable text is reported, not raised as anything else


@LIMITS
@given(ANY_TEXT)
def test_repair_is_idempotent(text):
    once = cleaner.repair(text)
    assert cleaner.repair(once) == once


@LIMITS
@given(st.binary(max_size=600))
def test_bytes_give_text_or_a_clear_error(data):
    try:
        result = clean_bytes(data, source="x")
    except (DecodeError, ExtractError, InputTooLargeError) as error:
        assert str(error).startswith("x: ") or isinstance(error, ExtractError)
    else:
        assert isinstance(result.text, str)


# A page of blocks: each block's smoothed log-odds and its words.
BLOCKS = st.lists(st.tuples(st.floats(-8.0, 8.0), st.integers(0, 300)), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(BLOCKS, st.floats(0.0, 3.0), st.floats(0.01, 3.0))
def test_a_heavier_recall_weight_never_raises_the_expected_threshold(blocks, weight, more):
    # The count of blocks kept maximises precision plus weight times recall, and recall only
    # grows with the count: a heavier weight keeps at least as many blocks.
    import numpy as np

    from cleaner.boilerplate import expected_threshold
    values = np.array([value for value, _ in blocks])
    words = np.array([float(count) for _, count in blocks])
    light = expected_threshold(values, words, weight)
    heavy = expected_threshold(values, words, weight + more)
    assert light in values and heavy in values
    assert heavy <= light
