"""Who may use the review page: the access token off loopback (rate limited), the session cookie the CSRF tokens
are bound to, and the reviewer's name as a FastAPI dependency."""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

SESSION_COOKIE = "kgsynth_session"
REVIEWER_COOKIE = "kgsynth_reviewer"
TOKEN_COOKIE = "kgsynth_token"
SESSION_FORMAT = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"]
# Wrong access tokens allowed per client address within TOKEN_WINDOW seconds, then 429 until the window moves on.
TOKEN_ATTEMPTS = 10
TOKEN_WINDOW = 60.0


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


def safe_next(target: str) -> str:
    """Only same-site paths, so the login form cannot be used to send people elsewhere."""
    parts = urlsplit(target)
    return target if target.startswith("/") and not target.startswith("//") and not parts.netloc else "/"


class LoginRequired(Exception):
    """No reviewer name yet: the app answers with a redirect to the login form, then back to `target`."""

    def __init__(self, target: str):
        super().__init__(target)
        self.target = target


def reviewer(request: Request) -> str:
    """The reviewer's name, recorded with each decision; without one, LoginRequired."""
    name = request.cookies.get(REVIEWER_COOKIE, "").strip()
    if not name:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return name


def login_redirect(target: str) -> RedirectResponse:
    return RedirectResponse("/login?" + urlencode({"next": target}), 303)


ErrorPage = Callable[[Request, int, str], Response]


class TokenGuard:
    """With a token, every request must carry it: once in the query (then it becomes a cookie), or as the cookie.
    Wrong tokens count per client address, so guessing is slow."""

    def __init__(self, token: str | None, error_page: ErrorPage):
        self.token, self.error_page = token, error_page
        self.failures: dict[str, deque] = defaultdict(deque)

    def check(self, request: Request) -> Response | None:
        """None when the request may go on, else the response that ends it."""
        if not self.token:
            return None
        token = self.token
        recent = self.failures[request.client.host if request.client else ""]
        while recent and recent[0] < time.monotonic() - TOKEN_WINDOW:
            recent.popleft()
        if len(recent) >= TOKEN_ATTEMPTS:
            response = self.error_page(request, 429, "too many wrong access tokens: wait a minute and use the link")
            response.headers["Retry-After"] = str(int(TOKEN_WINDOW))
            return response
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
            response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), 303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
            return response
        if hmac.compare_digest(request.cookies.get(TOKEN_COOKIE, "").encode(), token.encode()):
            return None
        if given is not None or TOKEN_COOKIE in request.cookies:
            recent.append(time.monotonic())
        message = "this review page needs its access token: open the link that `kgsynth review` printed"
        return self.error_page(request, 401, message)


async def with_session(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Give the request a session id (the cookie's, or a new one set on the response) for the CSRF tokens."""
    session = request.cookies.get(SESSION_COOKIE, "")
    fresh = not SESSION_FORMAT.match(session)
    request.state.session = secrets.token_urlsafe(24) if fresh else session
    response = await call_next(request)
    if fresh:
        response.set_cookie(SESSION_COOKIE, request.state.session, httponly=True, samesite="strict")
    return response
