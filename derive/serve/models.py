"""Request and response bodies of the HTTP API (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Syntax = Literal["auto", "plain", "latex"]
VerdictName = Literal["equivalent", "not_equivalent", "invalid", "undecided"]


class Question(BaseModel):
    """What an answer is checked against: a result id, or an expected expression and its variables."""

    model_config = ConfigDict(extra="forbid")

    against: str | None = Field(None, max_length=200, description="A result id, e.g. sigmoid.derivative "
                                "(GET /results lists them).", examples=["sigmoid.derivative"])
    expected: str | None = Field(None, max_length=2000, description="Or an expected expression, read with the "
                                 "same safe grammar as answers.", examples=["y_i - t_i"])
    variables: list[str] = Field(default_factory=list, max_length=50, description="With expected: the names it "
                                 "uses, e.g. [\"y_i\", \"t_i\"] or [\"x\"] (default: read off the expression).")
    syntax: Syntax = Field("auto", description="Notation of the answer: plain, latex, or auto-detect.")

    @model_validator(mode="after")
    def _one_question(self):
        if (self.against is None) == (self.expected is None):
            raise ValueError("give exactly one of 'against' (a result id) or 'expected' (an expression)")
        if self.expected is None and self.variables:
            raise ValueError("'variables' goes with 'expected', not with 'against'")
        return self

    def key(self) -> list:
        if self.against is not None:
            return ["result", self.against]
        return ["expected", self.expected, list(self.variables)]


class CheckRequest(Question):
    answer: str = Field(..., description="The answer, plain ('sigma(x)(1-sigma(x))') or LaTeX "
                        "('\\frac{e^{-x}}{(1+e^{-x})^2}'). Never executed.", examples=["sigma(x)*(1-sigma(x))"])
    id: str | None = Field(None, max_length=200, description="Echoed back in the response (for the caller's "
                           "bookkeeping).")


class VerifyRequest(Question):
    derivation: str = Field(..., description="The derivation, one expression per line (later lines start with '='), "
                            "or LaTeX (align*, \\[...\\]) or Markdown ($$ blocks). Never executed.",
                            examples=["sigma(x)(1 - sigma(x))\n= sigma(x) - sigma(x)^2"])
    syntax: Literal["auto", "plain", "latex", "markdown"] = Field("auto", description="Format of the derivation.")
    id: str | None = Field(None, max_length=200, description="Echoed back in the response.")


class PreviewRequest(Question):
    answer: str = Field(..., description="The answer as typed so far.")


class Counterexample(BaseModel):
    point: dict[str, Any] = Field(..., description="Values of the symbols (and the size K, indices).")
    answer: str = Field(..., description="The answer's value there.")
    expected: str = Field(..., description="The expected value there.")


class Verdict(BaseModel):
    """The JSON of ``derive check --json`` (plus the echoed id)."""

    verdict: VerdictName
    message: str
    parsed: str | None = Field(None, description="The answer as read, in LaTeX.")
    counterexample: Counterexample | None = None
    diagnosis: str | None = Field(None, description="The named mistake, e.g. sign_flipped, constant_factor, "
                                  "term_missing.")
    method: str | None = Field(None, description="symbolic+numeric, numeric, parse, limits, timeout, error.")
    id: str | None = None


class StepVerdict(BaseModel):
    index: int = Field(..., description="The expression's place in the chain, from 1.")
    line: int = Field(..., description="Its line in the text.")
    text: str
    latex: str | None = None
    verdict: VerdictName
    message: str
    counterexample: Counterexample | None = None
    diagnosis: str | None = None
    rule: str | None = Field(None, description="The rule that justifies a correct step, when one matches.")
    compared_with: int | None = Field(None, description="The expression it was checked against (None: the first, "
                                      "checked against the expected result).")


class FinalVerdict(BaseModel):
    verdict: VerdictName
    message: str
    counterexample: Counterexample | None = None
    diagnosis: str | None = None


class DerivationVerdict(BaseModel):
    """The JSON of ``derive verify --json`` (plus the echoed id)."""

    verdict: Literal["correct", "incorrect", "invalid", "undecided"]
    message: str
    first_error: int | None = Field(None, description="The index of the first wrong step.")
    format: str | None = None
    steps: list[StepVerdict]
    final: FinalVerdict | None = Field(None, description="The last expression against the expected result.")
    id: str | None = None


class Preview(BaseModel):
    ok: bool
    latex: str | None = None
    message: str | None = None


class GradeItem(Question):
    id: str = Field(..., max_length=200, description="The caller's id of this answer (student, attempt...).")
    answer: str


class GradeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: list[GradeItem] = Field(..., min_length=1, description="The answers to grade (each with its question).")


class GradeResult(Verdict):
    id: str


class GradeResponse(BaseModel):
    results: list[GradeResult] = Field(..., description="One per answer, in the order of the request.")
    counts: dict[str, int] = Field(..., description="Answers per verdict.")


class ResultInfo(BaseModel):
    id: str
    topic: str
    topic_title: str
    title: str
    question: str | None = Field(None, description="The question's left-hand side in LaTeX.")
    symbols: list[str] = Field(..., description="The symbols an answer may use, 'name: meaning'.")
    checkable: bool


class ResultsResponse(BaseModel):
    results: list[ResultInfo]
    features: list[str] = Field(..., description="Endpoints this instance offers (check, verify, grade, preview).")


class Health(BaseModel):
    status: Literal["ok", "starting"]
    workers: int
    busy: int = 0
    queued: int = 0
    pending: int = 0
    capacity: int
    worker_restarts: int = 0
    pool_restarts: int = 0


class Error(BaseModel):
    error: str = Field(..., description="A short code: invalid_request, bad_question, too_large, unauthorized, "
                       "busy, worker_lost, timeout, not_found, internal.")
    message: str
    detail: list[dict] | None = None
