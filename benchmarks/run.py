"""Run the benchmark suite and print a Markdown report.

    .venv/bin/python -m benchmarks            # full run (about 5 minutes)
    .venv/bin/python -m benchmarks --quick    # smoke run (under a minute)
    .venv/bin/python -m benchmarks --no-e2e --no-memory

Progress goes to stderr, the report to stdout. Timing targets live here and
only here: they are never asserted by unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from importlib import metadata
from typing import Any

from . import e2e, memory
from .apps import PAIRS
from .floor import MinimalMiddleware, make_floors, make_primitives
from .harness import (
    OTHER_COOKIES,
    SCENARIO_TEXT,
    SCENARIOS,
    Paired,
    build_cases,
    call,
    paired,
    time_function,
)

US = 1e6
#: Overhead ceilings (µs) for the requests that must not touch the cookie.
IDLE_TARGET_US = 1.5
#: Multiples of the floor allowed to flashmw's overhead.
FLOOR_TARGETS = {"S1": 2.0, "S2": 2.0, "S4": 2.5}
#: flashmw's overhead must be at most this fraction of the anchor's (S1/S2).
ANCHOR_TARGETS = {"flask": 1 / 10, "django": 1 / 6}
#: Throughput under gunicorn as a fraction of the bare application.
E2E_TARGETS = {"S0": 0.95, "S2": 0.90}
LABELS = {
    "flashmw": "flashmw",
    "flask": "Flask flash",
    "django": "Django CookieStorage",
}


@dataclass
class Settings:
    rounds: int
    batch_seconds: float
    floor_rounds: int
    e2e_seconds: int
    #: Blocks of four wrk runs per scenario: flashmw, and Flask and Django.
    e2e_blocks: int
    e2e_anchor_blocks: int
    growth_requests: int


QUICK = Settings(
    rounds=9,
    batch_seconds=0.001,
    floor_rounds=9,
    e2e_seconds=1,
    e2e_blocks=1,
    e2e_anchor_blocks=1,
    growth_requests=10_000,
)
FULL = Settings(
    rounds=61,
    batch_seconds=0.004,
    floor_rounds=41,
    e2e_seconds=3,
    e2e_blocks=4,
    e2e_anchor_blocks=1,
    growth_requests=100_000,
)


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        wrk = subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, timeout=5
        )
        wrk_version = (wrk.stdout or wrk.stderr).split()[1]
    except (OSError, IndexError, subprocess.SubprocessError):
        wrk_version = "not installed"
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OpenSSL": __import__("ssl").OPENSSL_VERSION,
        "flashmw": _version("flashmw"),
        "itsdangerous": _version("itsdangerous"),
        "werkzeug": _version("werkzeug"),
        "flask": _version("flask"),
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
        "wrk": wrk_version,
    }


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# -- measuring -------------------------------------------------------------


def measure_inprocess(
    settings: Settings, systems: tuple[str, ...]
) -> tuple[dict[tuple[str, str], Paired], dict[str, float], dict[str, float], Any]:
    cases = build_cases(systems)
    cookie = next(
        c.environ["HTTP_COOKIE"]
        for c in cases
        if c.system == "flashmw" and c.scenario == "S2"
    )
    token_floors = make_floors(cookie)
    results: dict[tuple[str, str], Paired] = {}
    for case in cases:
        floor: Callable[[], object] | None = None
        minus = False
        if case.system == "flashmw":
            if case.scenario in token_floors:
                floor = token_floors[case.scenario]
            else:
                # The idle scenarios' floor: a middleware that does only what
                # any flash middleware must on a request that never flashes.
                minimal, environ = MinimalMiddleware(case.base_app), case.environ
                floor, minus = partial(call, minimal, environ), True
        result = paired(
            case.app,
            case.base_app,
            case.environ,
            settings.rounds,
            settings.batch_seconds,
            floor,
            minus,
        )
        results[(case.scenario, case.system)] = result
        extra = ""
        if result.floor is not None and result.ratio is not None:
            extra = f" floor {result.floor * US:.2f} us, x{result.ratio:.2f}"
        log(
            f"  {case.scenario:4} {case.system:8} overhead {result.diff * US:8.2f} us"
            f"  (IQR {result.q1 * US:.2f}..{result.q3 * US:.2f};"
            f" {case.baseline} {result.baseline * US:.1f} us){extra}"
        )
    floors = {
        scenario: r.floor
        for (scenario, system), r in results.items()
        if system == "flashmw" and r.floor is not None
    }
    primitives = {
        name: time_function(fn, settings.floor_rounds, settings.batch_seconds)
        for name, fn in make_primitives(cookie, OTHER_COOKIES).items()
    }
    return results, floors, primitives, cases


# -- reporting -------------------------------------------------------------


def _us(value: float | None) -> str:
    return "–" if value is None else f"{value * US:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b <= 0:
        return "–"
    return f"{a / b:.3f}"


def verdicts(
    results: dict[tuple[str, str], Paired], floors: dict[str, float]
) -> dict[str, tuple[str, bool | None]]:
    """Per scenario: the target in words, and whether it was met."""
    out: dict[str, tuple[str, bool | None]] = {}
    for scenario in SCENARIOS:
        ours = results.get((scenario, "flashmw"))
        if ours is None:
            continue
        if scenario in ("S0", "S0c", "S3"):
            out[scenario] = (
                f"≤ {IDLE_TARGET_US} µs",
                ours.diff * US <= IDLE_TARGET_US,
            )
            continue
        limit = FLOOR_TARGETS[scenario]
        ok = ours.ratio is not None and ours.ratio <= limit
        words = f"≤ {limit}× floor"
        if scenario in ("S1", "S2"):
            for anchor, fraction in ANCHOR_TARGETS.items():
                theirs = results.get((scenario, anchor))
                words += f", ≤ 1/{round(1 / fraction)} {LABELS[anchor].split()[0]}"
                if theirs is not None:
                    ok = ok and ours.diff <= fraction * theirs.diff
        out[scenario] = (words, ok)
    return out


def table_overhead(
    results: dict[tuple[str, str], Paired],
    floors: dict[str, float],
    systems: tuple[str, ...],
) -> list[str]:
    rows = [
        "| Scenario | flashmw µs | Flask flash µs | Django CookieStorage µs "
        "| floor µs | flashmw ÷ floor | flashmw ÷ Flask | flashmw ÷ Django "
        "| target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    judged = verdicts(results, floors)
    for scenario in SCENARIOS:

        def diff(system: str, scenario: str = scenario) -> float | None:
            r = results.get((scenario, system))
            return None if r is None else r.diff

        ours = diff("flashmw")
        floor = floors.get(scenario)
        ratio = results[(scenario, "flashmw")].ratio
        target, ok = judged.get(scenario, ("–", None))
        rows.append(
            f"| {scenario} | {_us(ours)} | {_us(diff('flask'))} "
            f"| {_us(diff('django'))} | {_us(floor)} "
            f"| {'–' if ratio is None else f'{ratio:.2f}'} "
            f"| {_ratio(ours, diff('flask'))} | {_ratio(ours, diff('django'))} "
            f"| {target} | {'–' if ok is None else ('yes' if ok else 'NO')} |"
        )
    return rows


def table_absolute(
    results: dict[tuple[str, str], Paired], systems: tuple[str, ...]
) -> list[str]:
    head = "| Scenario |"
    sep = "|---|"
    for system in systems:
        head += f" {PAIRS[system]} µs | {system} µs | IQR of overhead µs |"
        sep += "---:|---:|---:|"
    rows = [head, sep]
    for scenario in SCENARIOS:
        row = f"| {scenario} |"
        for system in systems:
            r = results.get((scenario, system))
            if r is None:
                row += " – | – | – |"
            else:
                row += (
                    f" {_us(r.baseline)} | {_us(r.system)} "
                    f"| {r.q1 * US:.2f} … {r.q3 * US:.2f} |"
                )
        rows.append(row)
    return rows


def table_floor(floors: dict[str, float], primitives: dict[str, float]) -> list[str]:
    rows = ["| Primitive (stdlib unless named) | µs |", "|---|---:|"]
    for name, value in sorted(floors.items(), key=lambda i: SCENARIOS.index(i[0])):
        what = (
            "minimal middleware over the bare app"
            if name in ("S0", "S0c", "S3")
            else "stdlib, same token"
        )
        rows.append(
            f"| **floor {name}**: {what} (benchmarks/floor.py) | {_us(value)} |"
        )
    for name, value in primitives.items():
        rows.append(f"| {name} | {_us(value)} |")
    return rows


def table_e2e(results: list[e2e.Throughput]) -> list[str]:
    rows = [
        "| Scenario | system | server CPU µs/req | baseline | baseline CPU µs/req "
        "| ratio (median) | blocks | ratio min … max | req/s | baseline req/s "
        "| req/s ratio | target | met |",
        "|---|---|---:|---|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = E2E_TARGETS[r.scenario] if r.system == "flashmw" else None
        met = "–" if target is None else ("yes" if r.ratio >= target else "NO")
        low, high = r.spread
        rows.append(
            f"| {r.scenario} | {LABELS[r.system]} | {r.cpu_system * US:.1f} "
            f"| {r.baseline} | {r.cpu_baseline * US:.1f} | {r.ratio:.3f} "
            f"| {len(r.blocks)} | {low:.3f} … {high:.3f} "
            f"| {r.system_rps:.0f} | {r.baseline_rps:.0f} | {r.rps_ratio:.3f} "
            f"| {'–' if target is None else f'≥ {target}'} | {met} |"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run, < 60 s")
    parser.add_argument("--no-e2e", action="store_true", help="skip gunicorn + wrk")
    parser.add_argument("--no-memory", action="store_true", help="skip memory")
    parser.add_argument("--rounds", type=int, help="rounds of paired batches")
    parser.add_argument(
        "--systems",
        default="flashmw,flask,django",
        help="comma-separated subset of flashmw,flask,django",
    )
    parser.add_argument("--json", metavar="PATH", help="also write raw figures")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.rounds:
        settings = Settings(**{**asdict(settings), "rounds": args.rounds})
    systems = tuple(s for s in args.systems.split(",") if s)
    if "flashmw" not in systems or not set(systems) <= set(PAIRS):
        parser.error("--systems must include flashmw and name only known systems")

    started = time.monotonic()
    info = machine()
    load_before = _load()
    log(f"in-process: {settings.rounds} rounds of A B B A batches")
    results, floors, primitives, cases = measure_inprocess(settings, systems)

    peaks: list[tuple[str, str, int, int]] = []
    grown = None
    if not args.no_memory:
        log("memory")
        for case in cases:
            if case.scenario in ("S2", "S4"):
                peaks.append(
                    (
                        case.scenario,
                        case.system,
                        memory.peak_per_request(case, "system"),
                        memory.peak_per_request(case, "baseline"),
                    )
                )
        ours = [c for c in cases if c.system == "flashmw"]
        grown = memory.growth(ours, settings.growth_requests)

    throughput: list[e2e.Throughput] = []
    e2e_note = None
    pin = e2e.pinning()
    if not args.no_e2e:
        e2e_note = e2e.available()
        if e2e_note is None:
            log(
                f"end to end: gunicorn + wrk, {settings.e2e_seconds} s per run, "
                f"{pin.describe()}"
            )
            cookies = {
                c.system: c.environ["HTTP_COOKIE"] for c in cases if c.scenario == "S2"
            }
            blocks = {
                s: settings.e2e_blocks if s == "flashmw" else settings.e2e_anchor_blocks
                for s in systems
            }
            throughput = e2e.run(
                {s: PAIRS[s] for s in systems},
                cookies,
                settings.e2e_seconds,
                blocks,
                log,
                pin,
            )
    load_after = _load()
    elapsed = time.monotonic() - started

    cmd = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    out = [
        "## flashmw benchmark",
        "",
        f"`{cmd.strip()}` — {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{elapsed:.0f} s, load average {load_before} → {load_after}",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info.items()),
        "",
        "### Overhead per request over each system's own baseline",
        "",
        f"Median of {settings.rounds} paired differences (A B B A batches of "
        f"~{settings.batch_seconds * 1000:g} ms, thread CPU time), µs per "
        "request. flashmw: bare WSGI app vs the same app in FlashMiddleware; "
        "Flask: app without vs with a secret key and `flash`; Django: handler "
        "without vs with `MessageMiddleware` + `CookieStorage`. Floor, timed in "
        "the middle of each flashmw round: S1/S2/S4 the same cookie token by "
        "hand with the stdlib; S0/S0c/S3 a minimal middleware (environ marker, "
        "start_response closure, context variable) over the bare app "
        "(benchmarks/floor.py). flashmw ÷ floor is the median of the per-round "
        "ratios.",
        "",
        *table_overhead(results, floors, systems),
        "",
        "Scenarios: "
        + "; ".join(f"**{k}** {v}" for k, v in SCENARIO_TEXT.items())
        + ".",
        "",
        "S4 cookies: "
        + "; ".join(
            f"{c.system} {', '.join(c.notes)}" for c in cases if c.scenario == "S4"
        )
        + ".",
        "",
        "### Absolute time per request (medians) and spread of the overhead",
        "",
        *table_absolute(results, systems),
        "",
        "### Floor and primitives (median µs per call)",
        "",
        *table_floor(floors, primitives),
    ]
    if peaks or grown:
        out += ["", "### Memory", ""]
    if peaks:
        out += [
            "| Scenario | system | peak KiB per request | baseline peak KiB "
            "| extra KiB |",
            "|---|---|---:|---:|---:|",
        ]
        for scenario, system, mine, base in peaks:
            out.append(
                f"| {scenario} | {LABELS[system]} | {mine / 1024:.1f} "
                f"| {base / 1024:.1f} | {(mine - base) / 1024:.1f} |"
            )
    if grown:
        out += [
            "",
            f"flashmw growth over {grown.requests:,} requests cycling S0…S4: "
            f"allocated blocks {grown.blocks[0]:,} → {grown.blocks[1]:,} "
            f"(half-way) → {grown.blocks[2]:,}; RSS {grown.rss_kib[0]:,} → "
            f"{grown.rss_kib[1]:,} → {grown.rss_kib[2]:,} KiB. Second-half "
            f"growth: {grown.grew:+,} blocks "
            f"({'no growth' if abs(grown.grew) < 100 else 'GROWTH'}).",
        ]
    if throughput or e2e_note:
        out += [
            "",
            "### Under gunicorn (2 sync workers, 127.0.0.1) and wrk -c16",
            "",
        ]
        how = pin.describe()
        if e2e_note:
            out.append(f"Skipped: {e2e_note}.")
        else:
            out += [
                f"{how[0].upper()}{how[1:]}. {settings.e2e_seconds} s per wrk "
                "run, in blocks of four runs (A B B A, then B A A B); blocks "
                f"per scenario: flashmw {settings.e2e_blocks}, Flask and Django "
                f"{settings.e2e_anchor_blocks}. Primary "
                "figure: the workers' CPU time (utime + stime from /proc, "
                f"{1000 // e2e.CLK_TCK} ms ticks) per request wrk completed; the "
                "ratio is baseline CPU/request ÷ system CPU/request per block "
                "(the throughput the server would keep if CPU-bound), median "
                "over blocks with the smallest and largest block. req/s: median "
                "over runs; its ratio is the median of the blocks' ratios of "
                "mean req/s. S0 sends no cookie, S2 the system's own 3-message "
                "cookie on every request (read and cleared each time).",
                "",
                *table_e2e(throughput),
            ]
    print("\n".join(out))
    if args.json:
        raw = {
            "machine": info,
            "settings": asdict(settings),
            "inprocess": {
                f"{s}/{k}": {**asdict(v), "diffs": v.diffs}
                for (s, k), v in results.items()
            },
            "floors": floors,
            "primitives": primitives,
            "peaks": peaks,
            "growth": asdict(grown) if grown else None,
            "e2e": [
                {
                    **asdict(t),
                    "ratio": t.ratio,
                    "cpu_system": t.cpu_system,
                    "cpu_baseline": t.cpu_baseline,
                }
                for t in throughput
            ],
        }
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
