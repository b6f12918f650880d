"""gunicorn settings for the flashmw examples, and a template for production.

    FLASHMW_SECRET_KEY=... gunicorn -c examples/gunicorn.conf.py examples.demo:app

Every value can be overridden on the command line (``--bind``, ``--workers``,
``--worker-class``...), which wins over this file, or through the
environment variables read below.

flashmw keeps nothing on the server: a message lives in the browser's cookie,
signed with ``FLASHMW_SECRET_KEY``. So any worker of any host can show a
message another one flashed, provided they all have the same key. The
library never makes one up; the application reads it from the environment
(``examples/_support.py``), and this file refuses to start without it.
"""

from __future__ import annotations

import os
import sys

from examples._support import fallback_keys_from_env
from flashmw import check_keys

if not os.environ.get("FLASHMW_SECRET_KEY", "").strip():
    # Checked here too, so the master stops at once with one clear line
    # instead of every worker failing to boot with a traceback.
    sys.exit(
        "FLASHMW_SECRET_KEY is not set. Generate one key, then give the same one "
        "to every worker and host:\n"
        "  export FLASHMW_SECRET_KEY=$(python3 -c "
        "'import secrets; print(secrets.token_hex(32))')"
    )

try:
    # The same check the middleware makes, here too: a weak or example key
    # stops the master with one line instead of a traceback per worker.
    check_keys(
        os.environ["FLASHMW_SECRET_KEY"].strip(),
        fallback_keys_from_env(),
    )
except (TypeError, ValueError) as refused:
    sys.exit(f"FLASHMW_SECRET_KEY is refused: {refused}")

# Loopback by default: the demo is not meant to face a network. Behind a
# reverse proxy on the same host this stays; otherwise bind the address the
# proxy connects to.
bind = [os.environ.get("FLASHMW_BIND", "127.0.0.1:8000")]

# sync: one request per process, the simplest and the default. gthread: each
# process also runs "threads" requests at once, which suits keep-alive and
# slow clients. flashmw keeps per-request state in the environ and a context
# variable, so both work (and gevent too); tests/test_gunicorn.py runs both.
worker_class = os.environ.get("FLASHMW_WORKER_CLASS", "gthread")
workers = int(os.environ.get("FLASHMW_WORKERS", "2"))
# gunicorn quietly runs gthread when sync is asked for with threads > 1.
threads = int(
    os.environ.get("FLASHMW_THREADS", "4" if worker_class == "gthread" else "1")
)

# Behind a TLS-terminating proxy the WSGI scheme must be "https", or flashmw
# (cookie_secure=None, the default) sends its cookie without Secure. gunicorn
# sets wsgi.url_scheme from X-Forwarded-Proto only for a connection from an
# address listed here; flashmw never reads forwarded headers itself. The
# default trusts the proxy on this host only. Never list "*" unless nothing
# but the proxy can reach gunicorn: anyone else could then claim HTTPS.
# (Other servers: wrap the app in werkzeug.middleware.proxy_fix.ProxyFix with
# x_proto=1 for exactly one proxy.)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Only the header your proxy sets and strips from client requests.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# gunicorn refuses a request whose single header field is over 8190 bytes
# (and its request line over 4094). All of a site's cookies share one Cookie
# field, and flashmw keeps its own Set-Cookie under 4093 bytes (browsers
# ignore a larger one), which leaves room for the others. Raise these only
# with the proxy's own limits (nginx: large_client_header_buffers).
limit_request_field_size = 8190
limit_request_line = 4094

# One line per request on stdout, errors on stderr.
accesslog = os.environ.get("FLASHMW_ACCESS_LOG", "-") or None

# gunicorn 25.1+ opens a control socket for gunicornc at one fixed path per
# user, which two instances on one machine (the tests' pair of "hosts", a
# blue/green switch) would fight over. The examples do not use it. Older
# gunicorn ignores the unknown setting.
control_socket_disable = True
