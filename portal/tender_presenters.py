"""What the tender pages show, shaped from the read models for one viewer, so the views and
templates hold no rules of their own."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class BidScoring:
    """An opened bid as one member of the evaluation panel sees it: their part on the panel
    (``"moderator"``, ``"evaluator"`` or None for anyone else), the scores their form starts
    from, the form's fields and the recorded scores they may read."""

    role: str | None
    form_values: dict[str, str]
    fields: set[str]
    shown: list[dict]

    @classmethod
    def of(cls, tender: dict, bid: dict, scores: list[dict], user: UUID | None) -> BidScoring:
        role = ("moderator" if tender["moderator"] == user
                else "evaluator" if user in {UUID(e) for e in tender["evaluators"]} else None)
        mine = next((s["scores"] for s in scores if s["evaluator_id"] == user), None)
        agreed = bid["agreed_scores"]
        # The moderator starts from the agreed scores once there are some, else from their own.
        start = agreed if role == "moderator" and agreed else mine
        fields = {f"score-{q['question_id']}" for q in tender["quality_questions"]}
        # Evaluators score independently: each sees only their own scores until agreed.
        shown = [s for s in scores if role != "evaluator" or s["evaluator_id"] == user]
        return cls(role=role,
                   form_values={f"score-{k}": str(v) for k, v in (start or {}).items()},
                   fields=fields | {"scores"}, shown=shown)
