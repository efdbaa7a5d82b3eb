"""The words the UI shows for the registry's coded values (categories, statuses, event
kinds, case and exchange states), marked for the catalogues. Templates call
``label(group, value)``; a value without a label is shown as stored."""

from __future__ import annotations

from powbureau.i18n import N_

__all__ = ["LABELS", "label_of"]


LABELS: dict[str, dict[str, str]] = {
    "category": {
        "pow": N_("prisoner of war"),
        "civilian_internee": N_("civilian internee"),
        "missing": N_("missing"),
        "deceased": N_("deceased"),
    },
    "custody": {"ours": N_("held by us"), "own": N_("our own people")},
    "status": {
        "registered": N_("registered"),
        "held": N_("held"),
        "hospitalised": N_("in hospital"),
        "escaped": N_("escaped"),
        "released": N_("released"),
        "exchanged": N_("exchanged"),
        "repatriated": N_("repatriated"),
        "deceased": N_("deceased"),
        "remains_returned": N_("remains returned"),
        "missing": N_("missing"),
        "held_by_adversary": N_("held by the other side"),
        "reported_dead": N_("reported dead"),
    },
    "event": {
        "captured": N_("captured"),
        "registered": N_("registered"),
        "transferred": N_("transferred"),
        "hospitalised": N_("taken to hospital"),
        "discharged": N_("discharged from hospital"),
        "released": N_("released"),
        "exchanged": N_("exchanged"),
        "repatriated": N_("repatriated"),
        "escaped": N_("escaped"),
        "recaptured": N_("recaptured"),
        "died": N_("died"),
        "remains_returned": N_("remains returned"),
        "reported_missing": N_("reported missing"),
        "reported_held_by_adversary": N_("reported held by the other side"),
        "reported_dead": N_("reported dead"),
        "identity_corrected": N_("identity corrected"),
        "merged": N_("merged"),
        "unmerged": N_("unmerged"),
        "retracted": N_("retracted"),
        "repatriation_wish_recorded": N_("wish about repatriation recorded"),
        "proceedings_recorded": N_("proceedings recorded"),
        "medical_category_recorded": N_("medical category recorded"),
    },
    "case": {
        "received": N_("received"),
        "acknowledged": N_("acknowledged"),
        "awaiting_details": N_("awaiting details"),
        "under_review": N_("under review"),
        "answered": N_("answered"),
        "new_answer_due": N_("new answer due"),
        "closed": N_("closed"),
    },
    "exchange": {
        "proposed": N_("proposed"),
        "negotiating": N_("negotiating"),
        "agreed": N_("agreed"),
        "executed": N_("executed"),
        "closed": N_("closed"),
    },
    "formula": {
        "one_for_one": N_("one for one"),
        "all_wounded": N_("all the wounded and sick"),
        "per_category": N_("so many per category"),
    },
    "criterion": {
        "requested": N_("asked for by the other party"),
        "civilians": N_("civilians first"),
        "oldest": N_("the oldest first"),
        "women": N_("women first"),
    },
    "medical": {
        "seriously_wounded": N_("seriously wounded (direct repatriation)"),
        "seriously_sick": N_("seriously sick (direct repatriation)"),
        "neutral_accommodation": N_("accommodation in a neutral country"),
        "wounded_or_sick": N_("wounded or sick, under treatment"),
        "able_bodied": N_("able-bodied"),
        "pending": N_("not decided yet"),
        "any": N_("any category"),
    },
    "reconciliation": {
        "matched": N_("matched"),
        "ambiguous": N_("ambiguous: an officer chooses"),
        "not_held": N_("not held"),
        "already_released": N_("already released"),
        "deceased": N_("deceased"),
    },
    "decision": {
        "pending": N_("to decide"),
        "confirmed": N_("confirmed"),
        "rejected": N_("rejected"),
    },
    "change": {
        "added": N_("added"),
        "changed": N_("changed"),
        "removed": N_("removed"),
        "unchanged": N_("unchanged"),
    },
    "block": {
        "not_ours": N_("one of our own people"),
        "no_longer_held": N_("no longer held"),
        "dead": N_("dead"),
        "other_power": N_("another Power"),
        "agreed_elsewhere": N_("agreed in another exchange"),
        "wish": N_("his wish"),
        "proceedings": N_("proceedings (Art. 119)"),
        "not_fit_to_travel": N_("not fit to travel"),
        "unidentified": N_("unidentified"),
        "category_pending": N_("medical category pending"),
    },
    "identity_method": {
        "id_card": N_("identity card (Art. 17)"),
        "identity_document": N_("identity document"),
        "service_number": N_("service number"),
        "identity_disc": N_("identity disc"),
        "fingerprints": N_("fingerprints"),
        "photograph": N_("photograph"),
        "questions": N_("questions on his record"),
        "icrc_card": N_("ICRC card"),
    },
    "medical_state": {
        "fit": N_("fit"),
        "walking_wounded": N_("walking wounded"),
        "seated": N_("seated"),
        "stretcher": N_("stretcher"),
    },
    "outcome": {
        "exchanged": N_("exchanged"),
        "not_exchanged": N_("not exchanged"),
        "not_handed_over": N_("not handed over"),
    },
    "discrepancy": {"absent": N_("absent"), "unexpected": N_("not on the list")},
    "field": {
        "surname": N_("surname"),
        "given_name": N_("given name"),
        "patronymic": N_("patronymic"),
        "birth_date": N_("birth date"),
        "birth_place": N_("birth place"),
        "rank": N_("rank"),
        "unit": N_("unit"),
        "service_number": N_("service number"),
        "mother_name": N_("mother's name"),
        "father_name": N_("father's name"),
        "nationality": N_("nationality"),
        "description": N_("description"),
    },
    "case_action": {
        "opened": N_("case opened"),
        "inquirer_added": N_("inquirer added"),
        "candidates_found": N_("candidates found"),
        "state": N_("state changed"),
        "confirmation_proposed": N_("confirmation proposed, awaiting a second officer"),
        "match_confirmed": N_("match confirmed"),
        "candidate_rejected": N_("candidate rejected"),
        "inquirer_verified": N_("inquirer verified"),
        "answered": N_("answered"),
        "assigned": N_("assigned"),
        "mail_transcribed": N_("e-mail transcribed"),
        "news": N_("news of the man"),
    },
    "channel": {
        "web": N_("web form"),
        "email": N_("e-mail"),
        "phone": N_("telephone"),
        "letter": N_("letter"),
        "in_person": N_("in person"),
        "list": N_("list"),
    },
    "place": {
        "camp": N_("camp"),
        "hospital": N_("hospital"),
        "transit": N_("transit point"),
        "other": N_("other"),
    },
}


def label_of(group: str, value: object, gettext: object = None) -> str:
    """The label of ``value`` in ``group``, translated by ``gettext`` when given."""
    text = LABELS.get(group, {}).get(str(value))
    if text is None:
        return "" if value is None else str(value)
    return gettext(text) if callable(gettext) else text
