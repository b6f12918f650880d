"""Jinja2 integration: ``get_flashed_messages()`` in templates, as in Flask.

.. code-block:: python

    from flashmw.jinja import install
    install(jinja_env)

.. code-block:: html+jinja

    {% for category, message in get_flashed_messages(with_categories=true) %}
      <li class="{{ category }}">{{ message }}</li>
    {% endfor %}

A template rendered while the middleware is calling the application (in a
view) finds the request's flashes by itself: the middleware publishes them in
a context variable, which each thread, greenlet and task sees separately. A
template whose context holds the framework's ``request`` (Flask and
Starlette put it there) finds them through ``request.environ`` or
``request.scope``, also when it is streamed after the view returned. A
template rendered anywhere else (in a test, in a background job) passes the
request's environ in its context: ``template.render(environ=environ)``, which
wins over both.

This is the only module that imports jinja2; ``import flashmw`` does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

try:
    from jinja2 import Environment, PackageLoader, pass_context
    from jinja2.runtime import Context
except ModuleNotFoundError as _missing:  # pragma: no cover - tested in a subprocess
    raise ModuleNotFoundError(
        "flashmw.jinja needs Jinja2: pip install 'flashmw[jinja]'", name=_missing.name
    ) from _missing

from .api import ENVIRON_KEY, current_flashes, get_flashes
from .flashes import CategoryFilter, ConsumeMode, Flashes
from .message import Message


def _request_mapping(request: Any) -> Mapping[str, Any] | None:
    """The environ (WSGI) or scope (ASGI) of a framework's request object
    found in the template context, if it holds the flashes."""
    for attribute in ("environ", "scope"):
        try:
            mapping = getattr(request, attribute, None)
        except RuntimeError:
            # Flask's request proxy outside a request context.
            return None
        if isinstance(mapping, Mapping) and ENVIRON_KEY in mapping:
            return mapping
    return None


def _flashes(context: Context) -> Flashes:
    environ = context.get("environ")
    if isinstance(environ, Mapping) and ENVIRON_KEY in environ:
        return get_flashes(environ)
    found = _request_mapping(context.get("request"))
    if found is not None:
        # A framework's template context carries its request (Flask,
        # Starlette): a template streamed after the application call
        # returned (Flask's stream_template) still finds its flashes.
        return get_flashes(found)
    return current_flashes()


@pass_context
def get_flashed_messages(
    context: Context,
    with_categories: bool = False,
    category_filter: CategoryFilter = (),
    consume: ConsumeMode | None = None,
) -> list[str] | list[tuple[str, str]]:
    """The template global: Flask's signature, the request's messages.

    *consume* is :meth:`~flashmw.flashes.Flashes.get_flashed_messages`'
    option, for templates that show one category and leave the rest.

    :raises flashmw.NotInstalledError: the template was rendered outside the
        application call and was given no ``environ``.
    """
    return _flashes(context).get_flashed_messages(
        with_categories, category_filter, consume=consume
    )


@pass_context
def read_messages(
    context: Context,
    category_filter: CategoryFilter = (),
    consume: ConsumeMode | None = None,
) -> list[Message]:
    """The template global for records: the request's messages, consumed as
    ``get_flashed_messages()`` consumes them, each with ``.category``,
    ``.text`` and ``.count``; see :meth:`~flashmw.flashes.Flashes.read`.
    """
    return _flashes(context).read(category_filter, consume=consume)


def loader() -> PackageLoader:
    """Return a loader for the templates that ship with flashmw.

    It serves ``flashmw/messages.html``, a macro file that renders messages
    accessibly. Combine it with the application's own loader:

    .. code-block:: python

        from jinja2 import ChoiceLoader, Environment, FileSystemLoader
        import flashmw.jinja

        own = FileSystemLoader("templates")
        env = Environment(
            loader=ChoiceLoader([own, flashmw.jinja.loader()]), autoescape=True
        )
        flashmw.jinja.install(env)

    .. code-block:: html+jinja

        {% from "flashmw/messages.html" import flashed_messages %}
        {{ flashed_messages() }}
    """
    return PackageLoader("flashmw", "templates")


def install(env: Environment) -> Environment:
    """Register ``get_flashed_messages`` and ``read_messages`` as globals of
    *env*; return *env*.

    It replaces a global of the same name, such as Flask's own.
    """
    env.globals["get_flashed_messages"] = get_flashed_messages
    env.globals["read_messages"] = read_messages
    return env
