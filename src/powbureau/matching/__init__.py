"""The matching engine: is the man a family asks about registered, and which record is he?

Shaped like Splink: scoring settings as a dataclass saved as JSON (``settings.json``,
produced by ``bench/train_matching.py``), a :class:`CandidateIndex` base with backends
(``powbureau.store.match_index`` for SQLite and PostgreSQL, :class:`MemoryCandidateIndex`
for tests), and one public entry point, :func:`find_candidates`; the registration
service's duplicate check calls :func:`find_duplicates`. Pure code: no SQLAlchemy here.

Modules: ``profile`` (normalised comparison values), ``keys`` (candidate keys),
``compare`` (comparison levels), ``settings``, ``scoring`` (Fellegi-Sunter weights and
the posterior), ``prior`` (the share of inquiries about men not registered, estimated by
EM), ``index``, ``query`` (inquiries, free text), ``engine``; ``namesakes`` (how likely a
namesake is, for reconciliation's reading of a full-name-only match).
See docs/tracing.md for the method and its limits.
"""

from __future__ import annotations

from powbureau.matching.compare import COMPARISONS, FIELD_LABELS, LEVELS, compare_all
from powbureau.matching.engine import find_candidates, find_duplicates, inquiry_weights
from powbureau.matching.index import BatchCandidateIndex, CandidateIndex, MemoryCandidateIndex
from powbureau.matching.keys import query_keys, registry_keys
from powbureau.matching.prior import InquiryWeights, PriorEstimate, estimate_prior
from powbureau.matching.profile import (
    PROFILE_COLUMNS,
    Profile,
    profile_from_fields,
    profile_from_row,
    profile_row,
)
from powbureau.matching.query import TraceQuery, parse_birth, query_from_text
from powbureau.matching.scoring import Candidate, FieldComparison, Scorer, posterior
from powbureau.matching.settings import (
    ComparisonSettings,
    LevelSettings,
    MatchSettings,
    default_settings,
)

__all__ = [
    "COMPARISONS",
    "FIELD_LABELS",
    "LEVELS",
    "PROFILE_COLUMNS",
    "BatchCandidateIndex",
    "Candidate",
    "CandidateIndex",
    "ComparisonSettings",
    "FieldComparison",
    "InquiryWeights",
    "LevelSettings",
    "MatchSettings",
    "MemoryCandidateIndex",
    "PriorEstimate",
    "Profile",
    "Scorer",
    "TraceQuery",
    "compare_all",
    "default_settings",
    "estimate_prior",
    "find_candidates",
    "find_duplicates",
    "inquiry_weights",
    "parse_birth",
    "posterior",
    "profile_from_fields",
    "profile_from_row",
    "profile_row",
    "query_from_text",
    "query_keys",
    "registry_keys",
]
