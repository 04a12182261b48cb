from __future__ import annotations

from assistant.conversation import needs_context, standalone

H = [("Who asked US diplomats to leave?", "Russian negotiators ... [1]")]


def test_follow_ups_are_joined_to_the_previous_question():
    assert standalone(H, "And where did that meeting take place?") == \
        "Who asked US diplomats to leave? Where did that meeting take place?"
    msgs = [{"role": "user", "content": "Who asked US diplomats to leave?"},
            {"role": "assistant", "content": "..."}]
    assert standalone(msgs, "Where was it?").startswith("Who asked US diplomats")


def test_self_contained_questions_stand_alone():
    q = "Which Kremlin aide briefed reporters about the call?"
    assert not needs_context(q)
    assert standalone(H, q) == q
    assert standalone([], "Where did that meeting take place?") == \
        "Where did that meeting take place?"
