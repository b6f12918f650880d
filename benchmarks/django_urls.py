"""The Django views of the benchmark (``ROOT_URLCONF``); see :mod:`.apps`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path

from .apps import HELLO, MESSAGES, S1_MESSAGE, S4_MESSAGES, render

_LEVELS = {
    "info": messages.INFO,
    "success": messages.SUCCESS,
    "warning": messages.WARNING,
    "error": messages.ERROR,
}


def _enabled(request: Any) -> bool:
    # MessageMiddleware sets request._messages; the bare handler has none.
    return hasattr(request, "_messages")


def s0(request: Any) -> HttpResponse:
    return HttpResponse(HELLO)


def s1(request: Any) -> HttpResponse:
    if _enabled(request):
        messages.add_message(request, _LEVELS[S1_MESSAGE[0]], S1_MESSAGE[1])
    return HttpResponseRedirect("/")


def s2(request: Any) -> HttpResponse:
    if _enabled(request):
        pairs = [(m.tags, m.message) for m in messages.get_messages(request)]
        return HttpResponse(render(pairs))
    return HttpResponse(render(MESSAGES))


def s4(request: Any) -> HttpResponse:
    if _enabled(request):
        for category, text in S4_MESSAGES:
            messages.add_message(request, _LEVELS[category], text)
    return HttpResponseRedirect("/")


def prime(request: Any) -> HttpResponse:
    for category, text in MESSAGES:
        messages.add_message(request, _LEVELS[category], text)
    return HttpResponseRedirect("/")


urlpatterns = [
    path("s0", s0),
    path("s1", s1),
    path("s2", s2),
    path("s4", s4),
    path("prime", prime),
]
