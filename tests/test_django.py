"""``MESSAGE_STORAGE = "flashmw.django.FlashStorage"``, through Django's own
tools: its test ``Client``, ``RequestFactory`` with ``MessageMiddleware``,
``assertMessages``, the admin, its cache middleware and ``cache_page``.

The project is the example's (``examples/frameworks/django_app.py``); each
test narrows it with ``override_settings``, as Django's own tests do, to the
views below (``ROOT_URLCONF`` is this module).
"""

from __future__ import annotations

import pickle
import re
import secrets
from collections.abc import Iterator
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import constants
from django.contrib.messages.middleware import MessageMiddleware
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import SimpleTemplateResponse
from django.test import (
    Client,
    LiveServerTestCase,
    RequestFactory,
    SimpleTestCase,
    override_settings,
)
from django.urls import path
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_page

import flashmw
from examples.frameworks import django_app
from flashmw.core import FlashCore
from flashmw.django import CookieField, FlashStorage, derive_key, get_core

# One project per process: the example's settings, set up (and migrated) once.
KEY = secrets.token_hex(32)
django_app.make_app(KEY)
EXAMPLE = {
    name: getattr(settings, name)
    for name in ("ROOT_URLCONF", "MIDDLEWARE", "TEMPLATES")
}

MARKER = "SYNTHETIC_A_ONLY_MESSAGE"
NOTICE = 35  # a custom level
hits: dict[str, int] = {}


def _hit(name: str) -> None:
    hits[name] = hits.get(name, 0) + 1


# -- views -------------------------------------------------------------------


def seed(request: HttpRequest) -> HttpResponse:
    messages.info(request, MARKER)
    response = HttpResponse("seeded")
    response["Cache-Control"] = "no-store"
    return response


def seed_cacheable(request: HttpRequest) -> HttpResponse:
    _hit("seed_cacheable")
    messages.info(request, MARKER)
    return HttpResponse("seeded")


def show(request: HttpRequest) -> HttpResponse:
    _hit("show")
    return HttpResponse("|".join(str(m) for m in messages.get_messages(request)))


def show_count(request: HttpRequest) -> HttpResponse:
    _hit("count")
    return HttpResponse(str(len(messages.get_messages(request))))


def read_but_ignore(request: HttpRequest) -> HttpResponse:
    _hit("ignored")
    len(messages.get_messages(request))
    return HttpResponse("constant")


def late_render(request: HttpRequest) -> SimpleTemplateResponse:
    return SimpleTemplateResponse(
        "late.html", {"storage": messages.get_messages(request)}
    )


def preserve_vary(request: HttpRequest) -> HttpResponse:
    len(messages.get_messages(request))
    response = HttpResponse("constant")
    response["Vary"] = "Accept-Language"
    return response


def do_not_read(request: HttpRequest) -> HttpResponse:
    _hit("unread")
    return HttpResponse("constant")


def add_many(request: HttpRequest) -> HttpResponse:
    """Every kind of message Django's API can make."""
    messages.debug(request, "debug, below MESSAGE_LEVEL by default")
    messages.info(request, "info")
    messages.success(request, "success", extra_tags="sticky  wide")
    messages.warning(request, mark_safe("<b>safe</b>"))
    messages.error(request, "<i>escaped</i>")
    messages.add_message(request, NOTICE, "custom level")
    messages.add_message(request, NOTICE, "custom, tagged", extra_tags="x")
    messages.info(request, gettext_lazy("lazy text"))
    messages.info(request, "")  # empty: dropped, as in Django
    return HttpResponseRedirect("/details/")


def details(request: HttpRequest) -> JsonResponse:
    storage = messages.get_messages(request)
    return JsonResponse(
        [
            {
                "level": m.level,
                "message": m.message,
                "safe": isinstance(m.message, SafeData),
                "tags": m.tags,
                "level_tag": m.level_tag,
                "extra_tags": m.extra_tags,
            }
            for m in storage
        ],
        safe=False,
    )


def looks(request: HttpRequest) -> HttpResponse:
    """len(), `in` and the template's {% if messages %}: nothing consumed."""
    storage = messages.get_messages(request)
    first = next(iter(storage._loaded_messages), None)
    return HttpResponse(f"{len(storage)} {bool(storage)} {first in storage}")


def read_and_keep(request: HttpRequest) -> HttpResponse:
    storage = messages.get_messages(request)
    shown = [str(m) for m in storage]
    storage.used = False
    return HttpResponse("|".join(shown))


def native_flash(request: HttpRequest) -> HttpResponse:
    flashmw.flash(request.META, "native", "warning")
    messages.success(request, "django")
    return HttpResponseRedirect("/native-read/")


def native_read(request: HttpRequest) -> JsonResponse:
    pairs = flashmw.get_flashed_messages(request.META, with_categories=True)
    return JsonResponse(pairs, safe=False)


def read_then_redirect(request: HttpRequest) -> HttpResponse:
    list(messages.get_messages(request))
    return HttpResponseRedirect("/show/")


def read_then_fail(request: HttpRequest) -> HttpResponse:
    list(messages.get_messages(request))
    return HttpResponse("error page", status=500)


def dtl(request: HttpRequest) -> SimpleTemplateResponse:
    return SimpleTemplateResponse(
        "messages.html", {"messages": messages.get_messages(request)}
    )


def partial(request: HttpRequest) -> HttpResponse:
    """An htmx fragment that does not show the messages itself."""
    return HttpResponse("<p>done</p>")


def partial_redirect(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("")
    response["HX-Redirect"] = "/show/"
    return response


cached_show = cache_page(60)(show)
cached_unread = cache_page(60)(do_not_read)

urlpatterns = [
    path("seed/", seed),
    path("seed-cacheable/", seed_cacheable),
    path("show/", show),
    path("count/", show_count),
    path("ignored/", read_but_ignore),
    path("late/", late_render),
    path("preserve-vary/", preserve_vary),
    path("unread/", do_not_read),
    path("add/", add_many),
    path("details/", details),
    path("looks/", looks),
    path("keep/", read_and_keep),
    path("native/", native_flash),
    path("native-read/", native_read),
    path("read-redirect/", read_then_redirect),
    path("read-fail/", read_then_fail),
    path("dtl/", dtl),
    path("cached-show/", cached_show),
    path("cached-unread/", cached_unread),
    path("partial/", partial),
    path("partial-redirect/", partial_redirect),
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "late.html": "{{ storage|length }}",
                        "messages.html": (
                            "{% if messages %}{% for m in messages %}"
                            '<li class="{{ m.tags }}">{{ m }}</li>'
                            "{% endfor %}{% endif %}"
                        ),
                    },
                )
            ]
        },
    }
]
MESSAGES_ONLY = ["django.contrib.messages.middleware.MessageMiddleware"]
SITE_CACHE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.cache.FetchFromCacheMiddleware",
]
CACHE_SETTINGS: dict[str, Any] = {
    "CACHES": {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "flashmw-cache-vary",
        }
    },
    "CACHE_MIDDLEWARE_SECONDS": 60,
    "CACHE_MIDDLEWARE_KEY_PREFIX": "flashmw-cache-vary",
}


@pytest.fixture(autouse=True)
def project() -> Iterator[None]:
    with override_settings(
        ROOT_URLCONF=__name__, MIDDLEWARE=MESSAGES_ONLY, TEMPLATES=TEMPLATES
    ):
        hits.clear()
        yield


def _cookie(client: Client) -> str:
    morsel = client.cookies.get("flashmw")
    return morsel.value if morsel is not None else ""


# -- the message API -------------------------------------------------------------


def test_levels_tags_safety_and_lazy_text() -> None:
    client = Client()
    response = client.get("/add/")
    assert response.status_code == 302
    assert _cookie(client)
    shown = client.get("/details/").json()
    assert shown == [
        {
            "level": constants.INFO,
            "message": "info",
            "safe": False,
            "tags": "info",
            "level_tag": "info",
            "extra_tags": "",
        },
        {
            "level": constants.SUCCESS,
            "message": "success",
            "safe": False,
            "tags": "sticky wide success",
            "level_tag": "success",
            "extra_tags": "sticky wide",
        },
        {
            "level": constants.WARNING,
            "message": "<b>safe</b>",
            "safe": True,
            "tags": "warning",
            "level_tag": "warning",
            "extra_tags": "",
        },
        {
            "level": constants.ERROR,
            "message": "<i>escaped</i>",
            "safe": False,
            "tags": "error",
            "level_tag": "error",
            "extra_tags": "",
        },
        {
            "level": NOTICE,
            "message": "custom level",
            "safe": False,
            "tags": "",
            "level_tag": "",
            "extra_tags": "",
        },
        {
            "level": NOTICE,
            "message": "custom, tagged",
            "safe": False,
            "tags": "x",
            "level_tag": "",
            "extra_tags": "x",
        },
        {
            "level": constants.INFO,
            "message": "lazy text",
            "safe": False,
            "tags": "info",
            "level_tag": "info",
            "extra_tags": "",
        },
    ]
    # Shown once: the next page has none.
    assert client.get("/details/").json() == []


@override_settings(
    MESSAGE_LEVEL=constants.DEBUG,
    MESSAGE_TAGS={constants.ERROR: "danger", NOTICE: "notice"},
)
def test_message_level_and_message_tags() -> None:
    client = Client()
    client.get("/add/")
    shown = {m["message"]: m for m in client.get("/details/").json()}
    assert shown["debug, below MESSAGE_LEVEL by default"]["level"] == constants.DEBUG
    assert shown["<i>escaped</i>"]["tags"] == "danger"
    assert shown["custom level"]["level_tag"] == "notice"
    assert shown["custom, tagged"]["tags"] == "x notice"


@override_settings(
    MESSAGE_TAGS={constants.ERROR: "alert alert-danger", constants.DEBUG: ""}
)
def test_tags_of_several_words_and_flashmws_own_categories() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        messages.error(request, "bootstrap", extra_tags="dismissible")
        messages.add_message(request, constants.WARNING + 1, 42)  # str(42)
        for category in ("message", "danger", "note 25", "x warning"):
            flashmw.flash(request.META, category, category)
        return HttpResponseRedirect("/")

    request = RequestFactory().get("/")
    value = MessageMiddleware(view)(request).cookies["flashmw"].value
    later = RequestFactory().get("/", HTTP_COOKIE=f"flashmw={value}")
    storage = FlashStorage(later)
    assert storage._get() == (list(storage._loaded_messages), True)
    assert [(m.level, m.message, m.extra_tags, m.tags) for m in storage] == [
        (constants.ERROR, "bootstrap", "dismissible", "dismissible alert alert-danger"),
        (constants.WARNING + 1, "42", "", ""),
        (constants.INFO, "message", "", "info"),
        (constants.INFO, "danger", "danger", "danger info"),
        (constants.SUCCESS, "note 25", "note", "note success"),
        (constants.WARNING, "x warning", "x", "x warning"),
    ]
    assert storage.used
    storage.update(HttpResponse())


def test_used_true_reads_and_consumes() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        storage = messages.get_messages(request)
        assert not storage.used
        storage.used = True
        return HttpResponse("read")

    client = Client()
    client.get("/seed/")
    request = RequestFactory().get("/", HTTP_COOKIE=f"flashmw={_cookie(client)}")
    response = MessageMiddleware(view)(request)
    assert response.cookies["flashmw"]["max-age"] == "0"


def test_safe_and_escaped_in_a_django_template() -> None:
    client = Client()
    client.get("/add/")
    page = client.get("/dtl/").content.decode()
    assert '<li class="warning"><b>safe</b></li>' in page
    assert '<li class="error">&lt;i&gt;escaped&lt;/i&gt;</li>' in page
    assert client.get("/dtl/").content == b""


def test_len_in_and_truth_do_not_consume() -> None:
    client = Client()
    client.get("/seed/")
    assert client.get("/looks/").content == b"1 True True"
    assert client.get("/looks/").content == b"1 True True"
    assert client.get("/show/").content.decode() == MARKER
    assert client.get("/looks/").content == b"0 False False"


def test_used_false_keeps_the_messages() -> None:
    client = Client()
    client.get("/seed/")
    assert client.get("/keep/").content.decode() == MARKER
    assert client.get("/show/").content.decode() == MARKER
    assert client.get("/show/").content.decode() == ""


def test_flashmw_api_and_django_share_one_cookie() -> None:
    client = Client()
    assert client.get("/native/").status_code == 302
    assert client.get("/native-read/").json() == [
        ["warning", "native"],
        ["success", "django"],
    ]
    client.get("/native/")
    assert client.get("/show/").content.decode() == "native|django"


def test_the_jinja2_backends_global_reads_the_same_cookie() -> None:
    from django.template import engines

    def view(request: HttpRequest) -> HttpResponse:
        template = engines["jinja2"].from_string(
            "{{ get_flashed_messages(with_categories=true) }}"
        )
        return HttpResponse(template.render({}, request))

    seeded = Client()
    seeded.get("/seed/")
    with override_settings(TEMPLATES=EXAMPLE["TEMPLATES"]):
        request = RequestFactory().get("/", HTTP_COOKIE=f"flashmw={_cookie(seeded)}")
        response = MessageMiddleware(view)(request)
    assert response.content.decode() == f"[(&#39;info&#39;, &#39;{MARKER}&#39;)]"
    assert response.cookies["flashmw"]["max-age"] == "0"  # consumed
    # Nothing is left behind for code outside a request.
    with pytest.raises(flashmw.NotInstalledError):
        flashmw.current_flashes()


def test_a_redirect_or_an_error_page_does_not_consume() -> None:
    client = Client()
    client.get("/seed/")
    assert client.get("/read-redirect/").status_code == 302
    assert client.get("/read-fail/").status_code == 500
    assert client.head("/show/").status_code == 200
    # A sub-resource (an image the browser asked for) reads but never shows.
    client.get("/show/", headers={"Sec-Fetch-Dest": "image"})
    assert client.get("/show/").content.decode() == MARKER
    assert client.get("/show/").content.decode() == ""


def test_request_factory_with_message_middleware() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        messages.success(request, "made by RequestFactory")
        return HttpResponseRedirect("/")

    request = RequestFactory().post("/anything")
    response = MessageMiddleware(view)(request)
    assert response.status_code == 302
    value = response.cookies["flashmw"].value
    later = RequestFactory().get("/", HTTP_COOKIE=f"flashmw={value}")
    storage = FlashStorage(later)
    assert [(m.level, m.message) for m in storage] == [
        (constants.SUCCESS, "made by RequestFactory")
    ]
    storage.update(HttpResponse())  # as MessageMiddleware would


try:
    from django.contrib.messages.test import MessagesTestMixin  # Django 5.0+
except ImportError:  # pragma: no cover (Django 4.2)
    MessagesTestMixin = None


@pytest.mark.skipif(MessagesTestMixin is None, reason="assertMessages is Django 5.0+")
class AssertMessagesTests(MessagesTestMixin or object, SimpleTestCase):  # type: ignore[misc]
    """Django's assertMessages, on the response that flashed and on the page
    that showed them."""

    def test_assert_messages(self) -> None:
        response = self.client.get("/add/")
        self.assertMessages(
            response,
            [
                messages.Message(constants.INFO, "info"),
                messages.Message(constants.SUCCESS, "success"),
                messages.Message(constants.WARNING, "<b>safe</b>"),
                messages.Message(constants.ERROR, "<i>escaped</i>"),
                messages.Message(NOTICE, "custom level"),
                messages.Message(NOTICE, "custom, tagged"),
                messages.Message(constants.INFO, "lazy text"),
            ],
        )
        # The page that showed them: the request's messages, as with
        # Django's storages.
        shown = self.client.get("/details/")
        self.assertEqual(len(shown.json()), 7)
        self.assertMessages(
            shown,
            [
                messages.Message(constants.INFO, "lazy text"),
                messages.Message(constants.INFO, "info"),
                messages.Message(constants.SUCCESS, "success"),
                messages.Message(constants.WARNING, "<b>safe</b>"),
                messages.Message(constants.ERROR, "<i>escaped</i>"),
                messages.Message(NOTICE, "custom level"),
                messages.Message(NOTICE, "custom, tagged"),
            ],
            ordered=False,
        )
        self.assertMessages(self.client.get("/details/"), [])


class LiveServerTests(LiveServerTestCase):
    """Django's live server thread, reached over real HTTP."""

    databases: set[str] = set()
    host = "127.0.0.1"

    def test_post_redirect_get_over_http(self) -> None:
        from live import Client as HTTPClient

        client = HTTPClient()
        reply = client.get(self.live_server_url + "/native/")
        assert reply.status == 302
        (field,) = reply.set_cookies
        assert field.startswith("flashmw=")
        page = client.get(self.live_server_url + "/native-read/")
        assert page.text == '[["warning", "native"], ["success", "django"]]'
        assert page.headers["Cache-Control"] == "private"
        assert client.get(self.live_server_url + "/native-read/").text == "[]"


def test_the_admins_messages_go_through_flashmw() -> None:
    from django.contrib.auth.models import Group, User

    name = f"Editors {secrets.token_hex(4)}"
    user = User.objects.create_superuser(f"admin-{secrets.token_hex(4)}", None, None)
    try:
        with override_settings(**EXAMPLE):
            client = Client()
            client.force_login(user)
            response = client.post("/admin/auth/group/add/", {"name": name})
            assert response.status_code == 302
            assert "flashmw" in client.cookies and "messages" not in client.cookies
            page = client.get(response["Location"]).content.decode()
            # The admin's message is safe HTML (format_html): its link stays one.
            assert re.search(
                r'<li class="success">The group “<a href="/admin/auth/group/\d+/'
                rf'change/">{name}</a>” was added successfully.</li>',
                page,
            )
            assert 'class="messagelist"' not in client.get("/admin/").content.decode()
    finally:
        Group.objects.filter(name=name).delete()
        user.delete()


def test_under_flashmiddleware_the_wrapper_owns_the_cookie() -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.test import Client as WSGIClient

    key = secrets.token_hex(32)
    client = WSGIClient(flashmw.FlashMiddleware(WSGIHandler(), key))
    response = client.get("/native/")
    (field,) = response.headers.getlist("Set-Cookie")
    value = field.split(";", 1)[0].removeprefix("flashmw=")
    # Both messages, in the wrapper's cookie under the wrapper's key.
    texts = [m.text for m in FlashCore(key).codec.decode(value).messages]
    assert texts == ["native", "django"]
    assert client.get("/show/").text == "native|django"
    assert client.get("/show/").text == ""


def test_under_the_asgi_middleware_the_wrapper_owns_the_cookie() -> None:
    import asyncio

    import httpx
    from django.core.asgi import get_asgi_application

    from flashmw.asgi import FlashMiddleware

    key = secrets.token_hex(32)
    app = FlashMiddleware(get_asgi_application(), key)

    async def walk() -> list[str]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver"
        ) as client:
            response = await client.get("/native/")
            (field,) = response.headers.get_list("set-cookie")
            value = field.split(";", 1)[0].removeprefix("flashmw=")
            messages = FlashCore(key).codec.decode(value).messages
            shown = [(await client.get("/show/")).text for _ in range(2)]
            return [m.text for m in messages] + shown

    assert asyncio.run(walk()) == ["native", "django", "native|django", ""]


def test_store_replaces_what_is_stored() -> None:
    request = RequestFactory().get("/")
    storage = FlashStorage(request)
    storage.add(constants.INFO, "dropped")
    response = HttpResponse()
    assert storage._store([messages.Message(NOTICE, "kept", "x")], response) == []
    value = response.cookies["flashmw"].value
    later = FlashStorage(RequestFactory().get("/", HTTP_COOKIE=f"flashmw={value}"))
    assert [(m.level, m.message, m.extra_tags) for m in later] == [
        (NOTICE, "kept", "x")
    ]
    later.update(HttpResponse())


# -- the response -------------------------------------------------------------


def test_set_cookie_is_the_cores_value_exactly() -> None:
    client = Client()
    response = client.get("/seed/")
    morsel = response.cookies["flashmw"]
    assert isinstance(morsel, CookieField)
    field = morsel.OutputString()
    assert field.startswith(f"flashmw={morsel.value}; ")
    assert "HttpOnly" in field and "SameSite=Lax" in field and "Max-Age=3600" in field
    assert morsel["max-age"] == "3600" and morsel["httponly"] is True
    parsed = SimpleCookie()
    parsed.load(field)
    assert parsed["flashmw"].value == morsel.value
    # Django's cache pickles responses.
    copy = pickle.loads(pickle.dumps(morsel))
    assert copy.OutputString() == field and copy.value == morsel.value
    assert response["Cache-Control"] == "no-store"  # already stricter
    assert response["Vary"] == "Cookie"


def test_the_wsgi_handler_sends_the_cores_field() -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from werkzeug.test import Client as WSGIClient

    response = WSGIClient(WSGIHandler()).get("/seed/")
    (field,) = response.headers.getlist("Set-Cookie")
    # Django writes every cookie as Morsel.output(header=""), with a space
    # in front that servers strip (gunicorn, uvicorn and Django's own ASGI
    # handler do).
    field = field.strip()
    value = field.split(";", 1)[0].removeprefix("flashmw=")
    assert field == get_core().cookie.set(value, False)


def test_the_cookie_is_signed_with_a_key_derived_from_secret_key() -> None:
    client = Client()
    client.get("/seed/")
    value = _cookie(client)
    derived = FlashCore(derive_key(settings.SECRET_KEY))
    assert [m.text for m in derived.codec.decode(value).messages] == [MARKER]
    # Not with Django's key itself: it is never used as it is.
    assert FlashCore(settings.SECRET_KEY).codec.decode(value).problem == (
        "bad signature"
    )


def test_flashmw_testing_reads_what_a_django_response_stored() -> None:
    from flashmw.testing import FlashReader

    reader = FlashReader(secret_key=derive_key(settings.SECRET_KEY))
    response = Client().get("/add/")
    assert reader.stored(response) == [
        ("info", "info"),
        ("sticky wide success", "success"),
        ("warning", "<b>safe</b>"),
        ("error", "<i>escaped</i>"),
        (str(NOTICE), "custom level"),
        (f"x {NOTICE}", "custom, tagged"),
        ("info", "lazy text"),
    ]


def test_a_key_changed_at_run_time_is_used() -> None:
    old = settings.SECRET_KEY
    new = secrets.token_hex(32)
    django_app.configure(new)  # assigns settings.SECRET_KEY, signals the change
    try:
        client = Client()
        client.get("/seed/")
        core = FlashCore(derive_key(new))
        assert core.codec.decode(_cookie(client)).messages
    finally:
        django_app.configure(old)


def test_secret_key_fallbacks_keep_cookies_readable_after_a_rotation() -> None:
    client = Client()
    client.get("/seed/")
    new = secrets.token_hex(32)
    old = settings.SECRET_KEY
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[old]):
        assert client.get("/show/").content.decode() == MARKER
    client.get("/seed/")
    with override_settings(SECRET_KEY=new, SECRET_KEY_FALLBACKS=[]):
        assert client.get("/show/").content.decode() == ""


def test_flashmw_secret_key_overrides() -> None:
    own = secrets.token_hex(32)
    with override_settings(FLASHMW={"secret_key": own, "cookie_name": "notes"}):
        client = Client()
        response = client.get("/seed/")
        value = response.cookies["notes"].value
        core = FlashCore(own, cookie_name="notes")
        assert [m.text for m in core.codec.decode(value).messages] == [MARKER]
        assert client.get("/show/").content.decode() == MARKER


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"FLASHMW": {"max_age": -1}}, "max_age"),
        ({"FLASHMW": {"colour": "red"}}, "unknown option(s) 'colour'"),
        ({"FLASHMW": ["max_age"]}, "FLASHMW must be a dict"),
        ({"FLASHMW": {"cookie_samesite": "None"}}, "cookie_secure=True"),
        ({"FLASHMW": {"secret_key": "short"}}, "secret_key is 5 bytes long"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY is 9 bytes long"),
        ({"SECRET_KEY_FALLBACKS": ["aaaaaaaaaaaaaaaaaaaa"]}, "SECRET_KEY_FALLBACKS[0]"),
        ({"SECRET_KEY_FALLBACKS": "a-single-key"}, "must be a list"),
    ],
)
def test_bad_settings_are_refused_clearly(
    setting: dict[str, Any], message: str
) -> None:
    from django.core import checks

    with override_settings(**setting):
        with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
            get_core()
        errors = [e for e in checks.run_checks() if e.id == "flashmw.E001"]
        assert len(errors) == 1 and message in errors[0].msg


def test_a_new_projects_insecure_key_is_a_warning_and_a_deploy_error() -> None:
    from django.core import checks

    insecure = "django-insecure-" + secrets.token_urlsafe(38)
    with override_settings(SECRET_KEY=insecure):
        client = Client()
        client.get("/seed/")
        assert client.get("/show/").content.decode() == MARKER
        found = {e.id for e in checks.run_checks()}
        assert "flashmw.W001" in found and "flashmw.E002" not in found
        deploy = {e.id for e in checks.run_checks(include_deployment_checks=True)}
        assert "flashmw.E002" in deploy
        with override_settings(FLASHMW={"secret_key": secrets.token_hex(32)}):
            deploy = {e.id for e in checks.run_checks(include_deployment_checks=True)}
            assert not {"flashmw.W001", "flashmw.E002"} & deploy


def test_other_storages_are_not_checked() -> None:
    from django.core import checks

    storage = "django.contrib.messages.storage.cookie.CookieStorage"
    with override_settings(MESSAGE_STORAGE=storage, FLASHMW={"colour": 1}):
        assert not [e for e in checks.run_checks() if e.id.startswith("flashmw")]


def test_public_cache_control_becomes_private_on_a_page_that_shows() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("|".join(map(str, messages.get_messages(request))))
        response["Cache-Control"] = "public, max-age=60"
        return response

    request = RequestFactory().get("/")
    MessageMiddleware(view)(request)  # nothing to show: left public
    seeded = Client()
    seeded.get("/seed/")
    request = RequestFactory().get("/", HTTP_COOKIE=f"flashmw={_cookie(seeded)}")
    response = MessageMiddleware(view)(request)
    assert response.content.decode() == MARKER
    assert response["Cache-Control"] == "max-age=60, private"
    assert response["Vary"] == "Cookie"


# -- Django's cache middleware: its own cache-vary scenarios ------------------------


@pytest.fixture
def site_cache() -> Iterator[None]:
    with override_settings(MIDDLEWARE=SITE_CACHE, **CACHE_SETTINGS):
        cache.clear()
        yield


@pytest.mark.usefixtures("site_cache")
class TestPerSiteCache:
    """The scenarios of Django's tests/messages_tests/test_cache_vary.py."""

    def test_a_message_does_not_reach_b_through_shared_cache(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        assert "flashmw" in a.cookies and "flashmw" not in b.cookies
        a_response, b_response = a.get("/show/"), b.get("/show/")
        assert a_response.content.decode() == MARKER
        assert b_response.content.decode() == ""
        assert hits["show"] == 2
        assert a_response["Vary"] == "Cookie"

    def test_cookie_absent_first_does_not_hide_later_message(self) -> None:
        a, b = Client(), Client()
        assert b.get("/show/").content.decode() == ""
        a.get("/seed/")
        assert a.get("/show/").content.decode() == MARKER
        assert hits["show"] == 2

    def test_len_dependent_response_varies_without_consumption(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        assert a.get("/count/").content.decode() == "1"
        assert b.get("/count/").content.decode() == "0"
        assert hits["count"] == 2
        assert a.get("/show/").content.decode() == MARKER

    def test_late_template_render_varies(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        assert a.get("/late/").content.decode() == "1"
        assert b.get("/late/").content.decode() == "0"

    def test_add_only_response_is_not_shared_with_another_client(self) -> None:
        a, b = Client(), Client()
        assert a.get("/seed-cacheable/")["Vary"] == "Cookie"
        assert b.get("/seed-cacheable/")["Vary"] == "Cookie"
        assert hits["seed_cacheable"] == 2

    def test_existing_vary_header_is_preserved(self) -> None:
        assert Client().get("/preserve-vary/")["Vary"] == "Accept-Language, Cookie"

    def test_unread_messages_are_neither_shown_nor_lost(self) -> None:
        # Django's CookieStorage leaves this page to the cache (one view
        # call). flashmw makes a page private when the request carries its
        # cookie, read or not (a streamed body may still read it), so A's
        # copy is not stored and B's is: two calls, and no leak either way.
        a, b = Client(), Client()
        a.get("/seed/")
        a_response, b_response = a.get("/unread/"), b.get("/unread/")
        assert a_response.content == b_response.content == b"constant"
        assert "private" in a_response["Cache-Control"]
        assert "Cookie" not in b_response.get("Vary", "")
        assert b.get("/unread/").content == b"constant"
        assert hits["unread"] == 2
        assert a.get("/show/").content.decode() == MARKER

    @override_settings(
        MIDDLEWARE=[
            "django.middleware.cache.UpdateCacheMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.cache.FetchFromCacheMiddleware",
        ]
    )
    def test_session_csrf_and_messages_together(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        a_response, b_response = a.get("/show/"), b.get("/show/")
        assert a_response.content.decode() == MARKER
        assert b_response.content.decode() == ""
        assert a_response["Vary"] == "Cookie"
        assert hits["show"] == 2

    def test_read_without_body_use_still_varies(self) -> None:
        a = Client()
        a.get("/seed/")
        response = a.get("/ignored/")
        assert response.content.decode() == "constant"
        assert response["Vary"] == "Cookie"

    def test_unrelated_cookie_values_split_constant_response_cache(self) -> None:
        a, b = Client(), Client()
        a.cookies["unrelated"] = "a"
        b.cookies["unrelated"] = "b"
        for client in (a, b, a, b):
            assert client.get("/ignored/").content.decode() == "constant"
        assert hits["ignored"] == 2

    @override_settings(
        MIDDLEWARE=[
            # The wrong order: the cache stores the page before the messages
            # middleware has made it vary. Pages that used the messages are
            # then not stored at all.
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.cache.UpdateCacheMiddleware",
            "django.middleware.cache.FetchFromCacheMiddleware",
        ]
    )
    def test_the_wrong_middleware_order_is_still_safe(self) -> None:
        a, b = Client(), Client()
        assert b.get("/show/").content.decode() == ""
        a.get("/seed/")
        assert a.get("/show/").content.decode() == MARKER
        assert b.get("/show/").content.decode() == ""
        assert hits["show"] == 3


@pytest.mark.usefixtures("site_cache")
class TestCachePage:
    """``cache_page`` runs inside MessageMiddleware, before its update()."""

    @pytest.fixture(autouse=True)
    def messages_only(self) -> Iterator[None]:
        with override_settings(MIDDLEWARE=MESSAGES_ONLY):
            yield

    def test_a_message_does_not_reach_b(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        assert a.get("/cached-show/").content.decode() == MARKER
        assert b.get("/cached-show/").content.decode() == ""
        assert hits["show"] == 2

    def test_b_does_not_hide_a_later_message(self) -> None:
        a, b = Client(), Client()
        assert b.get("/cached-show/").content.decode() == ""
        a.get("/seed/")
        assert a.get("/cached-show/").content.decode() == MARKER
        assert hits["show"] == 2

    def test_pages_that_do_not_use_messages_are_still_cached(self) -> None:
        a, b = Client(), Client()
        a.get("/seed/")
        for client in (a, b, a):
            assert client.get("/cached-unread/").content == b"constant"
        assert hits["unread"] == 1
        assert a.get("/show/").content.decode() == MARKER


# -- delivery and hooks through the storage ----------------------------------------


def test_htmx_delivery_through_the_storage() -> None:
    import json

    with override_settings(FLASHMW={"htmx": True}):
        client = Client()
        client.get("/seed/")
        kept = client.post("/partial-redirect/", headers={"HX-Request": "true"})
        assert "HX-Trigger" not in kept  # the next page shows them itself
        fragment = client.post(
            "/partial/", headers={"HX-Request": "true", "HX-Trigger": "ignored"}
        )
        detail = json.loads(fragment["HX-Trigger"])["flashmw"]
        assert [m["message"] for m in detail] and all(
            set(m) == {"category", "message", "html", "count"} for m in detail
        )
        # Delivered, so consumed: the page after shows nothing.
        assert client.get("/show/").content == b""


def test_hooks_through_the_storage() -> None:
    from flashmw.hooks import FlashHooks

    class Counting(FlashHooks):
        def __init__(self) -> None:
            self.added_total = 0
            self.consumed_total = 0

        def added(self, message: Any) -> None:
            self.added_total += 1

        def consumed(self, messages: Any) -> None:
            self.consumed_total += len(messages)

    hooks = Counting()
    with override_settings(FLASHMW={"hooks": hooks}):
        client = Client()
        client.get("/seed/")
        client.get("/show/")
    assert hooks.added_total > 0 and hooks.consumed_total == hooks.added_total
