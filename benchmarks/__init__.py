"""The flashmw benchmark suite (run on demand, never as timed unit tests).

``python -m benchmarks`` measures flashmw against Flask's ``flash`` and
Django's ``contrib.messages`` (``CookieStorage``) in the same run, each over
its own bare baseline, next to the stdlib floor of the same cookie format.
See ``benchmarks/README.md``.
"""
