"""``powbureau exchange ...``: exchanges of prisoners from the command line (a thin layer over
``services.exchanges``): create, import the other party's lists, settle rows, record a man's
wish, proceedings and medical category, propose and edit the list, move the state, and write
the list for the other party. ``reconcile``, ``execute`` and ``report`` live elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from powbureau.domain.exchanges import Formula
from powbureau.services import exchanges

exchange_core_app = typer.Typer(
    help="Exchanges of prisoners: lists, reconciliation, the proposed list, agreement.", no_args_is_help=True
)

#: The states an exchange is moved to by hand; ``executed`` is recorded by ``exchange execute``.
_BY_HAND = ("negotiating", "agreed", "closed")


def _cli() -> Any:
    from powbureau import cli  # the shared plumbing: --db, errors, output

    return cli


def _formula(kind: str | None, count: int | None, categories: list[str] | None) -> Formula | None:
    """The formula the options give, or None when no --formula was given."""
    cli = _cli()
    if kind is None:
        if count is not None or categories:
            cli._fail("--count and --category go with --formula", 2)
        return None
    numbers: dict[str, int] = {}
    for item in categories or []:
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            cli._fail(f"--category needs CATEGORY=NUMBER, got {item!r}", 2)
        numbers[name.strip()] = int(value)
    return Formula.of(kind, count=count, per_category=numbers or None)


def _criteria(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


FormulaOption = Annotated[
    str | None, typer.Option("--formula", help="one_for_one, all_wounded or per_category")
]
CountOption = Annotated[
    int | None, typer.Option("--count", help="For one_for_one: how many men each side hands over.")
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option(
        "--category",
        help="For per_category: CATEGORY=NUMBER (repeat): seriously_wounded, seriously_sick, "
        "neutral_accommodation, wounded_or_sick, able_bodied.",
    ),
]
CriteriaOption = Annotated[
    str | None,
    typer.Option(
        "--criteria",
        help="After the medical tier and length of captivity, in order, comma-separated: "
        "requested, civilians, oldest, women.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@exchange_core_app.command("create")
def create(
    party: Annotated[str, typer.Option(help="The other party.")],
    formula: FormulaOption = None,
    count: CountOption = None,
    category: CategoryOption = None,
    power: Annotated[
        str | None,
        typer.Option(help="The other party's Power (RU, UA, ...): only men depending on it are offered."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="A title for people.")] = None,
    criteria: CriteriaOption = None,
    on: Annotated[
        str | None, typer.Option("--on", help="The date foreseen: YYYY, YYYY-MM or YYYY-MM-DD.")
    ] = None,
    place: Annotated[str | None, typer.Option(help="Where: the crossing point.")] = None,
    officer: Annotated[str | None, typer.Option(help="The officer who answers for the exchange.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a proposed exchange: the other party, the formula, date and place."""
    cli = _cli()
    with cli._refusals():
        chosen = _formula(formula, count, category)
        if chosen is None:
            cli._fail("name the formula (--formula one_for_one --count N, all_wounded, or per_category)", 2)
            return
        exchange_id = exchanges.create_exchange(
            uow=cli._uow(),
            party=party,
            formula=chosen,
            created_by=cli._user(),
            power=power,
            title=title,
            criteria=_criteria(criteria) or (),
            planned_on=on,
            place=place,
            assigned_to=officer,
        )
    if as_json:
        cli._print_json({"exchange_id": exchange_id, "state": "proposed"})
    else:
        cli.out.print(exchange_id)


@exchange_core_app.command("list")
def list_(
    state: Annotated[
        str | None, typer.Option(help="proposed, negotiating, agreed, executed or closed")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Exchanges, newest first."""
    cli = _cli()
    with cli._refusals():
        rows = exchanges.list_exchanges(uow=cli._uow(write=False), state=state)
    if as_json:
        cli._print_json({"exchanges": rows})
        return
    table = Table("exchange", "party", "state", "formula", "on", "place", "officer")
    for r in rows:
        table.add_row(
            r["id"],
            r["party"],
            r["state"],
            r["formula_text"],
            r["planned_on"] or "",
            r["place"] or "",
            r["assigned_to"] or "",
        )
    cli.out.print(table)


@exchange_core_app.command("show")
def show(exchange_id: Annotated[str, typer.Argument(metavar="EX")], as_json: JsonOption = False) -> None:
    """An exchange: terms, lists, the proposed list with reasons, exclusions, shortfall.

    Internal: never hand this to the other party (use party-list).
    """
    cli = _cli()
    with cli._refusals():
        view = exchanges.exchange_view(
            uow=cli._uow(write=False), reader=cli._reader(exchange_id), exchange_id=exchange_id
        )
    if as_json:
        cli._print_json(view)
        return
    esc = cli._escape
    power = f" ({view['power']})" if view["power"] else ""
    cli.out.print(
        f"{view['id']} {esc(view['title'])}: {view['state']} (version {view['version']}); "
        f"party {esc(view['party'])}{power}; {view['formula_text']}"
    )
    if view["criteria"]:
        cli.out.print(f"  criteria: {', '.join(view['criteria'])}")
    if view["planned_on"] or view["place"]:
        cli.out.print(f"  on {view['planned_on'] or '?'} at {esc(view['place'] or '?')}")
    if view["assigned_to"]:
        cli.out.print(f"  officer: {esc(view['assigned_to'])}")
    for lst in view["lists"]:
        for v in lst["versions"]:
            statuses = ", ".join(f"{k} {n}" for k, n in sorted(v["statuses"].items()))
            cli.out.print(
                f"  list {lst['name']} v{v['number']} ({esc(v['file_name'])}): {v['rows']} rows, "
                f"+{v['added']} ~{v['changed']} -{v['removed']}, {v['reconciled']} reconciled; "
                f"{statuses}; {v['pending']} pending"
            )
    if view["proposal"]:
        table = Table("#", "registry id", "name", "born", "category", "why")
        for p in view["proposal"]:
            name = " ".join(x for x in (p.get("surname"), p.get("given_name"), p.get("patronymic")) if x)
            table.add_row(
                str(p["position"]),
                p["person_id"],
                esc(name),
                p.get("birth_date") or "",
                p["category"],
                esc(p["reason"]),
            )
        cli.out.print(table)
    for s in view["shortfall"]:
        who = "; ".join(
            f"{b['person_id']} ({', '.join(r['reason'] for r in b['reasons'])})" for b in s["blocked_by"]
        )
        cli.out.print(
            f"[red]shortfall[/] {s['category']}: {s['chosen']} of {s['wanted']}, {s['missing']} missing"
            + (f"; held back: {esc(who)}" if who else "")
        )
    for e in view["excluded"]:
        reasons = "; ".join(r["reason"] for r in e["reasons"])
        cli.out.print(f"  excluded {e['person_id']} ({e['category']}): {esc(reasons)}")


@exchange_core_app.command("import-list")
def import_list(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    file: Annotated[Path, typer.Argument(help="exchange-list.csv from the other party")],
    list_name: Annotated[
        str | None,
        typer.Option("--list", help="The list's name (default their-<kind> when the file has one kind)."),
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="The file's encoding if not UTF-8 (cp1251, koi8-r).")
    ] = None,
    dated: Annotated[str | None, typer.Option(help="The date the list speaks of (YYYY[-MM[-DD]]).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Take in the next version of one of the other party's lists.

    Rows are compared with the version before by list_ref; only added and changed rows are
    reconciled again.
    """
    cli = _cli()
    with cli._refusals():
        summary = exchanges.import_list(
            uow=cli._uow(),
            reader=cli._reader(exchange_id),
            exchange_id=exchange_id,
            path=file,
            imported_by=cli._user(),
            list_name=list_name,
            encoding=encoding,
            dated=dated,
        )
    if as_json:
        cli._print_json(summary.as_dict())
        return
    if not summary.new_version:
        cli.out.print(f"{file.name} is v{summary.version} of {summary.list_name} again: nothing written")
        return
    statuses = ", ".join(f"{k} {n}" for k, n in sorted(summary.statuses.items()))
    cli.out.print(
        f"{summary.list_name} v{summary.version}: {summary.rows} rows; {len(summary.added)} added, "
        f"{len(summary.changed)} changed, {len(summary.removed)} removed, {summary.unchanged} unchanged; "
        f"{summary.reconciled} reconciled; {statuses}"
    )


@exchange_core_app.command("rows")
def rows(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    list_name: Annotated[str, typer.Argument(metavar="LIST")],
    version: Annotated[
        int | None, typer.Option(min=1, max=1_000_000, help="The version (default the latest).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """A list's rows with their reconciliation, decisions and what changed since the version before."""
    cli = _cli()
    with cli._refusals():
        view = exchanges.list_view(
            uow=cli._uow(write=False),
            reader=cli._reader(exchange_id),
            exchange_id=exchange_id,
            list_name=list_name,
            number=version,
        )
    if as_json:
        cli._print_json(view)
        return
    esc = cli._escape
    cli.out.print(f"{view['list']} v{view['version']} of {view['versions']} ({esc(view['file_name'])})")
    table = Table("line", "list_ref", "kind", "name", "change", "status", "decision", "why")
    for r in view["rows"]:
        f = r["fields"]
        name = " ".join(x for x in (f.get("surname"), f.get("given_name"), f.get("patronymic")) if x)
        change = r["change"]
        if r.get("differences"):
            change += ": " + ", ".join(r["differences"])
        decision = r["decision"] + (f" {r['decided_person_id']}" if r["decided_person_id"] else "")
        why = r["reason"] + (f"; ask for {', '.join(r['separating'])}" if r["separating"] else "")
        table.add_row(
            str(r["line"]),
            esc(r["list_ref"]),
            r["list_kind"],
            esc(name),
            change,
            r["status"],
            decision,
            esc(why),
        )
    cli.out.print(table)
    for r in view["removed"]:
        cli.out.print(f"  removed since v{view['version'] - 1}: {esc(r['list_ref'])}")


@exchange_core_app.command("settle")
def settle(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    list_name: Annotated[str, typer.Argument(metavar="LIST")],
    list_ref: Annotated[str, typer.Argument(metavar="LIST_REF")],
    person: Annotated[
        str | None, typer.Option(help="The man this row is (one of the candidates, or one you found).")
    ] = None,
    reject: Annotated[bool, typer.Option("--reject", help="None of the candidates is he.")] = False,
    note: Annotated[str, typer.Option(help="What you checked.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Confirm a row's match, pick among ambiguous candidates, or reject it.

    Confirming a row of the other side's held list or offer writes the news of our own
    man (reported held, or reported dead) and makes an answer due to his family.
    """
    cli = _cli()
    if reject and person:
        cli._fail("--reject and --person exclude each other", 2)
    with cli._refusals():
        done = exchanges.settle_row(
            uow=cli._uow(),
            exchange_id=exchange_id,
            list_name=list_name,
            list_ref=list_ref,
            officer=cli._user(),
            person_ref=person,
            reject=reject,
            note=note,
        )
    for warning in done.warnings:
        cli.err.print(f"warning: {cli._escape(warning)}")
    if as_json:
        cli._print_json(done.as_dict())
        return
    line = f"{list_name} v{done.version} {list_ref}: {done.decision}" + (
        f" as {done.person_id}" if done.person_id else ""
    )
    if done.event_id:
        line += f"; event #{done.event_id} {done.event_kind}"
    if done.answers_due:
        line += f"; answer due in {', '.join(done.answers_due)}"
    cli.out.print(line)


@exchange_core_app.command("propose")
def propose(exchange_id: Annotated[str, typer.Argument(metavar="EX")], as_json: JsonOption = False) -> None:
    """Propose the list from the formula and the men we hold.

    Shows the reason for each choice and exclusion, or the shortfall per category and who
    holds it back.
    """
    cli = _cli()
    with cli._refusals():
        result = exchanges.propose(
            uow=cli._uow(), reader=cli._reader(exchange_id), exchange_id=exchange_id, proposed_by=cli._user()
        )
    if as_json:
        cli._print_json(result.as_dict())
        return
    p = result.proposal
    cli.out.print(
        f"{exchange_id}: {len(p.chosen)} proposed ({p.formula.describe()}), {len(p.reserve)} in reserve"
    )
    for i, c in enumerate(p.chosen, start=1):
        cli.out.print(f"  {i}. {c.person_id} ({c.category.value}): {cli._escape(c.reason)}")
    for s in p.shortfall:
        cli.out.print(
            f"[red]shortfall[/] {s.category}: {s.chosen} of {s.wanted}, {s.missing} missing; "
            f"held back: {', '.join(s.blocked_by) or 'nobody (not enough men)'}"
        )
    for e in p.excluded:
        cli.out.print(f"  excluded {e.person_id} ({e.category.value}): {cli._escape(e.reason)}")


@exchange_core_app.command("edit")
def edit(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    reason: Annotated[str, typer.Option(help="Why the list changes (kept in its log).")],
    add: Annotated[list[str] | None, typer.Option("--add", help="A man to put on the list (repeat).")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="A man to take off (repeat).")] = None,
    expected_version: Annotated[
        int | None,
        typer.Option("--expected-version", help="Refuse if the exchange changed since this version."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Edit the proposed list by hand; every change is logged with who, when and why."""
    cli = _cli()
    with cli._refusals():
        now = exchanges.edit_proposal(
            uow=cli._uow(),
            exchange_id=exchange_id,
            by=cli._user(),
            reason=reason,
            add=add or [],
            remove=remove or [],
            expected_version=expected_version,
        )
    if as_json:
        cli._print_json({"exchange_id": exchange_id, "proposal": now})
    else:
        cli.out.print(f"{exchange_id}: {len(now)} on the proposed list")


@exchange_core_app.command("state")
def state(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    to: Annotated[str, typer.Argument(help="negotiating, agreed or closed (executed: `exchange execute`)")],
    reason: Annotated[str, typer.Option(help="Why (kept in the exchange's log).")] = "",
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
) -> None:
    """Move the exchange: negotiating, agreed (freezes the list), or closed."""
    cli = _cli()
    if to not in _BY_HAND:
        cli._fail(f"{to!r}: an exchange is moved by hand to {', '.join(_BY_HAND)}", 2)
    with cli._refusals():
        now = exchanges.move_exchange(
            uow=cli._uow(),
            exchange_id=exchange_id,
            to=to,
            by=cli._user(),
            reason=reason,
            expected_version=expected_version,
        )
    cli.out.print(f"{exchange_id}: {now}")


@exchange_core_app.command("terms")
def terms(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    formula: FormulaOption = None,
    count: CountOption = None,
    category: CategoryOption = None,
    criteria: CriteriaOption = None,
    power: Annotated[str | None, typer.Option(help="The other party's Power.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="The date foreseen.")] = None,
    place: Annotated[str | None, typer.Option(help="The crossing point.")] = None,
    reason: Annotated[str, typer.Option(help="Why the terms change (kept in the exchange's log).")] = "",
    expected_version: Annotated[int | None, typer.Option("--expected-version")] = None,
) -> None:
    """Change the formula, criteria, Power (before agreement), date or place."""
    cli = _cli()
    with cli._refusals():
        version = exchanges.set_terms(
            uow=cli._uow(),
            exchange_id=exchange_id,
            by=cli._user(),
            formula=_formula(formula, count, category),
            criteria=_criteria(criteria),
            power=power,
            planned_on=on,
            place=place,
            expected_version=expected_version,
            reason=reason,
        )
    cli.out.print(f"{exchange_id}: terms changed (version {version})")


@exchange_core_app.command("assign")
def assign(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    officer: Annotated[str, typer.Argument(help="The officer who answers for the exchange.")],
) -> None:
    """Give the exchange to an officer."""
    cli = _cli()
    with cli._refusals():
        exchanges.assign_exchange(uow=cli._uow(), exchange_id=exchange_id, officer=officer, by=cli._user())
    cli.out.print(f"{exchange_id}: assigned to {officer}")


@exchange_core_app.command("party-list")
def party_list(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    out: Annotated[Path, typer.Option("--out", help="Where to write exchange-list.csv for the other party.")],
    draft: Annotated[
        bool, typer.Option("--draft", help="The current proposal's names (an offer under negotiation).")
    ] = False,
    which: Annotated[
        str, typer.Option(help="offer (the agreed names) or request (our own people we ask for)")
    ] = "offer",
) -> None:
    """Write the list for the other party: the agreed names only, never a reason."""
    cli = _cli()
    with cli._refusals():
        written = exchanges.write_other_party_list(
            uow=cli._uow(write=False),
            reader=cli._reader(exchange_id),
            exchange_id=exchange_id,
            path=out,
            draft=draft,
            which=which,
        )
    cli.out.print(f"wrote {written} names to {out}")


@exchange_core_app.command("request")
def request(
    exchange_id: Annotated[str, typer.Argument(metavar="EX")],
    add: Annotated[
        list[str] | None, typer.Option("--add", help="One of our own people to ask for (repeat).")
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Take him off our request (repeat).")
    ] = None,
    all_reported_held: Annotated[
        bool,
        typer.Option(
            "--all-reported-held", help="Ask for every one of ours reported held by the other side."
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the next version of our request list: our own people we ask for."""
    cli = _cli()
    with cli._refusals():
        summary = exchanges.request_our_people(
            uow=cli._uow(),
            exchange_id=exchange_id,
            by=cli._user(),
            add=add or [],
            remove=remove or [],
            all_reported_held=all_reported_held,
        )
    if as_json:
        cli._print_json(summary.as_dict())
        return
    cli.out.print(
        f"{summary.list_name} v{summary.version}: {summary.rows} men; {len(summary.added)} added, "
        f"{len(summary.changed)} changed, {len(summary.removed)} removed"
    )


def _recorded(recorded: Any, as_json: bool) -> None:
    cli = _cli()
    for warning in recorded.warnings:
        cli.err.print(f"warning: {cli._escape(warning)}")
    if as_json:
        cli._print_json(
            {
                "event_id": recorded.event.id,
                "person_id": recorded.event.person_id,
                "version": recorded.version,
            }
        )
    else:
        cli.out.print(
            f"event #{recorded.event.id} {recorded.event.kind} recorded for {recorded.event.person_id}"
        )


@exchange_core_app.command("wish")
def wish(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    wish: Annotated[str, typer.Option(help="return, not_return or undecided")],
    heard_by: Annotated[str, typer.Option("--heard-by", help="Who heard him (name, and ICRC or bureau).")],
    heard_on: Annotated[str, typer.Option("--heard-on", help="When: YYYY[-MM[-DD]].")],
    language: Annotated[str, typer.Option(help="The language he was heard in.")],
    in_private: Annotated[
        bool,
        typer.Option(
            "--in-private/--not-in-private", help="Heard without witnesses from the detaining side."
        ),
    ] = False,
    fears_persecution: Annotated[
        bool, typer.Option("--fears-persecution", help="He fears persecution if sent back.")
    ] = False,
    note: Annotated[str | None, typer.Option(help="What he said, in short.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a man's wish about repatriation; the latest counts."""
    cli = _cli()
    with cli._refusals():
        recorded = exchanges.record_wish(
            uow=cli._uow(),
            ref=ref,
            wish=wish,
            heard_by=heard_by,
            heard_on=heard_on,
            language=language,
            in_private=in_private,
            fears_persecution=fears_persecution,
            recorded_by=cli._user(),
            note=note,
        )
    _recorded(recorded, as_json)


@exchange_core_app.command("proceedings")
def proceedings(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    stage: Annotated[str, typer.Option(help="opened, sentenced or closed")],
    article: Annotated[str, typer.Option(help="The article of GC III.")] = "119",
    reference: Annotated[str | None, typer.Option(help="The case or sentence reference.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="When: YYYY[-MM[-DD]].")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Record criminal proceedings against a man we hold (GC III Art. 119)."""
    cli = _cli()
    with cli._refusals():
        recorded = exchanges.record_proceedings(
            uow=cli._uow(),
            ref=ref,
            stage=stage,
            recorded_by=cli._user(),
            article=article,
            reference=reference,
            occurred_on=on,
            note=note,
        )
    _recorded(recorded, as_json)


@exchange_core_app.command("medical")
def medical(
    ref: Annotated[str, typer.Argument(help="Registry id, SOURCE:person_ref or person_ref.")],
    category: Annotated[
        str,
        typer.Option(
            help="seriously_wounded, seriously_sick, neutral_accommodation, wounded_or_sick, "
            "able_bodied or pending"
        ),
    ],
    fit: Annotated[bool, typer.Option("--fit/--not-fit", help="Fit to travel.")],
    decided_by: Annotated[
        str | None, typer.Option("--decided-by", help="The medical service or mixed medical commission.")
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="When: YYYY[-MM[-DD]].")] = None,
    note: Annotated[str | None, typer.Option(help="Never a diagnosis.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record a man's medical category (Model Agreement, GC III Annex I) and fitness to travel."""
    cli = _cli()
    with cli._refusals():
        recorded = exchanges.record_medical_category(
            uow=cli._uow(),
            ref=ref,
            category=category,
            fit_to_travel=fit,
            recorded_by=cli._user(),
            decided_by=decided_by,
            occurred_on=on,
            note=note,
        )
    _recorded(recorded, as_json)
