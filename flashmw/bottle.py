"""Bottle: ``app.install(FlashPlugin(secret_key=...))``.

.. code-block:: python

    import bottle
    from flashmw.bottle import FlashPlugin, flash

    app = bottle.Bottle()
    app.install(FlashPlugin(secret_key=os.environ["FLASHMW_SECRET_KEY"]))

    @app.post("/save")
    def save():
        flash("Saved.", "success")
        bottle.redirect("/", 303)

Views call :func:`flash`, :func:`get_flashed_messages` and
:func:`get_flashes` without passing anything: like ``bottle.request``, they
find the request being handled. Templates call ``get_flashed_messages()``:
the plugin adds it to ``bottle.BaseTemplate.defaults``, which every Bottle
template adapter (SimpleTemplate, Jinja2, Mako) passes to templates, and a
Jinja2 environment of the application's own gets it from
:func:`flashmw.jinja.install`.

This is the only module that imports Bottle; ``import flashmw`` does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import bottle

from ._options import SettingError, read_settings
from .api import ENVIRON_KEY
from .core import FlashCore
from .errors import NotInstalledError
from .flashes import CategoryFilter, ConsumeMode, Flashes
from .middleware import FlashMiddleware

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import Unpack

    from .core import FlashOptions

__all__ = ["FlashPlugin", "flash", "get_flashed_messages", "get_flashes"]


class FlashPlugin:
    """The Bottle plugin; it takes :class:`~flashmw.FlashMiddleware`'s
    options, and reads those not given from ``app.config`` (see
    :meth:`setup`).

    Bottle decides a response's final status after its last hook has run (a
    view that raises becomes a 500, error handlers and generators run
    later), so the plugin puts the WSGI driver around the application's own
    WSGI call, where status and headers are final, instead of hooking the
    route callbacks. Uninstalling it takes the driver away again.
    """

    #: Bottle's plugin name: ``app.uninstall("flashmw")`` removes it. (A
    #: route's ``skip`` cannot: the plugin works around the whole app.)
    name = "flashmw"
    #: Bottle's plugin API version.
    api = 2

    def __init__(
        self, secret_key: str | bytes | None = None, **options: Unpack[FlashOptions]
    ) -> None:
        self._secret_key = secret_key
        self._options = options
        if secret_key is not None:
            # A bad key or option is refused here, where the plugin is made.
            FlashCore(secret_key, **options)
        self._installed: dict[int, tuple[bottle.Bottle, Any]] = {}

    def setup(self, app: bottle.Bottle) -> None:
        """Wrap *app*'s WSGI call in the driver and add the template helper.

        The options are ``flashmw.*`` from ``app.config`` (as
        ``app.config.load_config()`` reads a ``[flashmw]`` section of an ini
        file), then those given to the plugin.

        :raises ValueError: a ``flashmw.*`` setting is unknown or malformed,
            or no key is given, or an option is refused.
        """
        secret_key, options = read_settings(app.config, "flashmw.")
        options = {**options, **self._options}
        if self._secret_key is not None:
            secret_key = self._secret_key
        if secret_key is None:
            raise SettingError(
                "FlashPlugin needs a key: FlashPlugin(secret_key) or "
                "flashmw.secret_key (or flashmw.secret_key_env) in app.config"
            )
        middleware = FlashMiddleware(app.wsgi, secret_key, **options)
        # Bottle.__call__ calls self.wsgi(): an instance attribute wins.
        # Bottle refuses to set an attribute twice (to catch two plugins
        # adding the same one), and this one is set on every install.
        attributes = vars(app)
        self._installed[id(app)] = (app, attributes.get("wsgi"))
        attributes["wsgi"] = middleware
        bottle.BaseTemplate.defaults["get_flashed_messages"] = get_flashed_messages

    def apply(self, callback: Callable[..., Any], route: Any) -> Callable[..., Any]:
        """Leave each route's callback as it is: the work is in setup()."""
        return callback

    def close(self) -> None:
        """Unwrap the applications this plugin was uninstalled from."""
        # Bottle removes the plugin from app.plugins, then calls close()
        # without saying which app: the apps still listing it keep it.
        for key, (app, wsgi) in list(self._installed.items()):
            if self in app.plugins:
                continue
            if wsgi is None:
                del vars(app)["wsgi"]
            else:
                vars(app)["wsgi"] = wsgi
            del self._installed[key]


def get_flashes() -> Flashes:
    """The :class:`~flashmw.flashes.Flashes` of the request being handled.

    :raises NotInstalledError: no request is being handled, or no
        :class:`FlashPlugin` is installed in the application handling it.
    """
    try:
        flashes = bottle.request.environ.get(ENVIRON_KEY)
    except RuntimeError:
        # Bottle's request is thread-local: this thread handles no request.
        flashes = None
    if not isinstance(flashes, Flashes):
        raise NotInstalledError(
            "no flashes here: call this while a Bottle application with the "
            "plugin handles a request, app.install(FlashPlugin(secret_key=...))"
        )
    return flashes


def flash(message: str, category: str = "message") -> None:
    """Flash *message* with *category* for the request being handled; see
    :meth:`~flashmw.flashes.Flashes.flash`."""
    get_flashes().flash(message, category)


def get_flashed_messages(
    with_categories: bool = False,
    category_filter: CategoryFilter = (),
    *,
    consume: ConsumeMode | None = None,
) -> list[str] | list[tuple[str, str]]:
    """Return and consume the messages of the request being handled; see
    :meth:`~flashmw.flashes.Flashes.get_flashed_messages`."""
    return get_flashes().get_flashed_messages(
        with_categories, category_filter, consume=consume
    )
