"""Command line: python -m bench.synth {registry,inquiries,exchange-list} ...

Files go to --out; a summary of what was written goes to standard error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import ExchangeConfig, write_exchange_list, write_inquiries, write_registry


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("registry", help="persons.csv (+ hidden persons-truth.csv)")
    reg.add_argument("--persons", type=int, required=True)
    inq = sub.add_parser("inquiries", help="inquiries.csv + truth.csv about a registry")
    inq.add_argument("--registry", required=True, help="folder holding persons.csv")
    inq.add_argument("--count", type=int, required=True)
    inq.add_argument(
        "--held-share", type=float, default=None, help="share of inquiries about men held (default 0.67)"
    )
    ex = sub.add_parser("exchange-list", help="exchange-list.csv + exchange-truth.csv")
    ex.add_argument("--registry", required=True, help="folder holding persons.csv")
    ex.add_argument("--rows", type=int, required=True)
    ex.add_argument(
        "--list-language",
        choices=("ru", "uk"),
        default=None,
        help="write the whole list in Russian (the other side's way) or Ukrainian forms "
        "(default: each row in the other language of its registration)",
    )
    for s in (reg, inq, ex):
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--out", required=True, help="folder to write into (created)")
        s.add_argument("--quiet", action="store_true", help="no summary on standard error")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    t0 = time.perf_counter()
    try:
        if args.command == "registry":
            result = write_registry(args.out, persons=args.persons, seed=args.seed)
        elif args.command == "inquiries":
            result = write_inquiries(
                args.registry, args.out, count=args.count, seed=args.seed, held_share=args.held_share
            )
        else:
            config = ExchangeConfig(list_language=args.list_language)
            result = write_exchange_list(
                args.registry, args.out, rows=args.rows, seed=args.seed, config=config
            )
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if not args.quiet:
        print(result.summary(), file=sys.stderr)
        print(f"done in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
