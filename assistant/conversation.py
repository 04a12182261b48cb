"""Follow-up questions -> standalone questions.

Without an LLM, a follow-up that leans on the conversation (a pronoun or demonstrative such as
"that meeting", "it", "there", or a leading "And ...") is made standalone by joining it to the
previous user question, so retrieval sees both. (An LLM rewrite is not implemented yet.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.types import Turn

# Words that point back into the conversation. "the call" is not one of them: a question that
# names its own subject ("Which aide briefed reporters about the call?") stands alone.
_DEICTIC = re.compile(
    r"\b(that|this|these|those|it|its|they|them|their|there|he|him|his|she|her|such)\b"
    r"(?!\s+(?:is|was)\s+(?:the|a)\b)", re.I)
_LEAD = re.compile(r"^\s*(and|but|also|so|what about|how about|then)\b[\s,]*", re.I)


def user_turns(history: Sequence[Turn]) -> list[str]:
    """User messages from history given as ``[(user, bot), ...]`` or ``[{"role", "content"}]``."""
    out: list[str] = []
    for item in history or []:
        if isinstance(item, dict):
            if item.get("role") == "user" and isinstance(item.get("content"), str):
                out.append(item["content"])
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(item[0])
    return [t for t in out if t.strip()]


def needs_context(question: str) -> bool:
    q = question.strip()
    return bool(_LEAD.match(q) or _DEICTIC.search(q)) or len(q.split()) <= 3


def standalone(history: Sequence[Turn], question: str) -> str:
    """A question that can be retrieved on its own."""
    prev = user_turns(history)
    if not prev or not needs_context(question):
        return question.strip()
    core = _LEAD.sub("", question.strip())
    core = core[:1].upper() + core[1:]
    return f"{prev[-1].strip()} {core}"
