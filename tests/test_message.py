"""What flash() accepts as a message and a category."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from flashmw.message import check_category, coerce_text


class MyMarkup(Markup):
    pass


class MyStr(str):
    def __html__(self) -> str:
        return "<b>pretends to be safe</b>"


class Lazy:
    """Like a lazily translated string: not a str, but has __html__."""

    def __init__(self, text: object) -> None:
        self.text = text

    def __html__(self) -> str:
        return "<b>unsafe</b>"

    def __str__(self) -> str:
        return self.text  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("given", "expected", "kind"),
    [
        pytest.param("text", "text", str, id="str"),
        pytest.param(Markup("<b>x</b>"), "<b>x</b>", Markup, id="Markup"),
        pytest.param(MyMarkup("<b>x</b>"), "<b>x</b>", Markup, id="Markup subclass"),
        # A str that declares __html__ (Django's SafeString) was marked safe
        # on purpose: it stays safe, as Markup.
        pytest.param(
            MyStr("<b>x</b>"), "<b>x</b>", Markup, id="str subclass with __html__"
        ),
        pytest.param(Lazy("lazy <b>"), "lazy <b>", str, id="lazy string"),
    ],
)
def test_accepted_messages(given: object, expected: str, kind: type) -> None:
    text = coerce_text(given)
    assert text == expected and type(text) is kind


def test_a_lazy_string_whose_str_is_not_a_str_is_refused() -> None:
    with pytest.raises(TypeError):
        coerce_text(Lazy(42))


def test_categories() -> None:
    assert type(check_category(MyStr("info"))) is str
    assert check_category("info") == "info"
    with pytest.raises(TypeError, match="category"):
        check_category(None)
