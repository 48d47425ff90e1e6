"""The review page's views: the queue, stepping through it, one sample with its evidence, and the decision form.
Each view gets the reviewer from the `reviewer` dependency and the CSRF check from `check_csrf`."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException

from curation import review_decisions as decisions
from curation import review_store as store
from curation.judge import content_words
from curation.review_auth import REVIEWER_COOKIE, reviewer, safe_next
from curation.review_csrf import check_csrf, csrf_token

REJECT_REASONS = (
    "factually wrong",
    "not supported by the evidence",
    "unsafe or harmful advice",
    "question and answer do not match",
    "unclear or badly worded",
    "incomplete or truncated",
    "other",
)
MAX_TEXT = 20_000

router = APIRouter()
Reviewer = Annotated[str, Depends(reviewer)]
CsrfChecked = Annotated[None, Depends(check_csrf)]


def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    """A template with the reviewer's name and the session's CSRF token."""
    context |= {"reviewer": request.cookies.get(REVIEWER_COOKIE, ""), "csrf": csrf_token(request)}
    return request.app.state.templates.TemplateResponse(request, name, context, status_code=status)


def connect(request: Request):
    return closing(store.connect(request.app.state.db_path, create=False))


def highlight(sentence: str, terms: list[str]) -> list[tuple[str, bool]]:
    """The sentence cut into (text, is_fact_word) pieces: each term verbatim where it occurs, else its content words."""
    spans = []
    for term in filter(None, (t.strip() for t in terms)):
        found = [m.span() for m in re.finditer(re.escape(term), sentence, re.IGNORECASE)]
        if not found:
            words = sorted(set(content_words(term)), key=len, reverse=True)
            found = [m.span() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", sentence, re.IGNORECASE)]
        spans += found
    pieces, cursor = [], 0
    for start, end in sorted(spans):
        if end <= cursor:
            continue
        start = max(start, cursor)
        if start > cursor:
            pieces.append((sentence[cursor:start], False))
        pieces.append((sentence[start:end], True))
        cursor = end
    if cursor < len(sentence):
        pieces.append((sentence[cursor:], False))
    return pieces


def parse_filters(params: Mapping[str, str]) -> store.Filters:
    """Queue filters from query parameters; a bad value is a 400 that names it."""

    def bound(name: str) -> float | None:
        value = params.get(name, "").strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise HTTPException(400, f"{name} must be a number between 0 and 1, not {value!r}") from None
        if not 0 <= number <= 1:
            raise HTTPException(400, f"{name} must be between 0 and 1, not {value}")
        return number

    status = params.get("status", "pending") or "pending"
    if status not in ("all", *store.STATUSES):
        raise HTTPException(400, f"status must be one of all, {', '.join(store.STATUSES)}; not {status!r}")
    text = {name: params.get(name, "")[:200] for name in ("reason", "kind", "domain")}
    criterion = params.get("criterion", "mean")[:64] or "mean"
    return store.Filters(**text, status=status, criterion=criterion, low=bound("low"), high=bound("high"))


def filters_query(filters: store.Filters) -> str:
    """The filters as a query string, leaving out defaults, so links and forms keep the reviewer's view."""
    default = store.Filters()
    fields = {k: v for k, v in vars(filters).items() if v != getattr(default, k)}
    return urlencode({k: "" if v is None else v for k, v in fields.items()})


def first_question(sample_json: str) -> str:
    """The sample's first user message, shortened for the queue table."""
    messages = json.loads(sample_json)["messages"]
    text = next((m["content"] for m in messages if m["role"] == "user"), "")
    return text if len(text) <= 140 else text[:139] + "…"


def decoded(messages: str | None) -> list[dict] | None:
    return json.loads(messages) if messages else None


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    return page(request, "login.html", next=safe_next(next))


@router.post("/login")
def login(_: CsrfChecked, name: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/"):
    name = " ".join(name.split())
    if not 1 <= len(name) <= 64:
        raise HTTPException(400, "your name must be 1 to 64 characters: it is recorded with each decision")
    response = RedirectResponse(safe_next(next), 303)
    response.set_cookie(REVIEWER_COOKIE, name, httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def queue(request: Request, _: Reviewer):
    filters = parse_filters(request.query_params)
    with connect(request) as conn:
        rows = store.list_queue(conn, filters)
        return page(
            request,
            "queue.html",
            rows=[(row, json.loads(row["reasons"]), first_question(row["sample"])) for row in rows],
            filters=filters,
            query=filters_query(filters),
            choices=store.filter_choices(conn),
            progress=store.progress(conn),
            bins=store.score_bins(conn),
            done=request.query_params.get("done") == "1",
        )


def step(request: Request, who: str, backwards: bool) -> RedirectResponse:
    """Claim the next (or previous) sample after the `from` position and open it; the queue when none is left."""
    filters = parse_filters(request.query_params)
    if backwards:  # back to what one just decided, so a slip can be corrected
        filters = replace(filters, status="all")
    position = request.query_params.get("from", "")
    if position and not (position.isascii() and position.isdigit() and len(position) <= 15):
        raise HTTPException(400, f"from must be a queue position (a whole number), not {position!r}")
    query = filters_query(parse_filters(request.query_params))
    with connect(request) as conn:
        found = decisions.claim_next(conn, who, filters, int(position) if position else None, backwards)
    if found is None:
        return RedirectResponse("/?" + "&".join(filter(None, [query, "done=1"])), 303)
    return RedirectResponse(f"/sample/{found}" + (f"?{query}" if query else ""), 303)


@router.get("/next")
def next_sample(request: Request, who: Reviewer):
    return step(request, who, backwards=False)


@router.get("/prev")
def previous_sample(request: Request, who: Reviewer):
    return step(request, who, backwards=True)


@router.get("/sample/{sample_id}", response_class=HTMLResponse)
def sample(request: Request, sample_id: str, who: Reviewer):
    filters = parse_filters(request.query_params)
    with connect(request) as conn:
        decisions.claim(conn, sample_id, who)
        item = store.load_item(conn, sample_id)
        trail = store.history(conn, sample_id)
    return page(
        request,
        "sample.html",
        item=item,
        history=[(row, decoded(row["messages"]), decoded(row["previous"])) for row in trail],
        evidence=[
            (source, highlight(source["sentence"], [t for f in item.facts for t in (f.subject, f.object)]))
            for source in item.sources
        ],
        query=filters_query(filters),
        reject_reasons=REJECT_REASONS,
    )


@router.post("/sample/{sample_id}")
def decide(
    request: Request,
    sample_id: str,
    seen: Annotated[int, Form()],
    _: CsrfChecked,
    who: Reviewer,
    action: Annotated[str, Form()] = "",
    reason_choice: Annotated[str, Form()] = "",
    reason_text: Annotated[str, Form()] = "",
    content: Annotated[list[str] | None, Form()] = None,
):
    if reason_choice and reason_choice not in REJECT_REASONS:
        raise HTTPException(400, f"unknown rejection reason {reason_choice[:80]!r}: pick one from the list")
    if reason_choice == "other" and not reason_text.strip():
        raise HTTPException(400, "you picked 'other': write the reason in the text box")
    if len(reason_text) > 500 or any(len(c) > MAX_TEXT for c in content or []):
        raise HTTPException(400, f"text too long: reasons up to 500 characters, messages up to {MAX_TEXT}")
    reason = reason_text.strip() or ("" if reason_choice == "other" else reason_choice)
    filters = parse_filters(request.query_params)
    with connect(request) as conn:
        item = store.load_item(conn, sample_id)
        decisions.decide(conn, sample_id, who, action, reason, content, seen)
    query = "&".join(filter(None, [filters_query(filters), f"from={item.seq}"]))
    return RedirectResponse(f"/next?{query}", 303)
