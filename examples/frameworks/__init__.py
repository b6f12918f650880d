"""flashmw instead of each framework's own flashing: Flask, Django, Pyramid,
Bottle and Falcon.

Each module is the same small application: ``GET /`` shows a form and the
messages, ``POST /save`` flashes a success or an error and answers
``303 See Other`` back to ``/``. Each wraps the framework's WSGI application
in :class:`~flashmw.FlashMiddleware` and reaches the helpers through the
framework's view of the WSGI environ, except Flask's, which installs the
extension :mod:`flashmw.flask` and keeps Flask's own ``flash()`` (with
Flask-Login and Flask-WTF), and Pyramid's, Bottle's and Falcon's, which use
their integrations (:mod:`flashmw.pyramid` with ``request.session.flash()``,
:mod:`flashmw.bottle`'s plugin, :mod:`flashmw.falcon`'s component). They need
the framework installed
(``pip install -e ".[test]"``); the runtime dependencies of flashmw do not
include any framework.
"""

from __future__ import annotations
