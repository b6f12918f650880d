"""PasteDeploy: wrap any application of an ini file in the middleware.

.. code-block:: ini

    [pipeline:main]
    pipeline = flashmw myapp

    [filter:flashmw]
    use = egg:flashmw
    secret_key_env = FLASHMW_SECRET_KEY
    max_age = 600

    [app:myapp]
    use = egg:myapp

``use = egg:flashmw`` finds :func:`filter_factory` through the
``paste.filter_factory`` entry point. The section's names are
:class:`~flashmw.FlashMiddleware`'s options, written as text (``true`` and
``false``, whole seconds, an empty value for ``None``, keys separated by
spaces or commas); ``secret_key_env`` (and ``fallback_keys_env``) name an
environment variable holding the key, so that the key stays out of the file.
The application's views then use :func:`flashmw.flash` with their environ, or
a framework integration such as :mod:`flashmw.pyramid`.

This module imports no framework and not PasteDeploy itself: a filter
factory is a plain function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ._options import options_from_settings
from .core import FlashCore
from .middleware import FlashMiddleware

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication


def filter_factory(
    global_conf: Mapping[str, Any], **local_conf: Any
) -> Callable[[WSGIApplication], FlashMiddleware]:
    """PasteDeploy's filter factory: the ``[filter:...]`` section's options in
    *local_conf*, a function that wraps an application in return.

    The options are read and checked here, when the ini file is loaded, so a
    wrong one stops the server before it serves a request.

    :raises ValueError: an unknown name, a value of the wrong form or no key
        (the message names the setting), or an option the middleware refuses.
    """
    secret_key, options = options_from_settings(local_conf)
    # Checked now, so that a refused key or option fails when the file is
    # loaded even if the filter ends up wrapping nothing.
    FlashCore(secret_key, **options)

    def wrap(app: WSGIApplication) -> FlashMiddleware:
        return FlashMiddleware(app, secret_key, **options)

    return wrap
