"""Flask-style flash messages for any WSGI application, in a signed cookie."""

from __future__ import annotations

from ._keys import check_keys as check_keys
from .api import ENVIRON_KEY as ENVIRON_KEY
from .api import current_flashes as current_flashes
from .api import flash as flash
from .api import get_flashed_messages as get_flashed_messages
from .api import get_flashes as get_flashes
from .api import read_messages as read_messages
from .errors import FlashmwError as FlashmwError
from .errors import FlashOverflowError as FlashOverflowError
from .errors import FlashWarning as FlashWarning
from .errors import HeadersSentError as HeadersSentError
from .errors import NotInstalledError as NotInstalledError
from .flashes import Flashes as Flashes
from .hooks import FlashHooks as FlashHooks
from .message import Message as Message
from .middleware import FlashMiddleware as FlashMiddleware

#: The installed version (flit reads it from here when building).
__version__ = "0.1.0.dev0"

__all__ = [
    "__version__",
    "ENVIRON_KEY",
    "FlashMiddleware",
    "FlashOverflowError",
    "FlashWarning",
    "FlashHooks",
    "Flashes",
    "FlashmwError",
    "HeadersSentError",
    "Message",
    "NotInstalledError",
    "check_keys",
    "current_flashes",
    "flash",
    "get_flashed_messages",
    "get_flashes",
    "read_messages",
]
