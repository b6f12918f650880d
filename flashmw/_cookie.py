"""The flash cookie's name and attributes: validated once, formatted once.

The attributes never change between responses, so werkzeug's ``dump_cookie``
formats them here, once for plain and once for HTTPS requests, and a response
only inserts the value. A deletion repeats the same ``Path``, ``Domain``,
``Secure`` and ``SameSite``, or browsers would keep the cookie.
"""

from __future__ import annotations

import re

from werkzeug.http import dump_cookie

# RFC 6265 §4.1.1: a cookie name is an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Printable ASCII without ";" (RFC 6265 §4.1.1 path-value).
_PATH = re.compile(r"/[\x21-\x3a\x3c-\x7e]*")
_DOMAIN = re.compile(r"\.?[0-9A-Za-z](?:[0-9A-Za-z.-]*[0-9A-Za-z])?")


def cookie_scope(name: str, path: str, domain: str | None) -> str:
    """The name, ``Path`` and ``Domain`` that tell one cookie from another
    of the same name, as one string (none of the three can hold ``;``).

    Browsers keep a cookie per name, domain and path, and send every one
    that matches a request; flashmw signs its tokens for this scope, so a
    cookie of the same name from another path or a parent domain is never
    taken for its own.
    """
    return f"{name};{path};{domain.lower() if domain else ''}"


class CookieFormat:
    """Validated cookie attributes and the ``Set-Cookie`` values they make.

    :raises ValueError: an attribute is malformed (it could break or inject a
        header) or a combination browsers reject: ``SameSite=None`` without
        ``Secure``, a ``__Host-`` name without ``Secure``, with a ``Domain``
        or a path other than ``/``, a ``__Secure-`` name without ``Secure``.
    """

    def __init__(
        self,
        name: str,
        *,
        path: str,
        domain: str | None,
        secure: bool | None,
        httponly: bool,
        samesite: str | None,
        max_age: int | None,
    ) -> None:
        _check(name, path, domain, secure, httponly, samesite)
        #: The cookie's name.
        self.name: str = name
        #: The cookie's scope, see :func:`cookie_scope`.
        self.scope: str = cookie_scope(name, path, domain)

        def formatted(value: str, secure: bool, age: int | None) -> str:
            return dump_cookie(
                name,
                value,
                max_age=age,
                expires=0 if age == 0 else None,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
                sync_expires=False,
            )

        # Index 0 for plain requests, 1 for HTTPS; the same twice when
        # Secure does not depend on the scheme.
        variants = (False, True) if secure is None else (secure, secure)
        self._prefix = f"{name}="
        self._tails = tuple(
            formatted("x", variant, max_age)[len(self._prefix) + 1 :]
            for variant in variants
        )
        self._deletions = tuple(formatted("", variant, 0) for variant in variants)
        #: Bytes of a ``Set-Cookie`` value that are not the cookie's value.
        self.overhead: int = len(self._prefix) + max(map(len, self._tails))

    def set(self, value: str, https: bool) -> str:
        """The ``Set-Cookie`` value storing *value* (already cookie-safe)."""
        return f"{self._prefix}{value}{self._tails[https]}"

    def delete(self, https: bool) -> str:
        """The ``Set-Cookie`` value deleting the cookie."""
        return self._deletions[https]


def _check(
    name: object,
    path: object,
    domain: object,
    secure: object,
    httponly: object,
    samesite: object,
) -> None:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise ValueError(f"cookie_name must be an RFC 6265 token, not {name!r}")
    if not isinstance(path, str) or not _PATH.fullmatch(path):
        raise ValueError(
            "cookie_path must start with '/' and be printable ASCII without ';', "
            f"not {path!r}"
        )
    if domain is not None and (
        not isinstance(domain, str) or not _DOMAIN.fullmatch(domain)
    ):
        raise ValueError(f"cookie_domain must be a host name, not {domain!r}")
    if secure not in (None, True, False) or type(secure) is int:
        raise ValueError(f"cookie_secure must be True, False or None, not {secure!r}")
    if type(httponly) is not bool:
        raise ValueError(f"cookie_httponly must be True or False, not {httponly!r}")
    if samesite is not None and (
        not isinstance(samesite, str)
        or samesite.title() not in ("Lax", "Strict", "None")
    ):
        raise ValueError(
            f"cookie_samesite must be 'Lax', 'Strict', 'None' or None, not {samesite!r}"
        )
    if isinstance(samesite, str) and samesite.title() == "None" and secure is not True:
        raise ValueError(
            "cookie_samesite='None' needs cookie_secure=True: browsers reject a "
            "SameSite=None cookie without Secure"
        )
    # Browsers match the prefixes case-insensitively (RFC 6265bis §4.1.3).
    prefix = name.lower()
    if prefix.startswith("__host-") and (
        secure is not True or path != "/" or domain is not None
    ):
        raise ValueError(
            "a __Host- cookie needs cookie_secure=True, cookie_path='/' and no "
            "cookie_domain, or browsers reject it"
        )
    if prefix.startswith("__secure-") and secure is not True:
        raise ValueError(
            "a __Secure- cookie needs cookie_secure=True, or browsers reject it"
        )
