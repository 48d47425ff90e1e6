"""The review web page: people accept, reject or edit flagged samples; every decision goes to review.db.
Server-rendered (FastAPI + Jinja2, autoescaped). This module assembles the app: access (review_auth), CSRF
(review_csrf) and the views (review_views)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from curation import review_decisions as decisions
from curation import review_store as store
from curation.review_auth import (
    LOOPBACK_NAMES,
    LoginRequired,
    TokenGuard,
    allowed_hosts,
    is_loopback,
    login_redirect,
    with_session,
)
from curation.review_views import page, router

HERE = Path(__file__).parent
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
STATUS_OF_ERROR = {
    store.UnknownSample: 404,
    store.ReviewDbError: 503,
    decisions.LeaseHeld: 409,
    decisions.StaleDecision: 409,
}


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    """The error template, also for requests refused before they got a session."""
    if not hasattr(request.state, "session"):
        request.state.session = ""
    return page(request, "error.html", status_code, code=status_code, message=message)


def create_app(
    db_path: Path, token: str | None = None, secret: bytes | None = None, hosts: list[str] | None = None
) -> FastAPI:
    """The review app over one review.db; with a token, every request must carry it (once, then as a cookie).
    Requests naming any host but `hosts` (default: loopback names) are refused."""
    app = FastAPI(title="kgsynth review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts or LOOPBACK_NAMES)
    app.state.db_path, app.state.secret = db_path, secret or secrets.token_bytes(32)
    app.state.templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    store.connect(db_path).close()
    guard = TokenGuard(token, error_page)

    @app.middleware("http")
    async def secure(request: Request, call_next) -> Response:
        response = guard.check(request) or await with_session(request, call_next)
        response.headers.update(HEADERS)
        return response

    @app.exception_handler(LoginRequired)
    async def login_first(request: Request, err: LoginRequired) -> Response:
        return login_redirect(err.target)

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

    return app


def serve(db_path: Path, host: str, port: int, token: str | None) -> None:
    """Run the review page until interrupted; off loopback without a token, make one and print the link with it."""
    import uvicorn

    if not token and not is_loopback(host):
        token = secrets.token_urlsafe(18)
    url = f"http://{host}:{port}/" + (f"?{urlencode({'token': token})}" if token else "")
    print(f"review page: {url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    uvicorn.run(create_app(db_path, token, hosts=allowed_hosts(host)), host=host, port=port, log_level="warning")
