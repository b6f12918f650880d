"""The options from text: an ini file's settings, for the hosts configured by one.

Pyramid's ``[app:main]`` settings (``flashmw.max_age = 600``) and a
PasteDeploy ``[filter:flashmw]`` section give every value as a string. This
module turns them into the keyword options :class:`~flashmw.core.FlashCore`
takes, and says which setting is wrong when one is. It converts types only:
every value is then validated by the core, as it is for code that passes
keyword arguments.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .core import FlashOptions

_TRUE = frozenset({"true", "yes", "on", "1", "t", "y"})
_FALSE = frozenset({"false", "no", "off", "0", "f", "n"})


class SettingError(ValueError):
    """A setting that cannot be turned into its option; the message names it."""


def _words(value: str) -> list[str]:
    # Keys made by secrets.token_hex() hold neither commas nor spaces, and an
    # ini file spreads a list over lines.
    return value.replace(",", " ").split()


def _keys(value: object) -> object:
    return _words(value) if isinstance(value, str) else value


def _seconds(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lower() in ("", "none"):
        return None
    try:
        return int(text)
    except ValueError:
        raise SettingError(
            f"is {value!r}, not a whole number of seconds or 'none'"
        ) from None


def _number(value: object) -> object:
    if not isinstance(value, str):
        return value
    try:
        return int(value.strip())
    except ValueError:
        raise SettingError(f"is {value!r}, not a whole number") from None


def _boolean(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingError(f"is {value!r}, not true or false")


def _tristate(value: object) -> object:
    # cookie_secure: None means "on HTTPS requests only".
    if isinstance(value, str) and value.strip().lower() in ("", "none", "auto"):
        return None
    return _boolean(value)


def _text(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _optional_text(value: object) -> object:
    # An empty value leaves the attribute or header out. "None" stays a
    # string: it is a SameSite value of its own.
    if isinstance(value, str):
        return value.strip() or None
    return value


def _hooks(value: object) -> object:
    # "package.module:name": an object with the hook methods, or a class of
    # them (a FlashHooks subclass), made with no arguments.
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text or text.lower() == "none":
        return None
    module_name, colon, attribute = text.partition(":")
    if not colon or not module_name or not attribute:
        raise SettingError(f"is {value!r}, not 'package.module:name'")
    try:
        found: object = importlib.import_module(module_name)
        for part in attribute.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as exc:
        raise SettingError(f"is {value!r}, which cannot be imported: {exc}") from None
    return found() if isinstance(found, type) else found


#: Every option of :class:`~flashmw.core.FlashOptions`, with the conversion
#: of its text form (tests check that the two lists agree).
CONVERTERS: dict[str, Callable[[object], object]] = {
    "fallback_keys": _keys,
    "max_age": _seconds,
    "cookie_name": _text,
    "cookie_path": _text,
    "cookie_domain": _optional_text,
    "cookie_secure": _tristate,
    "cookie_httponly": _boolean,
    "cookie_samesite": _optional_text,
    "max_cookie_size": _number,
    "overflow": _text,
    "consume": _text,
    "cache_control": _optional_text,
    "streamed_reads": _boolean,
    "htmx": _boolean,
    "htmx_event": _text,
    "coalesce": _boolean,
    "hooks": _hooks,
}
# Settings that name an environment variable holding a key, so that the key
# need not be written in the ini file.
_FROM_ENVIRONMENT = {
    "secret_key_env": "secret_key",
    "fallback_keys_env": "fallback_keys",
}


def _from_environment(
    setting: str, variable: object, environ: Mapping[str, str]
) -> str | list[str]:
    name = str(variable).strip()
    value = environ.get(name, "").strip()
    if setting.endswith("fallback_keys_env"):
        # Older keys exist only during a rotation: none is the usual case.
        return _words(value)
    if not value:
        raise SettingError(f"{setting} names {name!r}, which is not set or is empty")
    return value


def read_settings(
    settings: Mapping[str, Any],
    prefix: str = "",
    *,
    environ: Mapping[str, str] | None = None,
) -> tuple[str | bytes | None, FlashOptions]:
    """Return the key and the keyword options found in *settings*.

    Only the names that start with *prefix* are read (``"flashmw."`` among
    Pyramid's settings, ``""`` in a filter section of its own). Values may be
    strings, converted here, or already the option's type (settings made in
    code). ``secret_key_env`` and ``fallback_keys_env`` name environment
    variables to read the keys from instead.

    The key is ``None`` when the settings give none.

    :raises SettingError: a name under *prefix* is no option, or a value
        cannot be converted.
    """
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for full_name, value in settings.items():
        if not full_name.startswith(prefix):
            continue
        name = full_name[len(prefix) :]
        if name in _FROM_ENVIRONMENT:
            target = _FROM_ENVIRONMENT[name]
            if prefix + target in settings:
                raise SettingError(
                    f"{full_name} and {prefix}{target} are both set; keep one"
                )
            found[target] = _from_environment(full_name, value, environ)
            continue
        if name == "secret_key":
            found[name] = value.strip() if isinstance(value, str) else value
            continue
        convert = CONVERTERS.get(name)
        if convert is None:
            known = ", ".join(["secret_key", *_FROM_ENVIRONMENT, *CONVERTERS])
            raise SettingError(f"{full_name} is not a flashmw option; known: {known}")
        try:
            found[name] = convert(value)
        except SettingError as error:
            raise SettingError(f"{full_name} {error}") from None
    secret_key = found.pop("secret_key", None) or None
    options: FlashOptions = found  # type: ignore[assignment]
    return secret_key, options


def options_from_settings(
    settings: Mapping[str, Any],
    prefix: str = "",
    *,
    environ: Mapping[str, str] | None = None,
) -> tuple[str | bytes, FlashOptions]:
    """:func:`read_settings`, for hosts whose settings must give the key.

    :raises SettingError: as :func:`read_settings`, or no key is given.
    """
    secret_key, options = read_settings(settings, prefix, environ=environ)
    if secret_key is None:
        raise SettingError(
            f"{prefix}secret_key is not set: give it, or {prefix}secret_key_env "
            "with the name of an environment variable that holds it. Generate "
            "one key for every worker and host: python3 -c "
            "'import secrets; print(secrets.token_hex(32))'"
        )
    return secret_key, options
