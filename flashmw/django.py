"""Django: ``django.contrib.messages`` kept whole, stored in flashmw's cookie.

.. code-block:: python

    # settings.py
    MESSAGE_STORAGE = "flashmw.django.FlashStorage"
    FLASHMW = {"max_age": 3600}  # optional: FlashMiddleware's options

The messages app, its ``MessageMiddleware`` and its context processor stay
as they are; every ``messages.*`` call (views, the admin,
``SuccessMessageMixin``, third-party apps) goes through :class:`FlashStorage`,
which keeps the messages in a :class:`~flashmw.flashes.Flashes` object and
lets the shared rules (:class:`~flashmw.core.FlashCore`) decide, for each
response, what the cookie holds and which ``Set-Cookie``, ``Vary`` and
``Cache-Control`` it gets. The same object is ``request.META["flashmw.flashes"]``,
so :func:`flashmw.flash`, :func:`flashmw.get_flashed_messages` and the Jinja2
global work on the same cookie.

A Django message is a level, a text and extra tags; a flashmw message is a
category and a text. The category is what a template's ``class`` needs,
Django's ``message.tags``: the extra tags, then the level's tag
(``"success"``, ``"sticky error"``). A level whose tag does not name it (a
custom level without a ``MESSAGE_TAGS`` entry, or one sharing another's tag)
is written as its number instead (``"sticky 35"``). So the cookie keeps
flashmw's schema, and a category flashed through flashmw's own API reads back
as the level of that tag, or as ``INFO`` with the category as extra tags.

The key is derived from ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``) with
HMAC-SHA256 under flashmw's own label, so neither Django's key nor a token
signed with it for another purpose is ever used here; ``FLASHMW["secret_key"]``
replaces it. This is the only module that imports Django.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from http.cookies import Morsel
from typing import Any, cast

from django.apps import AppConfig
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage import base
from django.contrib.messages.storage.base import BaseStorage, Message
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from markupsafe import Markup

from ._keys import check_key
from .api import ENVIRON_KEY, _current
from .core import RESPONSE_FIELDS, FlashCore, FlashOptions
from .flashes import Flashes
from .message import Message as FlashMessage

__all__ = ["FlashStorage", "FlashmwConfig", "derive_key", "get_core"]

#: The options ``FLASHMW`` may hold: FlashMiddleware's, and ``secret_key``.
OPTIONS = frozenset(FlashOptions.__annotations__) | {"secret_key"}
#: What new projects' keys start with (``startproject`` writes them).
INSECURE_PREFIX = "django-insecure-"
#: The HMAC message of the key derivation: binds derived keys to flashmw.
_LABEL = b"flashmw.django.FlashStorage"
# The settings the core is built from: a change that Django signals
# (override_settings, or code that sends setting_changed after assigning a
# setting) builds a new one. Not read on each request: every read of a
# setting goes through LazySettings, a few of which cost as much as the
# rest of an untouched request.
_WATCHED = frozenset({"SECRET_KEY", "SECRET_KEY_FALLBACKS", "FLASHMW"})
# The request attribute by which Django's cache middleware (per-site and
# cache_page) decides whether to store the response.
_CACHE_FLAG = "_cache_update_cache"
# What request._cache_update_cache held before a read set it to False:
# nothing yet (no read), or no attribute at all.
_UNREAD = object()
_ABSENT = object()

#: What reads with categories return.
Pairs = list[tuple[str, str]]

_core: FlashCore | None = None


def derive_key(key: str | bytes) -> str:
    """The flashmw key for a Django key: HMAC-SHA256 of flashmw's label under
    *key*, in hex (64 characters, which flashmw's key checks accept)."""
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw, _LABEL, "sha256").hexdigest()


def _checked(key: object, what: str) -> bytes:
    """*key* as bytes, refused with an ImproperlyConfigured if unusable.

    A ``django-insecure-`` key is judged by its random part: the prefix only
    says that the key came with a new project (see :func:`_insecure`).
    """
    try:
        if isinstance(key, str) and key.startswith(INSECURE_PREFIX):
            check_key(key[len(INSECURE_PREFIX) :], what)
            return key.encode("utf-8")
        return check_key(key, what)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(
            f"flashmw.django: {exc}. flashmw derives its cookie key from "
            "SECRET_KEY; set a strong SECRET_KEY, or FLASHMW['secret_key']."
        ) from None


def _keys() -> tuple[str | bytes, list[str | bytes]]:
    """The signing key and the fallbacks, from the settings."""
    options = _options()
    if "secret_key" in options:
        return options["secret_key"], list(options.get("fallback_keys", ()))
    secret = _checked(settings.SECRET_KEY, "SECRET_KEY")
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", [])
    if isinstance(fallbacks, (str, bytes)) or not isinstance(fallbacks, Sequence):
        raise ImproperlyConfigured("SECRET_KEY_FALLBACKS must be a list of keys")
    derived: list[str | bytes] = [
        derive_key(_checked(key, f"SECRET_KEY_FALLBACKS[{index}]"))
        for index, key in enumerate(fallbacks)
    ]
    derived.extend(options.get("fallback_keys", ()))
    return derive_key(secret), derived


def _options() -> dict[str, Any]:
    options = getattr(settings, "FLASHMW", None)
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ImproperlyConfigured(
            f"FLASHMW must be a dict of flashmw options, not {type(options).__name__}"
        )
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise ImproperlyConfigured(
            f"FLASHMW has unknown option(s) {', '.join(map(repr, unknown))}; "
            f"the options are {', '.join(sorted(OPTIONS))}"
        )
    return dict(options)


def get_core() -> FlashCore:
    """The :class:`~flashmw.core.FlashCore` of the current settings, built
    once (and again when a setting it depends on changes).

    :raises ImproperlyConfigured: ``FLASHMW`` or the key is unusable.
    """
    global _core
    core = _core
    if core is None:
        secret, fallbacks = _keys()
        options = _options()
        options.pop("secret_key", None)
        options["fallback_keys"] = fallbacks
        try:
            core = FlashCore(secret, **options)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"FLASHMW: {exc}") from None
        _core = core
    return core


def _reset(*, setting: str, **kwargs: Any) -> None:
    global _core
    if setting in _WATCHED:
        _core = None


setting_changed.connect(_reset)


def _insecure() -> bool:
    """Whether the cookie key comes from a ``django-insecure-`` key."""
    options = getattr(settings, "FLASHMW", None)
    if isinstance(options, Mapping) and "secret_key" in options:
        return False
    key = getattr(settings, "SECRET_KEY", "")
    return isinstance(key, str) and key.startswith(INSECURE_PREFIX)


def _ours() -> bool:
    storage = getattr(settings, "MESSAGE_STORAGE", "")
    return storage == f"{__name__}.FlashStorage"


def check_settings(app_configs: object = None, **kwargs: object) -> list[Any]:
    """System check: the flashmw settings build a core; a new project's
    ``django-insecure-`` key is accepted with a warning."""
    if not _ours():
        return []
    try:
        get_core()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="flashmw.E001")]
    if _insecure():
        return [
            checks.Warning(
                "SECRET_KEY is a new project's django-insecure- key; flash "
                "cookies signed with a key derived from it can be forged by "
                "anyone who has read it.",
                hint="Set a secret SECRET_KEY (or FLASHMW['secret_key']) before "
                "deploying; `manage.py check --deploy` refuses this one.",
                id="flashmw.W001",
            )
        ]
    return []


def check_deploy(app_configs: object = None, **kwargs: object) -> list[Any]:
    """Deployment check: refuse a ``django-insecure-`` key."""
    if _ours() and _insecure():
        return [
            checks.Error(
                "SECRET_KEY is a new project's django-insecure- key, so the "
                "flash cookie's key can be derived by anyone who has read it.",
                hint="Generate a key with django.core.management.utils."
                "get_random_secret_key() or set FLASHMW['secret_key'].",
                id="flashmw.E002",
            )
        ]
    return []


checks.register(check_settings, checks.Tags.security)
checks.register(check_deploy, checks.Tags.security, deploy=True)


class FlashmwConfig(AppConfig):
    """Optional: list ``"flashmw.django.FlashmwConfig"`` in ``INSTALLED_APPS``
    to have the settings checked at startup (``manage.py check``, ``check
    --deploy``) instead of on the first request."""

    name = "flashmw.django"
    label = "flashmw"
    verbose_name: str = "flashmw"


# -- levels and categories ------------------------------------------------------

_INT = re.compile(r"-?[0-9]+")


class _Tags:
    """``LEVEL_TAGS`` both ways, for one value of the setting."""

    def __init__(self, by_level: Mapping[int, str]) -> None:
        self.by_level = dict(by_level)
        self.by_tag: dict[str, int] = {}
        for level, tag in self.by_level.items():
            if tag:
                self.by_tag.setdefault(tag, level)
        # Tags of several words ("alert alert-danger") are matched as suffixes.
        self.phrases = sorted(
            (tag for tag in self.by_tag if " " in tag), key=len, reverse=True
        )
        self.categories: dict[tuple[int, str], str] = {}
        self.levels: dict[str, tuple[int, str]] = {}

    def category(self, level: int, extra_tags: str) -> str:
        """The flashmw category of a Django message."""
        key = (level, extra_tags)
        found = self.categories.get(key)
        if found is None:
            tag = self.by_level.get(level, "")
            word = tag if tag and self.by_tag[tag] == level else str(level)
            extra = " ".join(extra_tags.split())
            found = f"{extra} {word}" if extra else word
            if len(self.categories) < 256:
                self.categories[key] = found
        return found

    def level(self, category: str) -> tuple[int, str]:
        """The level and extra tags of a flashmw category."""
        found = self.levels.get(category)
        if found is None:
            found = self._parse(category)
            if len(self.levels) < 256:
                self.levels[category] = found
        return found

    def _parse(self, category: str) -> tuple[int, str]:
        level = self.by_tag.get(category)
        if level is not None:
            return level, ""
        for phrase in self.phrases:
            if category.endswith(" " + phrase):
                return self.by_tag[phrase], category[: -len(phrase) - 1].strip()
        head, _, last = category.rpartition(" ")
        if _INT.fullmatch(last):
            return int(last), head.strip()
        level = self.by_tag.get(last)
        if level is not None:
            return level, head.strip()
        # flashmw's own categories: "message" is Flask's and flashmw's
        # default, anything else is kept as the message's extra tags.
        return constants.INFO, "" if category == "message" else category


_tags_cache: list[tuple[object, _Tags]] = []


def _tags() -> _Tags:
    # Django replaces base.LEVEL_TAGS when MESSAGE_TAGS changes (its
    # setting_changed receiver), so its identity says when to rebuild.
    current = base.LEVEL_TAGS
    if _tags_cache and _tags_cache[0][0] is current:
        return _tags_cache[0][1]
    tags = _Tags(current)
    _tags_cache[:] = [(current, tags)]
    return tags


def _django_message(tags: _Tags, category: str, text: str) -> Message:
    level, extra_tags = tags.level(category)
    if type(text) is Markup:
        # Django's own mark of trusted HTML, so that isinstance(SafeData) and
        # every template engine keep it unescaped.
        text = SafeString(str.__str__(text))
    return Message(level, text, extra_tags=extra_tags)


# -- the Set-Cookie field --------------------------------------------------------

_ATTRIBUTES = {
    "expires": "expires",
    "max-age": "max-age",
    "path": "path",
    "domain": "domain",
    "secure": "secure",
    "httponly": "httponly",
    "samesite": "samesite",
}


@lru_cache(maxsize=8)
def _attributes(tail: str) -> dict[str, str | bool]:
    """Every Morsel attribute, filled from a ``Set-Cookie`` field's tail;
    the core writes a few distinct tails, so each is parsed once."""
    found: dict[str, str | bool] = dict.fromkeys(Morsel._reserved, "")  # type: ignore[attr-defined]
    for part in tail.split(";"):
        name, equals, value = part.strip().partition("=")
        key = _ATTRIBUTES.get(name.lower())
        if key is not None:
            found[key] = value if equals else True
    return found


class CookieField(Morsel[str]):
    """A cookie whose ``Set-Cookie`` value is the core's, character for
    character: Django writes ``OutputString()`` as the field, and its test
    client reads the name and value. The attributes are filled in too, for
    code that inspects ``response.cookies``."""

    def __init__(self, name: str, field: str) -> None:
        # Not Morsel.__init__ and set(): they validate, item by item, what
        # the core made valid already, at several times the cost of the rest
        # (benchmarks/django_storage.py, S1).
        pair, _, tail = field.partition(";")
        value = pair[len(name) + 1 :]
        self._key = name
        self._value = self._coded_value = value
        dict.update(self, _attributes(tail))
        #: The ``Set-Cookie`` field value.
        self.field = field

    def OutputString(self, attrs: object = None) -> str:  # noqa: N802 (http.cookies)
        """The ``Set-Cookie`` value, as the core made it."""
        return self.field

    def __reduce__(self) -> tuple[Any, ...]:
        # Django's cache pickles responses; Morsel's own pickling would drop
        # the field.
        return (CookieField, (self.key, self.field))


# -- the storage -------------------------------------------------------------------


class _RequestView:
    """The request as the rules see it (a
    :class:`~flashmw.core.RequestView`), read from Django's request only
    when the rules ask."""

    __slots__ = ("_request",)

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @property
    def method(self) -> str:
        return self._request.method or "GET"

    @property
    def https(self) -> bool:
        # Django's own answer, which follows SECURE_PROXY_SSL_HEADER when
        # the project set it.
        return self._request.is_secure()

    def header(self, name: str, /) -> str | None:
        value = self._request.META.get("HTTP_" + name.upper().replace("-", "_"))
        return value if isinstance(value, str) else None


class FlashStorage(BaseStorage):
    """``MESSAGE_STORAGE = "flashmw.django.FlashStorage"``: Django's messages
    in flashmw's cookie, under flashmw's rules.

    ``MessageMiddleware`` creates one per request; its ``update()`` hands the
    response to the core. Iterating reads (and, on a page a person sees,
    consumes) the messages, as in Django; ``len()``, ``in`` and
    ``{% if messages %}`` only look; ``storage.used = False`` keeps what was
    read. A message added after the messages were read waits for the next
    request, as with flashmw's own ``flash()``.

    When :class:`flashmw.FlashMiddleware` (WSGI) or
    :class:`flashmw.asgi.FlashMiddleware` also wraps the project, the storage
    uses its flashes and leaves the cookie to it.
    """

    # Defaults on the class rather than stores in __init__, which runs on
    # every request (an instance sets its own only when one changes).
    #: Always empty: messages live in the Flashes object. (BaseStorage's
    #: attribute, for code that reads it.)
    _queued_messages: Sequence[Message] = ()
    #: Whether add() kept a message in this request (BaseStorage's).
    added_new: bool = False
    _used = False
    _keep = False
    _cache_flag: object = _UNREAD

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        # Not BaseStorage.__init__: it would set `used` through the property
        # below, and the rest is on the class.
        self.request = request
        core = get_core()
        self._core = core
        meta = request.META
        found = meta.get(ENVIRON_KEY)
        if found is None:
            # Under flashmw.asgi.FlashMiddleware: the ASGI scope holds them.
            scope = request.__dict__.get("scope")
            if isinstance(scope, Mapping):
                found = meta[ENVIRON_KEY] = scope.get(ENVIRON_KEY)
        # Under a flashmw middleware the wrapper's flashes, and its cookie.
        self._owner = not isinstance(found, Flashes)
        if isinstance(found, Flashes):
            flashes = found
        else:
            flashes = Flashes(self._load, meta.get("HTTP_COOKIE"), core.settings)
            meta[ENVIRON_KEY] = flashes
            # The Jinja2 global (and flashmw's partial, imported without
            # context) finds the flashes here, in this thread or task, until
            # update(); under ASGI, asgiref carries it from the middleware's
            # thread to the view's.
            _current.set(flashes)
        self._flashes: Flashes = flashes

    def _load(self, header: str | None) -> tuple[Sequence[FlashMessage], bool]:
        # The first use of the flashes: from now on the page depends on the
        # cookie, but its Vary and Cache-Control come only in update().
        # Django's cache_page decorator runs inside MessageMiddleware and
        # would store the page before that, for every user; holding its
        # update flag off until update() stops it. update() gives the flag
        # back, so a per-site UpdateCacheMiddleware, which runs after it,
        # stores the page with the core's headers.
        request = self.request
        self._cache_flag = request.__dict__.get(_CACHE_FLAG, _ABSENT)
        setattr(request, _CACHE_FLAG, False)
        return self._core.load(header)

    # -- reading ---------------------------------------------------------------

    def _peek(self) -> list[Message]:
        tags = _tags()
        pairs = cast("Pairs", self._flashes.peek(True))
        return [_django_message(tags, c, t) for c, t in pairs]

    def __len__(self) -> int:
        return len(self._flashes.peek())

    def __contains__(self, item: object) -> bool:
        return item in self._peek()

    def __iter__(self) -> Iterator[Message]:
        self._used = True
        self._keep = False
        flashes = self._flashes
        if flashes.sealed:
            # After the response (assertMessages, a test reading
            # response.wsgi_request): look, as Django's storages then do.
            pairs = cast("Pairs", flashes.peek(True))
        else:
            pairs = cast("Pairs", flashes.get_flashed_messages(True))
        tags = _tags()
        return iter([_django_message(tags, c, t) for c, t in pairs])

    @property
    def _loaded_messages(self) -> list[Message]:
        """The messages of this request, consuming nothing (BaseStorage's
        name, for code that reaches for it)."""
        return self._peek()

    @property
    def used(self) -> bool:
        """Whether the messages were iterated; set it to ``False`` to keep
        them for the next request, as with Django's storages."""
        return self._used

    @used.setter
    def used(self, value: bool) -> None:
        if value and not self._used and not self._flashes.sealed:
            self._flashes.get_flashed_messages()
        self._used = bool(value)
        self._keep = not value

    # -- adding ----------------------------------------------------------------

    def add(self, level: int, message: Any, extra_tags: Any = "") -> None:
        """Queue *message* at *level* unless it is empty or below
        :attr:`level`, as Django does."""
        if not message:
            return
        level = int(level)
        if level < self.level:
            return
        self.added_new = True
        if not isinstance(message, (str, Promise)):
            # Django's storages keep str(message).
            message = str(message)
        extra = "" if extra_tags is None else str(extra_tags)
        self._flashes.flash(message, _tags().category(level, extra))

    # -- BaseStorage's backend methods -----------------------------------------

    def _get(self, *args: Any, **kwargs: Any) -> tuple[list[Message], bool]:
        """The messages of this request, consuming nothing."""
        return self._peek(), True

    def _store(
        self, messages: list[Message], response: HttpResponseBase, *args: Any
    ) -> list[Message]:
        """Store exactly *messages* and apply the cookie to *response*."""
        flashes = self._flashes
        flashes.clear()
        tags = _tags()
        for message in messages:
            extra = "" if message.extra_tags is None else str(message.extra_tags)
            flashes.flash(message.message, tags.category(message.level, extra))
        self.update(response)
        return []

    # -- the response ----------------------------------------------------------

    def update(self, response: HttpResponseBase) -> None:
        """Let the core decide what the cookie holds and how *response*
        may be cached, and apply its headers to *response*."""
        request = self.request
        flag = self._cache_flag
        if flag is not _UNREAD:
            self._cache_flag = _UNREAD
            if flag is _ABSENT:
                delattr(request, _CACHE_FLAG)
            else:
                setattr(request, _CACHE_FLAG, flag)
        if not self._owner:
            return
        flashes = self._flashes
        _current.set(None)
        if self._keep and flashes.loaded and not flashes.sealed:
            flashes.keep()
        core = self._core
        # Straight to respond(), not untouched() first: respond() returns
        # the fields as they are on the same grounds, and a response to a
        # request with the cookie would have it scanned twice.
        # ResponseHeaders keeps (name, value) by lower-case name: read it
        # directly, as the Mapping methods cost a raised KeyError per
        # missing field (most responses have neither).
        store = response.headers._store
        # Only the fields the rules read or change (most responses have
        # none of them).
        fields = [store[name] for name in RESPONSE_FIELDS if name in store]
        changed = core.respond(
            flashes, response.status_code, fields, _RequestView(request)
        )
        if changed is not fields:
            _apply(response, changed, core.cookie.name)


def _apply(
    response: HttpResponseBase, changed: list[tuple[str, str]], name: str
) -> None:
    """Write the core's fields into *response*, whose headers hold one value
    per name (a repeated list-valued field is joined with a comma).

    Straight into ResponseHeaders' store, as update() reads it: the core's
    values are ASCII directives without line breaks, so the checks of
    ``response[...] = ...`` (most of the cost of setting a header) have
    nothing to find.
    """
    vary: str | None = None
    cache_control: str | None = None
    store = response.headers._store
    for field, value in changed:
        lower = field.lower()
        if lower == "vary":
            vary = value if vary is None else f"{vary}, {value}"
        elif lower == "cache-control":
            cache_control = (
                value if cache_control is None else f"{cache_control}, {value}"
            )
        elif lower == "set-cookie":
            response.cookies[name] = CookieField(name, value)
        else:
            # HX-Trigger, with the messages delivered to htmx; the core's
            # values are ASCII without line breaks.
            store[lower] = (field, value)
    for lower, field, joined in (
        ("vary", "Vary", vary),
        ("cache-control", "Cache-Control", cache_control),
    ):
        if joined is None:
            # The core removed it (a lone "public" on a private page).
            store.pop(lower, None)
        else:
            store[lower] = (field, joined)
