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
