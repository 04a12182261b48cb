"""Gold question formats: the seed format and RealTime QA's, read into one shape."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from index.errors import LoadError


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    evidence: str | None = None
    answerable: bool = True
    choices: tuple[str, ...] = ()
    answer_idx: tuple[int, ...] = ()
    gold_doc_ids: tuple[str, ...] = ()
    question_date: str | None = None
    # the question's own search results: when set, retrieval searches only these articles
    search_doc_ids: tuple[str, ...] = ()


def read_gold(path: str | Path) -> list[GoldQuestion]:
    """Read a JSONL gold file in either format; a bad line raises ``LoadError`` naming it."""
    out = []
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise LoadError(str(p), f"cannot read gold file ({exc.strerror})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            answers = r.get("answers", r.get("gold_answers", []))
            out.append(GoldQuestion(
                id=str(r.get("id", n)), question=r["question"],
                answers=tuple(answers or ()),
                evidence=r.get("evidence"),
                answerable=bool(r.get("answerable", bool(answers))),
                choices=tuple(r.get("choices") or ()),
                answer_idx=tuple(r.get("answer_idx") or ()),
                gold_doc_ids=tuple(r.get("gold_doc_ids") or ()),
                question_date=r.get("question_date"),
                search_doc_ids=tuple(r.get("search_doc_ids") or ()),
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise LoadError(f"{p} line {n}", f"not a gold question ({exc})") from exc
    return out
