"""Score an engine's trace-results.csv against the blind generator's truth.csv.

    python -m bench.blind.score DIR [--results DIR/trace-results.csv] [--json [PATH]]

Prints recall, confident answers and their errors (with an exact Clopper-Pearson one-sided 95%
upper bound on the error rate), coverage against the ceiling, calibration by decile, recall by
case tag, and every wrong confident answer beside the registry rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

CONFIDENT = 0.95
SIDE_FIELDS = (
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "unit",
    "service_number",
    "mother_name",
    "father_name",
)
INQ_ONLY = ("last_seen_on", "last_seen_place", "inquirer_relation")
REG_ONLY = ("sex", "category", "captured_on", "capture_place", "rank")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space."""
    if p <= 0:
        return 1.0
    if p >= 1:
        return 1.0 if k >= n else 0.0
    lp, lq = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k + 1):
        log_choose = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
        total += math.exp(log_choose + i * lp + (n - i) * lq)
    return min(total, 1.0)


def clopper_pearson_upper(k: int, n: int, conf: float = 0.95) -> float:
    """Exact one-sided upper bound u with P(X <= k | n, u) = 1 - conf."""
    if n == 0:
        return 1.0
    if k >= n:
        return 1.0
    lo, hi = k / n, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        if _binom_cdf(k, n, mid) > 1 - conf:
            lo = mid
        else:
            hi = mid
    return hi


def score(d: Path, results: Path) -> dict[str, Any]:
    """All the figures, as a dict."""
    truth = {t["query_ref"]: t for t in _read(d / "truth.csv")}
    cands: dict[str, list[tuple[int, str, float]]] = defaultdict(list)
    for row in _read(results):
        cands[row["query_ref"]].append((int(row["rank"]), row["person_ref"], float(row["probability"])))
    for lst in cands.values():
        lst.sort()
    held = [q for q, t in truth.items() if t["held"] == "1"]
    n_held = len(held)

    def top1(q: str) -> str:
        return cands[q][0][1] if cands.get(q) else ""

    r1 = sum(1 for q in held if top1(q) == truth[q]["person_ref"])
    r10 = sum(1 for q in held if any(p == truth[q]["person_ref"] for _, p, _ in cands.get(q, [])[:10]))
    confident = [(q, rank, p, prob) for q, lst in cands.items() for rank, p, prob in lst if prob >= CONFIDENT]
    wrong = [c for c in confident if not truth[c[0]]["person_ref"] or c[2] != truth[c[0]]["person_ref"]]
    wrong_set = set(wrong)
    wrong_by_q: dict[str, int] = defaultdict(int)
    for c in wrong:
        wrong_by_q[c[0]] += 1
    right_q = {c[0] for c in confident if c not in wrong_set}
    ident = sum(1 for q in held if truth[q]["identifiable"] == "1")
    coverage = len(right_q) / n_held if n_held else 0.0
    ceiling = ident / n_held if n_held else 0.0

    # calibration by decile over every candidate shown
    bins: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(10)]
    for q, lst in cands.items():
        if q not in truth:
            continue
        for _, p, prob in lst:
            b = bins[min(int(prob * 10), 9)]
            b[0] += 1
            b[1] += prob
            b[2] += 1 if p == truth[q]["person_ref"] and p else 0
    calib: list[dict[str, Any]] = []
    for i, (n, total, right) in enumerate(bins):
        if n:
            calib.append(
                {
                    "bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}",
                    "rows": int(n),
                    "mean_p": total / n,
                    "share_right": right / n,
                    "gap": total / n - right / n,
                }
            )
    big = [c for c in calib if c["rows"] >= 20]
    largest = max(big or calib, key=lambda c: abs(c["gap"])) if calib else None

    # by case tag
    tags: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for q, t in truth.items():
        is_held = t["held"] == "1"
        hit1 = is_held and top1(q) == t["person_ref"]
        hit10 = is_held and any(p == t["person_ref"] for _, p, _ in cands.get(q, [])[:10])
        wrong_q = wrong_by_q[q]
        for tag in t["cases"].split(";"):
            if not tag:
                continue
            cnt = tags[tag]
            cnt["n"] += 1
            cnt["held"] += is_held
            cnt["r1"] += hit1
            cnt["r10"] += hit10
            cnt["right_conf"] += q in right_q
            cnt["wrong_conf"] += wrong_q
            cnt["ident"] += is_held and t["identifiable"] == "1"
    by_tag: list[dict[str, Any]] = []
    for tag, cnt in tags.items():
        h = cnt["held"]
        by_tag.append(
            {
                "tag": tag,
                "n": cnt["n"],
                "held": h,
                "recall1": cnt["r1"] / h if h else None,
                "recall10": cnt["r10"] / h if h else None,
                "coverage": cnt["right_conf"] / h if h else None,
                "ceiling": cnt["ident"] / h if h else None,
                "wrong_confident": cnt["wrong_conf"],
            }
        )
    return {
        "inquiries": len(truth),
        "held": n_held,
        "recall_at_1": r1 / n_held if n_held else 0.0,
        "recall_at_10": r10 / n_held if n_held else 0.0,
        "confident_answers": len(confident),
        "wrong_confident": len(wrong),
        "wrong_on_not_held": sum(1 for c in wrong if not truth[c[0]]["person_ref"]),
        "error_rate": len(wrong) / len(confident) if confident else 0.0,
        "error_rate_upper95_clopper_pearson_one_sided": clopper_pearson_upper(len(wrong), len(confident)),
        "right_confident": len(right_q),
        "coverage": coverage,
        "identifiable": ident,
        "ceiling": ceiling,
        "coverage_over_ceiling": coverage / ceiling if ceiling else 0.0,
        "calibration": calib,
        "largest_gap": largest,
        "by_tag": by_tag,
        "wrong": [
            {
                "query_ref": q,
                "rank": rank,
                "person_ref": p,
                "probability": prob,
                "truth_person_ref": truth[q]["person_ref"],
                "cases": truth[q]["cases"],
            }
            for q, rank, p, prob in wrong
        ],
    }


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{100 * x:5.1f}%"


def report(d: Path, s: dict[str, Any]) -> str:
    """The figures as text, with every wrong confident answer shown beside the registry rows."""
    out = [
        f"inquiries              {s['inquiries']}",
        f"held                   {s['held']}",
        f"recall@1               {_pct(s['recall_at_1'])}",
        f"recall@10              {_pct(s['recall_at_10'])}",
        f"confident (p >= {CONFIDENT})  {s['confident_answers']}",
        f"wrong confident        {s['wrong_confident']} ({s['wrong_on_not_held']} on men not held); "
        f"error rate {100 * s['error_rate']:.2f}%, 95% upper bound "
        f"{100 * s['error_rate_upper95_clopper_pearson_one_sided']:.2f}% (Clopper-Pearson exact, one-sided)",
        f"coverage               {_pct(s['coverage'])}  ({s['right_confident']} right confident / held)",
        f"ceiling                {_pct(s['ceiling'])}  ({s['identifiable']} identifiable / held)",
        f"coverage / ceiling     {_pct(s['coverage_over_ceiling'])}",
        "",
        "calibration (every candidate shown)",
        "  bin        rows   mean p  share right    gap",
    ]
    for c in s["calibration"]:
        out.append(
            f"  {c['bin']}  {c['rows']:6d}   {c['mean_p']:.3f}     {c['share_right']:.3f}    {c['gap']:+.3f}"
        )
    if s["largest_gap"]:
        g = s["largest_gap"]
        out.append(f"  largest gap (bins of 20+ rows): {g['gap']:+.3f} in {g['bin']} ({g['rows']} rows)")
    out += [
        "",
        "by case tag, held inquiries (worst recall@1 first)",
        "  tag                          held  recall@1 recall@10 coverage  ceiling  wrong-conf",
    ]
    held_tags = sorted((t for t in s["by_tag"] if t["held"]), key=lambda t: (t["recall1"], -t["held"]))
    for t in held_tags:
        out.append(
            f"  {t['tag']:28s} {t['held']:5d}   {_pct(t['recall1'])}   {_pct(t['recall10'])}  "
            f"{_pct(t['coverage'])}  {_pct(t['ceiling'])}  {t['wrong_confident']:5d}"
        )
    out += [
        "",
        "by case tag, inquiries about men not held",
        "  tag                          n     wrong-conf",
    ]
    for t in sorted((t for t in s["by_tag"] if not t["held"]), key=lambda t: -t["wrong_confident"]):
        out.append(f"  {t['tag']:28s} {t['n']:5d}  {t['wrong_confident']:5d}")
    mixed = [t for t in s["by_tag"] if t["held"] and t["held"] < t["n"]]
    if mixed:
        out.append(
            "  (tags seen on both: "
            + ", ".join(
                f"{t['tag']} {t['n'] - t['held']} not held / {t['wrong_confident']} wrong-conf overall"
                for t in sorted(mixed, key=lambda t: -t["wrong_confident"])[:12]
            )
            + ")"
        )
    if s["wrong"]:
        persons = {p["person_ref"]: p for p in _read(d / "persons.csv")}
        inquiries = {q["query_ref"]: q for q in _read(d / "inquiries.csv")}
        out += ["", f"every wrong confident answer ({len(s['wrong'])})"]
        for w in s["wrong"]:
            q = inquiries.get(w["query_ref"], {})
            named = persons.get(w["person_ref"], {})
            true = persons.get(w["truth_person_ref"], {})
            out.append("")
            out.append(
                f"{w['query_ref']}  rank {w['rank']}  p={w['probability']:.4f}  "
                f"named {w['person_ref']}  truth {w['truth_person_ref'] or '(not registered)'}"
            )
            out.append(f"  cases: {w['cases']}")
            head = "true person" if true else ""
            out.append(f"  {'field':16s} {'inquiry':34s} {'named person':34s} {head}")
            for f in SIDE_FIELDS:
                out.append(f"  {f:16s} {q.get(f, ''):34s} {named.get(f, ''):34s} {true.get(f, '')}")
            for f in INQ_ONLY:
                out.append(f"  {f:16s} {q.get(f, ''):34s}")
            for f in REG_ONLY:
                out.append(f"  {f:16s} {'':34s} {named.get(f, ''):34s} {true.get(f, '')}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--results", type=Path, default=None, help="default: DIR/trace-results.csv")
    ap.add_argument(
        "--json",
        nargs="?",
        const="",
        default=None,
        metavar="PATH",
        help="also write the figures as JSON (default path DIR/score.json)",
    )
    a = ap.parse_args(argv)
    s = score(a.dir, a.results or a.dir / "trace-results.csv")
    print(report(a.dir, s))
    if a.json is not None:
        path = Path(a.json) if a.json else a.dir / "score.json"
        path.write_text(json.dumps(s, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
