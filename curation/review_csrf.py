"""Signed double-submit CSRF tokens: each form carries an HMAC of the session id, checked with the Origin header
on every POST, so another site cannot decide samples in a reviewer's name."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Form, Request
from starlette.exceptions import HTTPException


def csrf_token(request: Request) -> str:
    """The token for this session, signed with the app's secret."""
    return hmac.new(request.app.state.secret, request.state.session.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, csrf: Annotated[str, Form()] = "") -> None:
    """A dependency of every form handler: the form comes from this site and carries this session's token."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "this form was sent from another site: open the review page and try again")
    if not hmac.compare_digest(csrf.encode(), csrf_token(request).encode()):
        raise HTTPException(403, "the form's security token is missing or expired: reload the page and try again")
