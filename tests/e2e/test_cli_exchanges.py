"""``powbureau exchange ...`` from outside: a whole exchange through the command line, on both
databases, with JSON out, exit codes, and the list for the other party written to a file."""

from __future__ import annotations

from pathlib import Path

from cli_support import Cli

from builders import People, read_csv, write_csv

LIST_COLUMNS = (
    "list_ref",
    "list_kind",
    "surname",
    "given_name",
    "birth_date",
    "service_number",
    "claimed_state",
)


def test_an_exchange_from_creation_to_the_list_for_the_other_party(cli: Cli, tmp_path: Path) -> None:
    people = People(70)
    held = []
    for _ in range(4):
        fields = people.fields(nationality="RU", captured_on="2023-02")
        held.append(
            cli.ok(
                "register",
                "--surname",
                str(fields["surname"]),
                "--given-name",
                str(fields["given_name"]),
                "--birth-date",
                str(fields["birth_date"]),
                "--nationality",
                "RU",
                "--captured-on",
                "2023-02",
                "--json",
            ).json()["person_id"]
        )
    own = people.fields(nationality="UA")
    missing = cli.ok(
        "register",
        "--surname",
        str(own["surname"]),
        "--given-name",
        str(own["given_name"]),
        "--birth-date",
        "1993-04-05",
        "--service-number",
        "UA-100200",
        "--category",
        "missing",
        "--json",
    ).json()["person_id"]

    exchange = cli.ok(
        "exchange",
        "create",
        "--party",
        "Russian Federation",
        "--power",
        "RU",
        "--formula",
        "one_for_one",
        "--count",
        "4",
        "--on",
        "2024-07",
        "--place",
        "border point",
        "--json",
    ).json()["exchange_id"]
    usage = cli("exchange", "create", "--party", "x", "--count", "3")
    assert usage.code == 2 and "formula" in usage.err

    # the other side's held list names our missing man
    held_list = write_csv(
        tmp_path / "held.csv",
        [
            {
                "list_ref": "R-1",
                "list_kind": "held",
                "surname": str(own["surname"]),
                "given_name": str(own["given_name"]),
                "birth_date": "1993-04-05",
                "service_number": "UA-100200",
                "claimed_state": "held",
            }
        ],
        LIST_COLUMNS,
    )
    imported = cli.ok(
        "exchange", "import-list", exchange, str(held_list), "--dated", "2024-06-01", "--json"
    ).json()
    assert (
        imported["list"] == "their-held"
        and imported["version"] == 1
        and imported["statuses"] == {"matched": 1}
    )
    again = cli.ok("exchange", "import-list", exchange, str(held_list))
    assert "nothing written" in again.out
    rows = cli.ok("exchange", "rows", exchange, "their-held", "--json").json()
    assert rows["rows"][0]["person_id"] == missing
    settled = cli.ok(
        "exchange", "settle", exchange, "their-held", "R-1", "--note", "number agrees", "--json"
    ).json()
    assert settled["event_kind"] == "reported_held_by_adversary"
    assert cli.ok("show", missing, "--json").json()["status"] == "held_by_adversary"
    asked = cli.ok("exchange", "request", exchange, "--all-reported-held", "--json").json()
    assert (asked["list"], asked["version"], asked["added"]) == ("our-request", 1, [missing])
    cli.ok("exchange", "party-list", exchange, "--which", "request", "--out", str(tmp_path / "we-ask.csv"))
    assert [r["list_ref"] for r in read_csv(tmp_path / "we-ask.csv")[1]] == [missing]

    # one man will not go back; the proposal shows him held back and the shortfall
    cli.ok(
        "exchange",
        "wish",
        held[2],
        "--wish",
        "not_return",
        "--heard-by",
        "ICRC delegate",
        "--heard-on",
        "2024-05-02",
        "--language",
        "ru",
        "--in-private",
        "--fears-persecution",
    )
    cli.ok("exchange", "medical", held[0], "--category", "seriously_wounded", "--fit")
    refused = cli("exchange", "medical", missing, "--category", "seriously_wounded", "--fit")
    assert refused.code == 1 and "only for persons we hold" in refused.err
    proposed = cli.ok("exchange", "propose", exchange, "--json").json()
    assert proposed["chosen"][0]["person_id"] == held[0]
    assert held[2] not in [c["person_id"] for c in proposed["chosen"]]
    assert proposed["shortfall"] == [
        {"category": "any", "wanted": 4, "chosen": 3, "missing": 1, "blocked_by": [held[2]]}
    ]
    text = cli.ok("exchange", "show", exchange)
    assert "shortfall" in text.out and "non-refoulement" in text.out

    # the negotiator takes one off, agrees, and writes the list for the other party
    off = proposed["chosen"][-1]["person_id"]
    cli.ok("exchange", "edit", exchange, "--remove", off, "--reason", "kept as a witness")
    assert cli("exchange", "state", exchange, "executed").code == 2
    cli.ok("exchange", "state", exchange, "negotiating")
    version = cli.ok("exchange", "show", exchange, "--json").json()["version"]
    stale = cli("exchange", "terms", exchange, "--place", "КПП-4", "--expected-version", str(version + 1))
    assert stale.code == 1 and "version" in stale.err
    moved = cli.ok(
        "exchange", "terms", exchange, "--place", "КПП-4", "--reason", "the road is shelled",
        "--expected-version", str(version),
    )  # fmt: skip
    assert f"version {version + 1}" in moved.out
    logged = cli.ok("exchange", "show", exchange, "--json").json()["history"][-1]
    assert (logged["action"], logged["detail"]["reason"], logged["detail"]["place"]) == (
        "terms",
        "the road is shelled",
        "КПП-4",
    )
    cli.ok("exchange", "state", exchange, "agreed", "--reason", "signed at the border")
    not_now = cli("exchange", "edit", exchange, "--add", off, "--reason", "back on")
    assert not_now.code == 1 and "fixed" in not_now.err
    out = tmp_path / "for-them.csv"
    assert "wrote 2 names" in cli.ok("exchange", "party-list", exchange, "--out", str(out)).out
    header, written = read_csv(out)
    assert "reason" not in header
    assert {r["list_ref"] for r in written} == {c["person_id"] for c in proposed["chosen"]} - {off}
    assert "ICRC" not in out.read_text(encoding="utf-8")
    shown = cli.ok("exchange", "show", exchange, "--json").json()
    assert shown["state"] == "agreed" and [h["action"] for h in shown["proposal_history"]][-1] == "removed"
    listed = cli.ok("exchange", "list", "--state", "agreed", "--json").json()["exchanges"]
    assert [e["id"] for e in listed] == [exchange]
    assert cli.ok("verify").out.startswith("ok")
