"""The review web page: people accept, reject or edit flagged samples; every decision goes to review.db.
Server-rendered (FastAPI + Jinja2, autoescaped), signed double-submit CSRF tokens, an access token off loopback."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
import sys
import time
from collections import defaultdict, deque
from collections.abc import Mapping
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from curation import review_decisions as decisions
from curation import review_store as store
from curation.judge import content_words

HERE = Path(__file__).parent
SESSION_COOKIE = "kgsynth_session"
REVIEWER_COOKIE = "kgsynth_reviewer"
TOKEN_COOKIE = "kgsynth_token"
SESSION_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
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
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"]
# Wrong access tokens allowed per client address within TOKEN_WINDOW seconds, then 429 until the window moves on.
TOKEN_ATTEMPTS = 10
TOKEN_WINDOW = 60.0
STATUS_OF_ERROR = {
    store.UnknownSample: 404,
    store.ReviewDbError: 503,
    decisions.LeaseHeld: 409,
    decisions.StaleDecision: 409,
}


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach the address (anything else needs a token)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str) -> list[str]:
    """Host names a request may carry: the bound address (all loopback names on loopback), so a page on another
    site cannot reach the server through DNS rebinding; any name when bound to every interface (the token guards)."""
    if is_loopback(bound):
        return LOOPBACK_NAMES
    return ["*"] if bound in ("0.0.0.0", "::", "") else [bound]


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


def safe_next(target: str) -> str:
    """Only same-site paths, so the login form cannot be used to send people elsewhere."""
    parts = urlsplit(target)
    return target if target.startswith("/") and not target.startswith("//") and not parts.netloc else "/"


def create_app(
    db_path: Path, token: str | None = None, secret: bytes | None = None, hosts: list[str] | None = None
) -> FastAPI:
    """The review app over one review.db; with a token, every request must carry it (once, then as a cookie).
    Requests naming any host but `hosts` (default: loopback names) are refused."""
    app = FastAPI(title="kgsynth review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts or LOOPBACK_NAMES)
    failures: dict[str, deque] = defaultdict(deque)
    secret = secret or secrets.token_bytes(32)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    templates = Jinja2Templates(env=env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    store.connect(db_path).close()

    def csrf_token(request: Request) -> str:
        return hmac.new(secret, request.state.session.encode(), hashlib.sha256).hexdigest()

    def check_csrf(request: Request, given: str) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
            raise HTTPException(403, "this form was sent from another site: open the review page and try again")
        if not hmac.compare_digest(given.encode(), csrf_token(request).encode()):
            raise HTTPException(403, "the form's security token is missing or expired: reload the page and try again")

    def page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        context |= {"reviewer": request.cookies.get(REVIEWER_COOKIE, ""), "csrf": csrf_token(request)}
        return templates.TemplateResponse(request, name, context, status_code=status)

    def reviewer_or_login(request: Request) -> str | RedirectResponse:
        name = request.cookies.get(REVIEWER_COOKIE, "").strip()
        if name:
            return name
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), 303)

    def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
        if not hasattr(request.state, "session"):
            request.state.session = ""
        return page(request, "error.html", status_code, code=status_code, message=message)

    @app.middleware("http")
    async def guard(request: Request, call_next) -> Response:
        if token:
            client = request.client.host if request.client else ""
            recent = failures[client]
            while recent and recent[0] < time.monotonic() - TOKEN_WINDOW:
                recent.popleft()
            if len(recent) >= TOKEN_ATTEMPTS:
                response = error_page(request, 429, "too many wrong access tokens: wait a minute and use the link")
                response.headers.update(HEADERS | {"Retry-After": str(int(TOKEN_WINDOW))})
                return response
            given = request.query_params.get("token")
            if given is not None and hmac.compare_digest(given.encode(), token.encode()):
                query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
                return response
            if not hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, "").encode(), token.encode()):
                if given is not None or TOKEN_COOKIE in request.cookies:
                    recent.append(time.monotonic())
                message = "this review page needs its access token: open the link that `kgsynth review` printed"
                response = error_page(request, 401, message)
                response.headers.update(HEADERS)
                return response
        session = request.cookies.get(SESSION_COOKIE, "")
        fresh = not SESSION_FORMAT.match(session)
        request.state.session = secrets.token_urlsafe(24) if fresh else session
        response = await call_next(request)
        if fresh:
            response.set_cookie(SESSION_COOKIE, request.state.session, httponly=True, samesite="strict")
        response.headers.update(HEADERS)
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> HTMLResponse:
        return error_page(request, err.status_code, str(err.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, err: RequestValidationError) -> HTMLResponse:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
        return error_page(request, 400, f"bad request: {where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(store.ReviewError)
    @app.exception_handler(store.ReviewDbError)
    async def review_error(request: Request, err: Exception) -> HTMLResponse:
        return error_page(request, STATUS_OF_ERROR.get(type(err), 400), str(err))

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/"):
        return page(request, "login.html", next=safe_next(next))

    @app.post("/login")
    def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ):
        check_csrf(request, csrf)
        name = " ".join(name.split())
        if not 1 <= len(name) <= 64:
            raise HTTPException(400, "your name must be 1 to 64 characters: it is recorded with each decision")
        response = RedirectResponse(safe_next(next), 303)
        response.set_cookie(REVIEWER_COOKIE, name, httponly=True, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse)
    def queue(request: Request):
        who = reviewer_or_login(request)
        if isinstance(who, RedirectResponse):
            return who
        filters = parse_filters(request.query_params)
        with closing(store.connect(db_path, create=False)) as conn:
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

    def step(request: Request, backwards: bool) -> RedirectResponse:
        who = reviewer_or_login(request)
        if isinstance(who, RedirectResponse):
            return who
        filters = parse_filters(request.query_params)
        if backwards:  # back to what one just decided, so a slip can be corrected
            filters = replace(filters, status="all")
        position = request.query_params.get("from", "")
        if position and not (position.isascii() and position.isdigit() and len(position) <= 15):
            raise HTTPException(400, f"from must be a queue position (a whole number), not {position!r}")
        query = filters_query(parse_filters(request.query_params))
        with closing(store.connect(db_path, create=False)) as conn:
            found = decisions.claim_next(conn, who, filters, int(position) if position else None, backwards)
        if found is None:
            return RedirectResponse("/?" + "&".join(filter(None, [query, "done=1"])), 303)
        return RedirectResponse(f"/sample/{found}" + (f"?{query}" if query else ""), 303)

    @app.get("/next")
    def next_sample(request: Request):
        return step(request, backwards=False)

    @app.get("/prev")
    def previous_sample(request: Request):
        return step(request, backwards=True)

    @app.get("/sample/{sample_id}", response_class=HTMLResponse)
    def sample(request: Request, sample_id: str):
        who = reviewer_or_login(request)
        if isinstance(who, RedirectResponse):
            return who
        filters = parse_filters(request.query_params)
        with closing(store.connect(db_path, create=False)) as conn:
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

    @app.post("/sample/{sample_id}")
    def decide(
        request: Request,
        sample_id: str,
        seen: Annotated[int, Form()],
        action: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        reason_choice: Annotated[str, Form()] = "",
        reason_text: Annotated[str, Form()] = "",
        content: Annotated[list[str] | None, Form()] = None,
    ):
        check_csrf(request, csrf)
        who = reviewer_or_login(request)
        if isinstance(who, RedirectResponse):
            return who
        if reason_choice and reason_choice not in REJECT_REASONS:
            raise HTTPException(400, f"unknown rejection reason {reason_choice[:80]!r}: pick one from the list")
        if reason_choice == "other" and not reason_text.strip():
            raise HTTPException(400, "you picked 'other': write the reason in the text box")
        if len(reason_text) > 500 or any(len(c) > MAX_TEXT for c in content or []):
            raise HTTPException(400, f"text too long: reasons up to 500 characters, messages up to {MAX_TEXT}")
        reason = reason_text.strip() or ("" if reason_choice == "other" else reason_choice)
        filters = parse_filters(request.query_params)
        with closing(store.connect(db_path, create=False)) as conn:
            item = store.load_item(conn, sample_id)
            decisions.decide(conn, sample_id, who, action, reason, content, seen)
        query = "&".join(filter(None, [filters_query(filters), f"from={item.seq}"]))
        return RedirectResponse(f"/next?{query}", 303)

    return app


def first_question(sample_json: str) -> str:
    """The sample's first user message, shortened for the queue table."""
    messages = json.loads(sample_json)["messages"]
    text = next((m["content"] for m in messages if m["role"] == "user"), "")
    return text if len(text) <= 140 else text[:139] + "…"


def decoded(messages: str | None) -> list[dict] | None:
    return json.loads(messages) if messages else None


def serve(db_path: Path, host: str, port: int, token: str | None) -> None:
    """Run the review page until interrupted; off loopback without a token, make one and print the link with it."""
    import uvicorn

    if not token and not is_loopback(host):
        token = secrets.token_urlsafe(18)
    url = f"http://{host}:{port}/" + (f"?{urlencode({'token': token})}" if token else "")
    print(f"review page: {url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    uvicorn.run(create_app(db_path, token, hosts=allowed_hosts(host)), host=host, port=port, log_level="warning")
