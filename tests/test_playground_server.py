"""The playground's routes and websocket through Starlette's test client, and its command."""

from __future__ import annotations

import socket

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground's web stack is not installed")
pytest.importorskip("starlette.testclient", reason="Starlette's test client needs httpx2 or httpx")

from click.testing import CliRunner  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

import nnzero as nz  # noqa: E402
from nnzero.cli.playground import playground  # noqa: E402
from nnzero.playground import server as server_module  # noqa: E402
from nnzero.playground.data import MAX_UPLOAD_BYTES  # noqa: E402
from nnzero.playground.server import create_app, handle, make_server  # noqa: E402
from nnzero.playground.session import Session  # noqa: E402
from nnzero.playground.settings import PlaygroundError  # noqa: E402

GOOD_CSV = ("x,y,label\n" + "\n".join(f"{i % 9},{(i * 7) % 11},{'ab'[i % 2]}"
                                       for i in range(60)) + "\n").encode()


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def connect(client, settings=None):
    ws = client.websocket_connect("/ws")
    ws.__enter__()
    hello = ws.receive_json()
    assert hello["type"] == "hello"
    if settings is not None:
        ws.send_json({"type": "settings", "settings": settings})
        assert [ws.receive_json()["type"] for _ in range(2)] == ["data", "frame"]
    return ws, hello["session"]


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert 'data-testid="play"' in page.text
    for script in ("app.js", "draw.js"):
        reply = client.get(f"/static/{script}")
        assert reply.headers["content-type"].startswith("text/javascript")
        assert f'src="/static/{script}"' in page.text
    assert client.get("/static/style.css").status_code == 200
    for path in ("/static/index.html", "/static/../server.py", "/static/%2e%2e/server.py",
                 "/server.py", "/etc/passwd", "/api/export/weights?session=x", "/static/"):
        assert client.get(path).status_code == 404, path
    assert client.post("/").status_code == 405


def test_the_page_needs_nothing_from_elsewhere(client):
    text = "".join(client.get(path).text for path in (
        "/", "/static/app.js", "/static/draw.js", "/static/style.css"))
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text and "//cdn" not in text and "@import" not in text


def test_a_foreign_host_header_is_refused(client):
    assert client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_a_page_of_another_origin_cannot_open_a_session(client):
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect("/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()


def test_a_session_trains_step_by_step(client):
    ws, _ = connect(client, {"dataset": "xor", "layers": [3]})
    try:
        ws.send_json({"type": "step"})
        frame = ws.receive_json()
        assert frame["type"] == "frame" and frame["epoch"] == 1
        ws.send_json({"type": "tick"})
        assert ws.receive_json()["epoch"] == 2
        ws.send_json({"type": "reset"})
        assert ws.receive_json()["epoch"] == 0
        ws.send_json({"type": "trace", "index": 2})
        assert ws.receive_json()["type"] == "trace"
        ws.send_json({"type": "add_point", "x1": 1.0, "x2": 2.0, "label": 1})
        data = ws.receive_json()
        assert data["type"] == "data" and data["settings"]["dataset"] == "custom"
        assert ws.receive_json()["type"] == "frame"
    finally:
        ws.__exit__(None, None, None)


@pytest.mark.parametrize("message, words", [
    ("not json", "not JSON"),
    ('{"kind": "tick"}', "with a 'type'"),
    ('["tick"]', "with a 'type'"),
    ('{"type": "jump"}', "Unknown message type 'jump'"),
    ('{"type": "settings", "settings": {"layers": [20]}}', "1 to 8 neurons"),
    ('{"type": "settings"}', "lacks 'settings'"),
    ('{"type": "trace", "index": 10000}', "index must be"),
    ('{"type": "add_point", "x1": 0, "x2": 0, "label": 7}', "label must be"),
])
def test_bad_messages_get_an_error_and_the_session_goes_on(client, message, words):
    ws, _ = connect(client)
    try:
        ws.send_text(message)
        reply = ws.receive_json()
        assert reply["type"] == "error" and words in reply["message"]
        ws.send_json({"type": "step"})
        assert ws.receive_json()["epoch"] == 1
    finally:
        ws.__exit__(None, None, None)


def test_every_tab_has_its_own_session(client):
    first, key1 = connect(client, {"seed": 1})
    second, key2 = connect(client, {"seed": 1})
    try:
        assert key1 != key2
        sessions = client.app.state.sessions
        for _ in range(3):
            first.send_json({"type": "tick"})
            first.receive_json()
        second.send_json({"type": "tick"})
        assert second.receive_json()["epoch"] == 1
        assert sessions[key1].epoch == 3 and sessions[key2].epoch == 1
    finally:
        first.__exit__(None, None, None)
        second.__exit__(None, None, None)
    # A closed tab's session is dropped by the server.
    client.get("/")  # a request round trip lets the server finish the closing handlers
    assert key1 not in client.app.state.sessions


def test_too_many_tabs_get_a_message(client, monkeypatch):
    monkeypatch.setattr(server_module, "MAX_SESSIONS", len(client.app.state.sessions))
    with client.websocket_connect("/ws") as ws:
        reply = ws.receive_json()
    assert reply["type"] == "error" and "Too many" in reply["message"]


def test_an_upload_switches_the_session_to_the_file(client):
    ws, key = connect(client)
    try:
        reply = client.post(f"/api/upload?session={key}", content=GOOD_CSV)
        assert reply.status_code == 200 and reply.json()["settings"]["dataset"] == "upload"
        ws.send_json({"type": "data"})
        data = ws.receive_json()
        assert data["class_names"] == ["a", "b"] and len(data["train"]) == 30
    finally:
        ws.__exit__(None, None, None)


@pytest.mark.parametrize("content, words", [
    (b"a,b\n1,2\n", "two feature columns"),
    (b"\xff\xfe\x00junk", "upload: "),
    (b"x" * (MAX_UPLOAD_BYTES + 1), "10 MB limit"),
])
def test_bad_uploads_get_a_message(client, content, words):
    ws, key = connect(client)
    try:
        reply = client.post(f"/api/upload?session={key}", content=content)
        assert reply.status_code == 400 and words in reply.json()["error"]
        assert client.app.state.sessions[key].settings["dataset"] == "circle"
    finally:
        ws.__exit__(None, None, None)


def test_a_false_content_length_is_refused(client):
    ws, key = connect(client)
    try:
        reply = client.post(f"/api/upload?session={key}", content=b"a,b,c\n",
                            headers={"content-length": "abc"})
        assert reply.status_code == 400
    finally:
        ws.__exit__(None, None, None)


def test_requests_without_a_live_session_are_refused(client):
    for reply in (client.post("/api/upload?session=nope", content=GOOD_CSV),
                  client.get("/api/export/model"),
                  client.get("/api/export/config?session=nope")):
        assert reply.status_code == 400 and "Unknown session" in reply.json()["error"]


def test_the_exports_download(client, tmp_path):
    ws, key = connect(client, {"dataset": "gauss", "layers": [2]})
    try:
        ws.send_json({"type": "step"})
        ws.receive_json()
        names = {}
        for kind in ("model", "config", "data", "python"):
            reply = client.get(f"/api/export/{kind}?session={key}")
            assert reply.status_code == 200
            names[kind] = reply.headers["content-disposition"]
            if kind == "model":
                (tmp_path / "m.nnz").write_bytes(reply.content)
        assert names["model"] == 'attachment; filename="playground.nnz"'
        model = nz.load_model(tmp_path / "m.nnz")
        session = client.app.state.sessions[key]
        x = np.array([[0.5, -1.0], [3.0, 2.0]])
        assert np.array_equal(model.predict(x.astype(np.float32)), session.predict(x))
        ws.send_json({"type": "settings", "settings": {"problem": "regression",
                                                      "dataset": "plane"}})
        ws.receive_json()
        ws.receive_json()
        reply = client.get(f"/api/export/config?session={key}")
        assert reply.status_code == 400 and "classifies" in reply.json()["error"]
    finally:
        ws.__exit__(None, None, None)


def test_handle_refuses_what_is_not_a_message():
    with pytest.raises(PlaygroundError, match="with a 'type'"):
        handle(Session(), "tick")


def test_make_server_binds_now_and_names_its_url():
    server, sock, url = make_server("127.0.0.1", 0)
    try:
        port = sock.getsockname()[1]
        assert url == f"http://127.0.0.1:{port}/" and server.config.host == "127.0.0.1"
        with pytest.raises(OSError):
            make_server("127.0.0.1", port)  # the port is taken
    finally:
        sock.close()


def test_bound_to_every_address_the_app_answers_any_host_name():
    server, sock, _ = make_server("0.0.0.0", 0)
    sock.close()
    with TestClient(server.config.app) as everywhere:
        assert everywhere.get("/", headers={"host": "192.168.1.5:8765"}).status_code == 200
    server, sock, _ = make_server("127.0.0.1", 0)
    sock.close()
    with TestClient(server.config.app) as loopback:
        assert loopback.get("/", headers={"host": "192.168.1.5:8765"}).status_code == 400
        assert loopback.get("/", headers={"host": "localhost:8765"}).status_code == 200


def test_the_command_reports_a_taken_port():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(playground, ["--port", str(port), "--no-browser"])
    finally:
        taken.close()
    assert result.exit_code == 1 and f"Cannot listen on 127.0.0.1:{port}" in result.output


def test_the_command_checks_its_options():
    result = CliRunner().invoke(playground, ["--port", "70000"])
    assert result.exit_code == 2 and "--port" in result.output
    assert "--no-browser" in CliRunner().invoke(playground, ["--help"]).output
