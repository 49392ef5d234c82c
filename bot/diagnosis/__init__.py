"""The diagnosis engine: pure functions from a pasted text to what is wrong and how to fix it.

normalise (`normalize`) -> signals and fal-or-not evidence (`evidence`) -> retrieval and scoring
(`similarity`, `diagnose`) against the knowledge base (`knowledge`). Nothing here knows Slack, the
network or the live status; the rest of the app uses the names exported below.
"""

from bot.diagnosis.diagnose import Diagnoser, Diagnosis, Match, warm_for_many_pastes
from bot.diagnosis.knowledge import (
    CATEGORIES,
    ID_PATTERN,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    default_knowledge_dir,
    load_knowledge,
    read_entries,
    read_knowledge,
)

__all__ = [
    "CATEGORIES",
    "ID_PATTERN",
    "Diagnoser",
    "Diagnosis",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Match",
    "default_knowledge_dir",
    "load_knowledge",
    "read_entries",
    "read_knowledge",
    "warm_for_many_pastes",
]
