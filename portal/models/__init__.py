"""All models, imported here so Alembic sees every table."""

from portal.models.agencies import Agency, AgencyDossier, AgencyFocalPoint
from portal.models.audit import AuditEvent
from portal.models.contests import (
    Contest,
    FileSlot,
    Genre,
    PrizeCategory,
    PrizeLevel,
    PrizeQuota,
)
from portal.models.entries import Entry, EntryAuthor, EntryFile, EntryPart, ReferenceCounter
from portal.models.judging import (
    Assignment,
    ConflictDeclaration,
    Criterion,
    Panel,
    Round,
    RoundEntry,
    Score,
    ScoreSheet,
    panel_genres,
    panel_judges,
)
from portal.models.outbox import OutboxMail
from portal.models.results import Award, CategoryAward, NationalDossier, ResultSnapshot
from portal.models.users import Membership, User, UserSession, normalize_email

__all__ = [
    "Agency", "AgencyDossier", "AgencyFocalPoint",
    "Assignment", "AuditEvent", "Award", "CategoryAward", "ConflictDeclaration", "Contest",
    "Criterion", "Entry", "EntryAuthor", "EntryFile", "EntryPart", "FileSlot", "Genre",
    "Membership", "NationalDossier", "OutboxMail", "Panel", "PrizeCategory", "PrizeLevel",
    "PrizeQuota", "ReferenceCounter", "ResultSnapshot", "Round", "RoundEntry", "Score",
    "ScoreSheet", "User", "UserSession", "normalize_email", "panel_genres", "panel_judges",
]
