"""Is every plain value read as the documented rules say, whichever shortcut the reader takes?

The reader (:mod:`graph.yamlfile`) takes the common cases (text, whole numbers, dates) without
its regular expressions; these properties compare what it reads with the rules written out in
full: only ``~``/``null``/empty are null, only ``true``/``false`` (three spellings) are booleans,
numbers are decimal, and everything else (dates included) stays text.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st

from graph.yamlfile import read_yaml_text

_NULL = {"~", "null", "Null", "NULL"}
_BOOLEAN = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_WHOLE = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _expected(text: str) -> Any:
    if text in _NULL:
        return None
    if text in _BOOLEAN:
        return _BOOLEAN[text]
    if _WHOLE.fullmatch(text):
        return int(text)
    if _DECIMAL.fullmatch(text):
        return float(text)
    return text


# Characters that make numbers, dates, nulls and booleans, and a few that make plain text.
_PIECES = st.text(alphabet="0123456789-+.eE_:xnulTtrFfasA~", min_size=1, max_size=12)


@given(_PIECES)
@example("2022-08-26")
@example("2022-08")
@example("1e-5")
@example("-1E-2")
@example("+12")
@example("-.5e-3")
@example("1-2")
@example("null")
@example("True")
def test_a_plain_value_reads_as_the_rules_say(text: str) -> None:
    doc = read_yaml_text(f"value: {text}\n", "demo.yaml")
    assume(not doc.problems)  # not every string is a valid plain scalar (": ", a lone "-" ...)
    assume(isinstance(doc.value, dict) and list(doc.value) == ["value"])
    assert doc.value["value"] == _expected(text)
    assert type(doc.value["value"]) is type(_expected(text))


@given(_PIECES)
def test_a_quoted_value_is_always_text(text: str) -> None:
    doc = read_yaml_text(f"value: '{text}'\n", "demo.yaml")
    assert doc.value == {"value": text}


@given(st.dictionaries(_PIECES, _PIECES, min_size=1, max_size=5))
def test_plain_keys_and_values_read_the_same_in_a_list_of_records(record: dict[str, str]) -> None:
    one = "\n".join(f"{key}: {value}" for key, value in record.items())
    doc = read_yaml_text("records:\n" + "\n".join(f"  {line}" if i else f"- {line}" for i, line in
                                                  enumerate(one.splitlines())) + "\n", "demo.yaml")
    alone = read_yaml_text(one + "\n", "demo.yaml")
    assume(not doc.problems and not alone.problems)
    assert doc.value == {"records": [alone.value]}
