"""Test helpers: what did a response flash, for any framework's test client.

.. code-block:: python

    from flashmw.testing import FlashReader, assert_flashed

    reader = FlashReader(secret_key=KEY)          # the app's key and options
    response = client.post("/save")               # any framework's client
    assert reader.stored(response) == [("success", "Saved.")]
    assert_flashed(response, [("success", "Saved.")], reader=reader)

A response's ``Set-Cookie`` is read from whatever object the client returns:
werkzeug's and Flask's, Django's test ``Client``, Starlette's and httpx's,
WebTest's and ``requests``' responses, or a plain list of header pairs.

For unit tests of a view that runs without the middleware (Django's
``RequestFactory``, Pyramid's ``DummyRequest``, Flask's
``test_request_context``), :func:`install_flashes` puts a ready per-request
object where the view looks for it.

With pytest, the ``flashmw`` plugin (registered through the ``pytest11`` entry
point) offers the fixtures :func:`flash_reader` and :func:`flashes`.

This module imports no framework: every response type is recognised by the
methods it has.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from .api import ENVIRON_KEY
from .core import FlashCore
from .flashes import Flashes, Settings
from .message import Message

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from .core import FlashOptions

#: ``(category, message)`` as flashed.
Pair = tuple[str, str]


def set_cookie_headers(response: Any) -> list[str]:
    """Every ``Set-Cookie`` field value of *response*, in order.

    *response* is a test client's response (werkzeug/Flask, Django,
    Starlette/httpx, WebTest, ``requests``) or a sequence of
    ``(name, value)`` header pairs.

    :raises TypeError: the object is none of these.
    """
    headers = getattr(response, "headers", None)
    for method in ("getlist", "get_list", "getall"):
        # werkzeug's Headers, httpx's Headers, WebOb's ResponseHeaders.
        getter = getattr(headers, method, None)
        if callable(getter):
            return [str(v) for v in getter("Set-Cookie")]
    raw: Any = getattr(getattr(response, "raw", None), "headers", None)
    if raw is not None and callable(getattr(raw, "getlist", None)):
        # requests: the urllib3 response keeps each field apart.
        return [str(v) for v in raw.getlist("Set-Cookie")]
    cookies = getattr(response, "cookies", None)
    if cookies is not None and callable(getattr(cookies, "values", None)):
        morsels = list(cookies.values())
        if all(callable(getattr(m, "OutputString", None)) for m in morsels):
            # Django's HttpResponse keeps cookies as http.cookies Morsels.
            return [m.OutputString() for m in morsels]
    if isinstance(response, Sequence) and not isinstance(response, (str, bytes)):
        return [
            str(value)
            for name, value in response
            if isinstance(name, str) and name.lower() == "set-cookie"
        ]
    raise TypeError(
        f"cannot read Set-Cookie from a {type(response).__name__}: pass a test "
        "client's response or a list of (name, value) header pairs"
    )


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


class FlashReader:
    """Reads the flash cookie a response set, with the application's key.

    :param secret_key: the key the application signs with.
    :param options: the application's other options, as given to the
        middleware or integration; ``cookie_name``, ``cookie_path``,
        ``cookie_domain`` and ``fallback_keys`` matter here.
    """

    def __init__(
        self, secret_key: str | bytes, **options: Unpack[FlashOptions]
    ) -> None:
        self._core = FlashCore(secret_key, **options)

    def cookie_value(self, response: Any) -> str | None:
        """The value the response gave the flash cookie: ``""`` when it
        deleted it, ``None`` when it left it alone."""
        name = self._core.cookie.name
        found: str | None = None
        for field in set_cookie_headers(response):
            pair, _, attributes = field.partition(";")
            key, equals, value = pair.partition("=")
            if not equals or key.strip() != name:
                continue
            value = _unquote(value.strip())
            lowered = attributes.lower().replace(" ", "")
            if "max-age=0" in lowered.split(";") or "expires=thu,01jan1970" in lowered:
                value = ""
            found = value  # the last one wins, as in a browser
        return found

    def stored_messages(self, response: Any) -> list[Message] | None:
        """The message records the response stored, oldest first, with their
        ``ttl`` and ``count``: ``[]`` when it deleted the cookie, ``None``
        when it left the cookie alone.

        :raises AssertionError: the cookie it set does not verify with this
            key and configuration (a test should fail loudly, not see none).
        """
        value = self.cookie_value(response)
        if value is None:
            return None
        if not value:
            return []
        decoded = self._core.codec.decode(value)
        if decoded.problem is not None:
            raise AssertionError(
                f"the {self._core.cookie.name!r} cookie this response set does not "
                f"verify ({decoded.problem}): is the reader given the app's key "
                "and cookie options?"
            )
        return decoded.messages

    def stored(self, response: Any) -> list[Pair] | None:
        """The ``(category, message)`` pairs the response stored, as
        :meth:`stored_messages` finds them."""
        messages = self.stored_messages(response)
        if messages is None:
            return None
        return [(m.category, m.text) for m in messages]


def assert_flashed(
    response: Any,
    expected: Iterable[Pair | str],
    *,
    reader: FlashReader,
) -> None:
    """Assert that *response* stored exactly *expected*, in order.

    Each item is a ``(category, message)`` pair, or a message alone when its
    category does not matter. A response that left the cookie alone stored
    nothing. The failure shows a diff of the two lists.
    """
    stored = reader.stored(response) or []
    wanted = list(expected)
    # Compare in the shape asked for: a message alone where a message alone
    # was expected, a pair otherwise.
    actual: list[Pair | str] = [
        pair[1] if index < len(wanted) and isinstance(wanted[index], str) else pair
        for index, pair in enumerate(stored)
    ]
    if actual == wanted:
        return
    diff = "\n".join(
        difflib.unified_diff(
            [repr(item) for item in wanted],
            [repr(item) for item in actual],
            "expected",
            "stored",
            lineterm="",
        )
    )
    raise AssertionError(f"the response flashed other messages:\n{diff}")


def install_flashes(
    target: Any, messages: Iterable[Pair] = (), **settings: Any
) -> Flashes:
    """Give a request made without the middleware a ready per-request object.

    *target* is an environ (or ASGI scope), or a request object that has one
    (``request.environ``, ``request.META``, ``request.scope``): Django's
    ``RequestFactory``, Pyramid's ``DummyRequest``, Flask's
    ``test_request_context``. *messages* are the incoming ones, as if the
    browser had sent them. Returns the object, whose reads and flashes the
    test can then check.
    """
    environ = _mapping_of(target)
    incoming = [Message(c, t, 0) for c, t in messages]

    def load(_: object) -> tuple[list[Message], bool]:
        return incoming, False

    flashes = Flashes(load, None, Settings(**settings))
    environ[ENVIRON_KEY] = flashes
    return flashes


def _mapping_of(target: Any) -> MutableMapping[str, Any]:
    if isinstance(target, MutableMapping):
        return target
    for attribute in ("environ", "META", "scope"):
        found = getattr(target, attribute, None)
        if isinstance(found, MutableMapping):
            return found
    raise TypeError(
        f"a {type(target).__name__} has no environ, META or scope to hold flashes"
    )


# -- the pytest plugin ---------------------------------------------------------------
# Registered as "flashmw" through the pytest11 entry point; pytest is imported
# only when pytest loads the plugin.

try:
    import pytest as _pytest
except ImportError:  # pragma: no cover - pytest is not a runtime dependency
    pass
else:

    @_pytest.fixture
    def flash_reader() -> FlashReader:
        """A :class:`FlashReader` with the key in ``FLASHMW_SECRET_KEY``.

        Override this fixture in a ``conftest.py`` to pass the app's key and
        cookie options another way.
        """
        key = os.environ.get("FLASHMW_SECRET_KEY", "")
        if not key:
            _pytest.fail(
                "the flash_reader fixture reads the app's key from "
                "FLASHMW_SECRET_KEY; set it, or override the fixture",
                pytrace=False,
            )
        return FlashReader(key)

    @_pytest.fixture
    def flashes() -> Flashes:
        """A fresh per-request object in an environ of its own, for unit
        tests of code that takes the flashes (``flashes.peek()`` shows what
        it flashed)."""
        return install_flashes({})
