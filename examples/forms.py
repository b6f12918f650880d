"""Seeds 003 and 004: a login, an upload and a name form, each flashing.

The Flask tutorials' forms on plain WSGI, all following Post/Redirect/Get:
every ``POST`` flashes and answers ``303 See Other``, and the page it leads
to shows the messages once; a refresh shows none and posts nothing again.

- ``/login``: ``admin`` / ``secret`` flashes "You were successfully logged in"
  and redirects to ``/``; anything else flashes "Invalid credentials" (with the
  user name, escaped by the template) and redirects back to the form.
- ``/upload``: "No file part" when the form has no file field, "No selected
  file" when no file was chosen, the file name made safe with werkzeug's
  ``secure_filename``, an allow-list of extensions and a size limit.
- ``/name``: "Looks like you have changed your name!" when the submitted
  name differs from the one remembered from the previous submission.

Run it alone (the demo mounts it at ``/forms``)::

    FLASHMW_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))') \\
        .venv/bin/gunicorn -c examples/gunicorn.conf.py examples.forms:app
"""

from __future__ import annotations

import hmac
import os
import shutil

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from flashmw import FlashMiddleware, flash

from ._support import Page, Site, lazy_app, templates, wrap

#: The extensions the upload form accepts, as in the tutorial.
ALLOWED_EXTENSIONS = frozenset({"txt", "pdf", "png", "jpg", "jpeg", "gif"})
#: The largest upload body accepted by default, in bytes (the tutorial: 16 MiB).
MAX_UPLOAD = 1024 * 1024
#: The tutorial's credentials. A real application checks a password hash.
USERNAME, PASSWORD = "admin", "secret"
# The name form remembers the last name in this cookie. It is not signed: it
# only ever holds what this browser typed, and is shown back to it escaped.
_NAME_COOKIE = "name"


def _allowed_file(filename: str) -> bool:
    return "." in filename and filename.rsplit(".", 1)[1].lower() in ALLOWED_EXTENSIONS


def make_site(
    upload_dir: str | os.PathLike[str] | None = None, max_upload: int = MAX_UPLOAD
) -> Site:
    """The WSGI application without the middleware.

    :param upload_dir: where uploaded files are saved; ``None`` (the demo's
        choice) reads and counts them but keeps nothing.
    :param max_upload: the largest request body the upload form accepts.
    """
    site = Site(templates(), max_content_length=max_upload)

    @site.route("/")
    def index(page: Page) -> Response:
        """The tutorial's index: the messages, a welcome and the links."""
        return page.render("forms/index.html")

    @site.route("/login", methods=["GET", "POST"])
    def login(page: Page) -> Response:
        """Check the credentials; flash the outcome and redirect."""
        if page.request.method == "GET":
            return page.render("forms/login.html")
        username = page.request.form.get("username", "")
        password = page.request.form.get("password", "")
        # compare_digest: the time taken does not tell how much matched.
        if hmac.compare_digest(username.encode(), USERNAME.encode()) and (
            hmac.compare_digest(password.encode(), PASSWORD.encode())
        ):
            flash(page.environ, "You were successfully logged in", "success")
            return page.redirect("index")
        # The user name goes back into the page: the template escapes it.
        message = "Invalid credentials"
        if username:
            message += f' for user "{username}"'
        flash(page.environ, message, "error")
        return page.redirect("login")

    @site.route("/upload", methods=["GET", "POST"])
    def upload(page: Page) -> Response:
        """Validate and store (or count) one uploaded file."""
        if page.request.method == "GET":
            return page.render(
                "forms/upload.html",
                extensions=sorted(ALLOWED_EXTENSIONS),
                limit=max_upload,
            )
        try:
            files = page.request.files
        except RequestEntityTooLarge:
            flash(page.environ, f"The file is larger than {max_upload} bytes", "error")
            return page.redirect("upload")
        if "file" not in files:
            flash(page.environ, "No file part", "error")
            return page.redirect("upload")
        file = files["file"]
        if not file.filename:
            flash(page.environ, "No selected file", "error")
            return page.redirect("upload")
        # "../../../../home/username/.bashrc" becomes "home_username_.bashrc".
        filename = secure_filename(file.filename)
        if not filename or not _allowed_file(filename):
            flash(page.environ, f"{file.filename} is not an allowed file", "error")
            return page.redirect("upload")
        if upload_dir is None:
            size = sum(len(chunk) for chunk in iter(lambda: file.read(65536), b""))
        else:
            target = os.path.join(upload_dir, filename)
            with open(target, "wb") as out:
                shutil.copyfileobj(file.stream, out)
            size = os.path.getsize(target)
        flash(page.environ, f"Uploaded {filename} ({size} bytes)", "success")
        return page.redirect("upload")

    @site.route("/name", methods=["GET", "POST"])
    def name(page: Page) -> Response:
        """Greet by name; flash when the name changed since the last time."""
        old_name = page.request.cookies.get(_NAME_COOKIE)
        if page.request.method == "GET":
            return page.render("forms/name.html", name=old_name)
        new_name = page.request.form.get("name", "").strip()
        if not new_name:
            flash(page.environ, "Please enter a name", "error")
            return page.redirect("name")
        if old_name is not None and old_name != new_name:
            flash(page.environ, "Looks like you have changed your name!")
        response = page.redirect("name")
        response.set_cookie(
            _NAME_COOKIE, new_name, httponly=True, samesite="Lax", path=page.url("name")
        )
        return response

    return site


def make_app(
    secret_key: str | None = None,
    fallback_keys: list[str] | None = None,
    upload_dir: str | os.PathLike[str] | None = None,
) -> FlashMiddleware:
    """The example on its own, with the keys from the environment by default."""
    return wrap(make_site(upload_dir), secret_key, fallback_keys)


#: ``examples.forms:app`` for gunicorn, built on first access.
__getattr__ = lazy_app(__name__, make_app)
