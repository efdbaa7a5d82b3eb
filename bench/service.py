"""Load test of the HTTP service against a local ``powbureau serve`` (issue 5).

Builds (or reuses) a synthetic registry of N persons, starts the real server on it, signs
in a hotline operator with a second factor, and measures over HTTP on loopback:

* **as-you-type hotline search**: for each inquiry, one request per keystroke of the
  surname (from the third letter) and then the given name, one operator at a time:
  p50/p95 per request (target: p95 <= 100 ms at 100k registered);
* **search under load**: C concurrent operators for D seconds: requests/s, p50/p95;
* **public intake**: C concurrent families submitting the web form: requests/s, p50/p95
  (each request from its own address behind a trusted proxy, as a load balancer sends them).

    python -m bench.service --persons 100000 --inquiries 200 --clients 4 --seconds 20
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import pyotp

from bench.matching_data import import_registry, log, make_inquiries, make_registry, read_inquiries
from powbureau.domain.access import Role
from powbureau.services import accounts
from powbureau.store.db import open_engine
from powbureau.store.keyring import prepare_keyring
from powbureau.store.migrate import upgrade
from powbureau.store.uow import SqlUnitOfWork

OUT = Path("bench/out/service")
PASSWORD = "bench password for the hotline 1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
    }


def keystrokes(surname: str, given: str | None) -> list[dict[str, str]]:
    """What the operator has typed after each key: surname from its third letter, then given name."""
    out = [{"surname": surname[:n]} for n in range(3, len(surname) + 1)]
    for n in range(1, len(given or "") + 1):
        out.append({"surname": surname, "given_name": (given or "")[:n]})
    return out


def under_load(call: Callable[[int], None], clients: int, seconds: float) -> dict[str, float]:
    samples: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(k: int) -> None:
        i = k
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            call(i)
            mine.append(time.perf_counter() - started)
            i += clients
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"requests_per_second": round(len(samples) / elapsed, 1), **percentiles(samples)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.service", description=__doc__)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--inquiries", type=int, default=200, help="inquiries typed at the hotline")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args(argv)

    work = OUT / f"seed{args.seed}-{args.persons}"
    persons_csv = make_registry(work / "registry", persons=args.persons, seed=args.seed)
    inquiries_csv = make_inquiries(
        work / "registry", work / "inquiries", count=args.inquiries, seed=args.seed, held_share=0.67
    )
    url, _ = import_registry(work / "registry.db", persons_csv, seed=args.seed)
    engine = open_engine(url)
    upgrade(engine, keyring=prepare_keyring(url, engine)[0])  # as `powbureau init` does
    name = f"hotline-{int(time.time())}"
    new = accounts.add_user(
        uow=SqlUnitOfWork(engine), name=name, roles=[Role.HOTLINE_OPERATOR], by="bench", password=PASSWORD
    )
    engine.dispose()
    port = _port()
    env = {**os.environ, "POWBUREAU_DB": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from powbureau.cli import main; main()",
            "serve",
            "--port",
            str(port),
            "--insecure-cookies",
            "--trusted-proxy",
            "127.0.0.1",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    report: dict[str, Any] = {"persons": args.persons, "clients": args.clients}
    try:
        for _ in range(1200):
            if server.poll() is not None:
                raise SystemExit(f"serve exited with {server.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        http = httpx.Client(base_url=base, timeout=30)
        signed = http.post(
            "/api/session",
            json={"name": name, "password": PASSWORD, "totp": pyotp.TOTP(new.totp_secret).now()},
        )
        signed.raise_for_status()
        cookies = dict(http.cookies)
        typed = [
            k
            for _, q in read_inquiries(inquiries_csv)
            if q.surname
            for k in keystrokes(q.surname, q.given_name)
        ]
        for params in typed[:100]:  # warm-up
            http.get("/api/hotline/hint", params=params)
        samples = []
        for params in typed:
            started = time.perf_counter()
            answer = http.get("/api/hotline/hint", params=params)
            samples.append(time.perf_counter() - started)
            assert answer.status_code in (200, 422), answer.text
        report["as_you_type"] = percentiles(samples)
        log(f"as-you-type: {report['as_you_type']}")
        local = threading.local()

        def client() -> httpx.Client:
            if not hasattr(local, "http"):
                local.http = httpx.Client(base_url=base, timeout=30, cookies=cookies)
            c: httpx.Client = local.http
            return c

        def search(i: int) -> None:
            client().get("/api/hotline/hint", params=typed[i % len(typed)])

        report["search_under_load"] = under_load(search, args.clients, args.seconds)
        log(f"search under load: {report['search_under_load']}")

        def letters(i: int) -> str:
            """A surname of its own for request i (the per-name limit would refuse repeats)."""
            alphabet = "бвгджзклмнпрстфхцчш"
            out = ""
            while True:
                i, r = divmod(i, len(alphabet))
                out += alphabet[r] + "а"
                if not i:
                    return "Ко" + out

        def submit(i: int) -> None:
            answer = client().post(
                "/public/inquiries",
                json={
                    "surname": letters(i),
                    "inquirer_name": "Олена",
                    "relation": "mother",
                    "contact": f"o{i}@example.org",
                },
                headers={"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"},
            )
            assert answer.status_code == 201, answer.text

        report["public_intake"] = under_load(submit, args.clients, args.seconds)
        log(f"public intake: {report['public_intake']}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
