"""The review app over HTTP (Starlette's test client): login, escaping, CSRF, leases, tokens, 4xx messages."""

import re
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_review_store import entry

from curation import review_store as store
from curation.review_app import create_app
from curation.review_auth import TOKEN_ATTEMPTS, allowed_hosts, is_loopback
from curation.review_views import highlight

LOCAL = "http://127.0.0.1"  # the review page answers only to the host names it is bound to
SCRIPT = "<script>alert('x')</script> warfarin interacts with aspirin."


@pytest.fixture()
def db_path(tmp_path):
    path = tmp_path / "review.db"
    conn = store.connect(path)
    store.enqueue(conn, [entry(1), entry(2, answer=SCRIPT), entry(3)])
    conn.close()
    return path


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def logged_in(app, name: str) -> TestClient:
    client = TestClient(app, base_url=LOCAL, follow_redirects=False)
    form = client.get("/login")
    response = client.post("/login", data={"name": name, "csrf": csrf_of(form.text), "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def test_queue_needs_a_name_then_lists_samples_with_progress(db_path):
    app = create_app(db_path)
    anonymous = TestClient(app, base_url=LOCAL, follow_redirects=False)
    assert anonymous.get("/").headers["location"].startswith("/login")
    page = logged_in(app, "Dr Ana").get("/")
    assert page.status_code == 200 and "Dr Ana" in page.text
    assert 'data-status="pending">3<' in page.text and page.text.count("<tr data-sample=") == 3
    assert 'id="score-chart"' in page.text and 'class="bar-pending"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_sample_text_is_escaped_and_facts_highlighted(db_path):
    page = logged_in(create_app(db_path), "ana").get("/sample/s2")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    assert "<mark>Warfarin</mark> interacts with <mark>aspirin</mark>" in page.text
    assert "corpus/warfarin.txt" in page.text and "grounding" in page.text


def test_decisions_need_a_valid_csrf_token_from_the_same_site(db_path):
    client = logged_in(create_app(db_path), "ana")
    token = csrf_of(client.get("/sample/s1").text)
    assert client.post("/sample/s1", data={"action": "accept", "seen": 0}).status_code == 403
    evil = client.post("/sample/s1", data={"action": "accept", "seen": 0, "csrf": "0" * 64})
    assert evil.status_code == 403 and "security token" in evil.text
    cross = client.post(
        "/sample/s1", data={"action": "accept", "seen": 0, "csrf": token}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403 and "another site" in cross.text
    with closing(store.connect(db_path)) as conn:
        assert store.history(conn, "s1") == []
    ok = client.post("/sample/s1?kind=qa", data={"action": "accept", "seen": 0, "csrf": token})
    assert ok.status_code == 303 and ok.headers["location"] == "/next?kind=qa&from=1"
    assert client.get(ok.headers["location"]).headers["location"] == "/sample/s2?kind=qa"


@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("/sample/s1", {"action": "delete", "seen": 0}, 400, "unknown action"),
        ("/sample/s1", {"action": "reject", "seen": 0}, 400, "needs a reason"),
        ("/sample/s1", {"action": "reject", "seen": 0, "reason_choice": "other"}, 400, "write the reason"),
        ("/sample/s1", {"action": "reject", "seen": 0, "reason_choice": "bogus"}, 400, "unknown rejection reason"),
        ("/sample/s1", {"action": "accept"}, 400, "seen"),
        ("/sample/s1", {"action": "accept", "seen": 5}, 409, "reload it"),
        ("/sample/nope", {"action": "accept", "seen": 0}, 404, "not in the review queue"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(db_path, path, data, status, message):
    client = logged_in(create_app(db_path), "ana")
    token = csrf_of(client.get("/sample/s1").text)
    response = client.post(path, data={**data, "csrf": token})
    assert response.status_code == status and message in response.text
    assert 'id="error-message"' in response.text


def test_bad_filters_and_unknown_samples(db_path):
    client = logged_in(create_app(db_path), "ana")
    low = client.get("/?low=lots")
    assert low.status_code == 400 and "low must be a number" in low.text
    assert client.get("/?status=maybe").status_code == 400
    assert client.get("/sample/missing").status_code == 404


def test_a_sample_open_by_one_reviewer_is_not_served_to_another(db_path):
    app = create_app(db_path)
    ana, ben = logged_in(app, "ana"), logged_in(app, "ben")
    assert ana.get("/next").headers["location"] == "/sample/s1"
    assert ben.get("/next").headers["location"] == "/sample/s2"
    busy = ben.get("/sample/s1")
    assert busy.status_code == 409 and "ana is reviewing" in busy.text
    assert "open by ana" in ben.get("/?status=all").text


def test_off_loopback_the_token_is_required(db_path):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("review.example.org")
    client = TestClient(create_app(db_path, token="s3cret"), base_url=LOCAL, follow_redirects=False)
    assert client.get("/").status_code == 401
    assert client.get("/login?token=wrong").status_code == 401
    entered = client.get("/login?token=s3cret&next=/")
    assert entered.status_code == 303 and entered.headers["location"] == "/login?next=%2F"
    assert client.get("/login").status_code == 200


def test_highlight_marks_fact_words_verbatim_or_word_by_word():
    pieces = highlight("Metformin lowers blood glucose in type 2 diabetes.", ["metformin", "glucose level"])
    assert [text for text, marked in pieces if marked] == ["Metformin", "glucose"]
    assert "".join(text for text, _ in pieces) == "Metformin lowers blood glucose in type 2 diabetes."


@pytest.mark.slow
def test_review_command_on_a_missing_workspace_is_one_line(tmp_path):
    kgsynth = str(Path(sys.executable).with_name("kgsynth"))
    result = subprocess.run(
        [kgsynth, "review", "--workspace", tmp_path / "nope"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "does not exist" in lines[0]


def test_a_rebound_host_name_is_refused(db_path):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    client = logged_in(create_app(db_path), "ana")
    assert client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost", "::1"]
    assert allowed_hosts("review.example.org") == ["review.example.org"] and allowed_hosts("0.0.0.0") == ["*"]


@pytest.mark.parametrize("position", ["\u00b2", "9" * 19, "-1", "1.5"])
def test_a_queue_position_that_is_not_a_small_whole_number_is_a_400(db_path, position):
    response = logged_in(create_app(db_path), "ana").get("/next", params={"from": position})
    assert response.status_code == 400 and "queue position" in response.text


def test_wrong_tokens_are_rate_limited(db_path):
    client = TestClient(create_app(db_path, token="s3cret"), base_url=LOCAL, follow_redirects=False)
    assert [client.get("/?token=guess").status_code for _ in range(TOKEN_ATTEMPTS)] == [401] * TOKEN_ATTEMPTS
    limited = client.get("/?token=s3cret")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "60"
