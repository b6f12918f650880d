"""Run the flashmw fuzz harness for a fixed number of inputs.

::

    .venv/bin/python fuzz/run.py --runs 1000000

With atheris installed (``pip install atheris``; wheels exist for CPython
3.11 on Linux x86-64) it is coverage-guided: libFuzzer mutates inputs and
flashmw is instrumented. Without it, or with ``--engine random``, inputs are
random byte strings from a seeded generator, so a run can be repeated
exactly. Either way each input drives one target of ``fuzz/harness.py`` and
every target asserts a property; a failing input is written to
``fuzz/crashes/`` and the run stops with a non-zero status.

Replay one input: ``.venv/bin/python fuzz/run.py --replay fuzz/crashes/<file>``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
CRASHES = HERE / "crashes"
sys.path.insert(0, str(HERE))


def _save(data: bytes) -> Path:
    CRASHES.mkdir(exist_ok=True)
    path = CRASHES / f"crash-{hashlib.sha1(data).hexdigest()}"
    path.write_bytes(data)
    return path


def _corpus(directory: Path) -> None:
    """Write seed inputs: one per target and per mutation family."""
    from harness import TARGETS  # type: ignore[import-not-found]

    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(0)
    for target in range(len(TARGETS)):
        for n in range(20):
            data = bytes([target]) + bytes(rng.randrange(256) for _ in range(n * 8))
            (directory / f"seed-{target}-{n}").write_bytes(data)


def run_random(runs: int, seed: int, max_len: int) -> int:
    """The fallback engine: seeded random inputs, mostly short."""
    from harness import one_input  # type: ignore[import-not-found]

    rng = random.Random(seed)
    started = time.perf_counter()
    for done in range(runs):
        size = min(int(rng.expovariate(1 / 96)), max_len)
        data = rng.randbytes(size)
        try:
            one_input(data)
        except Exception:
            traceback.print_exc()
            print(f"FAILED after {done} inputs; input saved to {_save(data)}")
            return 1
        if done and done % 200_000 == 0:
            rate = done / (time.perf_counter() - started)
            print(f"#{done} inputs, {rate:,.0f}/s", flush=True)
    elapsed = time.perf_counter() - started
    print(f"OK: {runs} inputs in {elapsed:.1f} s ({runs / elapsed:,.0f}/s), 0 failures")
    return 0


def run_atheris(runs: int, max_len: int, extra: list[str]) -> int:
    """The coverage-guided engine; libFuzzer prints its own statistics."""
    import atheris  # type: ignore[import-untyped]
    from harness import one_input

    corpus = HERE / "corpus"
    _corpus(corpus)
    CRASHES.mkdir(exist_ok=True)
    args = [
        sys.argv[0],
        f"-runs={runs}",
        f"-max_len={max_len}",
        "-timeout=20",
        "-rss_limit_mb=2048",
        "-print_final_stats=1",
        f"-artifact_prefix={CRASHES}/",
        *extra,
        str(corpus),
    ]
    # libFuzzer ends the process itself: it prints "Done N runs in S
    # second(s)" on success, or "==ERROR" and the path of the saved input.
    print(f"atheris: {runs} runs, corpus {corpus}, crashes to {CRASHES}/", flush=True)
    atheris.Setup(args, one_input)
    atheris.Fuzz()
    return 0


def main() -> int:
    """Parse the command line and run the chosen engine."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument(
        "--engine", choices=["auto", "atheris", "random"], default="auto"
    )
    parser.add_argument("--seed", type=int, default=1, help="random engine only")
    parser.add_argument("--max-len", type=int, default=4096)
    parser.add_argument("--replay", type=Path, help="run one saved input and exit")
    options, extra = parser.parse_known_args()

    warnings.simplefilter("error")  # a stray warning is a finding too
    engine = options.engine
    if options.replay:
        engine = "random"
    if engine in ("auto", "atheris"):
        try:
            import atheris
        except ImportError:
            if engine == "atheris":
                raise
            engine = "random"
        else:
            engine = "atheris"
            # Instrument flashmw and the harness (its branches tell libFuzzer
            # which mutation family an input reached) before anything imports
            # them.
            with atheris.instrument_imports(include=["flashmw", "harness"]):
                import harness  # noqa: F401
    from harness import one_input, quiet

    quiet()
    if options.replay:
        one_input(options.replay.read_bytes())
        print("replay passed")
        return 0
    print(f"engine: {engine}, pid {os.getpid()}", flush=True)
    if engine == "atheris":
        return run_atheris(options.runs, options.max_len, extra)
    return run_random(options.runs, options.seed, options.max_len)


if __name__ == "__main__":
    sys.exit(main())
