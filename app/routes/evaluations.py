"""Before/after evaluation of an operation (stored, retrievable by id)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.deps import PartnerDep, ServiceDep
from app.evaluation_service import EvaluationRequest, read_evaluation, run_evaluation

router = APIRouter(prefix="/evaluations", tags=["evaluations"])


@router.post("", status_code=201)
def create_evaluation(req: EvaluationRequest, svc: ServiceDep, who: PartnerDep) -> dict[str, Any]:
    """Evaluate an operation: before/after, control, displacement (WDQ, WDD), significance."""
    return run_evaluation(svc, who, req)


@router.get("/{evaluation_id}")
def get_evaluation(evaluation_id: Annotated[str, Path(max_length=36)], svc: ServiceDep, who: PartnerDep) -> dict[str, Any]:
    """A stored evaluation (a partner key reads its own agency's evaluations only)."""
    return read_evaluation(svc, who, evaluation_id)
