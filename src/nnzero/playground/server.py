"""The playground's web app: a Starlette application served by uvicorn.

Routes, and nothing else:

- ``GET /`` the page; ``GET /static/app.js``, ``draw.js`` and ``style.css``
  its scripts and style, read from this package (no other file is reachable);
- ``WS /ws`` one session per connection (a browser tab): the page sends
  settings, ``step``/``tick``, ``reset``, clicked points and trace requests;
  the server answers with data, frames, traces and error messages;
- ``POST /api/upload?session=ID`` a CSV file as the request body (at most
  10 MB), parsed by ``nnzero.datasets.load_csv``;
- ``GET /api/export/{model,config,data,python}?session=ID`` the downloads.

Training runs in a worker thread so that the event loop stays free for
other tabs; each session handles its messages one at a time.

Example
-------
>>> from starlette.testclient import TestClient
>>> from nnzero.playground.server import create_app
>>> client = TestClient(create_app())
>>> client.get("/").status_code, client.get("/etc/passwd").status_code
(200, 404)
"""

from __future__ import annotations

import asyncio
import json
import secrets
from importlib import resources
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import NNZeroError
from . import export
from .data import MAX_UPLOAD_BYTES
from .session import Session
from .settings import PlaygroundError
from .trace import trace_sample

__all__ = ["MAX_SESSIONS", "create_app", "serve"]

#: Most tabs served at once; each holds a network and its data in memory.
MAX_SESSIONS = 64
_STATIC = {"app.js": "text/javascript", "draw.js": "text/javascript", "style.css": "text/css"}
# The page may load only what the app serves; no other origin, no inline script.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def _asset(name: str) -> bytes:
    return resources.files("nnzero.playground").joinpath("static", name).read_bytes()


def create_app(allowed_hosts=("127.0.0.1", "localhost", "testserver")) -> Starlette:
    """The playground's Starlette application.

    ``allowed_hosts`` are the Host header values answered; others get 400,
    so a web page elsewhere cannot reach the app through a renamed host.

    Example
    -------
    >>> from nnzero.playground.server import create_app
    >>> sorted(r.path for r in create_app().routes)[:2]
    ['/', '/api/export/{kind}']
    """
    sessions: dict[str, Session] = {}
    page = _asset("index.html")
    # A first session now, in the caller's thread: it runs every lazy import
    # (scikit-learn's among them) before any worker thread could race another
    # thread for the import locks.
    Session().tick()

    def headers(extra=None):
        return {"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff",
                "Cache-Control": "no-store", **(extra or {})}

    async def index(request: Request):
        return Response(page, media_type="text/html; charset=utf-8", headers=headers())

    async def static(request: Request):
        name = request.path_params["name"]
        if name not in _STATIC:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(_asset(name), media_type=_STATIC[name], headers=headers())

    def session_of(request: Request) -> Session:
        session = sessions.get(request.query_params.get("session", ""))
        if session is None:
            raise PlaygroundError("Unknown session: reload the page.")
        return session

    async def upload(request: Request):
        try:
            session = session_of(request)
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit()
                                         or int(declared) > MAX_UPLOAD_BYTES):
                raise PlaygroundError(f"upload: the file is larger than the "
                                      f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.")
            body = bytearray()
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_UPLOAD_BYTES:  # a body without its length, or a false one
                    raise PlaygroundError(f"upload: the file is larger than the "
                                          f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB limit.")
            settings = await asyncio.to_thread(session.load_upload, bytes(body))
            return JSONResponse({"ok": True, "settings": settings}, headers=headers())
        except NNZeroError as err:
            return JSONResponse({"ok": False, "error": str(err)}, status_code=400,
                                headers=headers())

    async def download(request: Request):
        kind = request.path_params["kind"]
        makers = {"model": (export.model_bytes, "application/octet-stream", "playground.nnz"),
                  "config": (export.config_toml, "application/toml", "playground.toml"),
                  "data": (export.data_csv, "text/csv", export.DATA_FILE),
                  "python": (export.python_code, "text/x-python", "playground.py")}
        if kind not in makers:
            return Response("Not found", status_code=404, media_type="text/plain")
        make, media, filename = makers[kind]
        try:
            content = await asyncio.to_thread(make, session_of(request))
        except NNZeroError as err:
            return JSONResponse({"ok": False, "error": str(err)}, status_code=400,
                                headers=headers())
        return Response(content, media_type=media, headers=headers(
            {"Content-Disposition": f'attachment; filename="{filename}"'}))

    async def websocket(ws: WebSocket):
        origin = ws.headers.get("origin")
        if origin is not None and urlsplit(origin).netloc != ws.headers.get("host"):
            # Browsers send any page's origin; only the app's own page may connect.
            await ws.close(code=1008)
            return
        await ws.accept()
        if len(sessions) >= MAX_SESSIONS:
            await ws.send_json({"type": "error", "message": "Too many open playground tabs; "
                                "close one and reload."})
            await ws.close(code=1013)
            return
        key = secrets.token_urlsafe(16)
        session = sessions[key] = await asyncio.to_thread(Session)
        try:
            await ws.send_json({"type": "hello", "session": key})
            while True:
                try:
                    message = json.loads(await ws.receive_text())
                    replies = await asyncio.to_thread(handle, session, message)
                except (NNZeroError, ValueError, TypeError, KeyError) as err:
                    replies = [{"type": "error", "message": _message(err)}]
                for reply in replies:
                    await ws.send_text(json.dumps(reply, allow_nan=False))
        except WebSocketDisconnect:
            pass
        finally:
            sessions.pop(key, None)

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/export/{kind}", download),
        WebSocketRoute("/ws", websocket),
    ]
    app = Starlette(routes=routes, middleware=[
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))])
    app.state.sessions = sessions
    return app


def _message(err) -> str:
    if isinstance(err, json.JSONDecodeError):
        return "The message is not JSON."
    if isinstance(err, KeyError):
        return f"The message lacks {err}."
    return str(err)


def handle(session: Session, message) -> list[dict]:
    """The replies to one websocket message of the page (run in a worker thread).

    Example
    -------
    >>> from nnzero.playground.server import handle
    >>> from nnzero.playground.session import Session
    >>> [r["type"] for r in handle(Session(), {"type": "step"})]
    ['frame']
    """
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise PlaygroundError("A message is an object with a 'type'.")
    kind = message["type"]
    if kind in ("tick", "step"):
        return [session.tick()]
    if kind == "settings":
        session.apply(message["settings"])
        return [session.data_message(), session.frame()]
    if kind == "reset":
        session.reset()
        return [session.frame()]
    if kind == "data":  # the page asks again after an upload
        return [session.data_message(), session.frame()]
    if kind == "add_point":
        session.add_point(message["x1"], message["x2"], message["label"])
        return [session.data_message(), session.frame()]
    if kind == "trace":
        return [trace_sample(session, message["index"])]
    raise PlaygroundError(f"Unknown message type {kind!r}.")


def make_server(host: str = "127.0.0.1", port: int = 8765, log_level: str = "warning"):
    """A uvicorn server for the app and the socket it will listen on, bound now.

    Binding here, before anything starts, makes a taken port an ``OSError``
    at once, and ``port=0`` picks a free port (read it from the socket).
    Returns ``(server, sock, url)``; run it with ``server.run(sockets=[sock])``.

    Example
    -------
    >>> from nnzero.playground.server import make_server
    >>> server, sock, url = make_server(port=0)
    >>> url.startswith("http://127.0.0.1:")
    True
    >>> sock.close()
    """
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    bound = sock.getsockname()[1]
    # Bound to every address, the app answers whatever name reaches it; otherwise
    # only its own names, so that a renamed host (DNS rebinding) gets nothing.
    hosts = ["*"] if host in ("0.0.0.0", "::") else ["127.0.0.1", "localhost", host]
    config = uvicorn.Config(create_app(allowed_hosts=hosts), log_level=log_level,
                            ws="auto", ws_max_size=1 << 20)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return uvicorn.Server(config), sock, f"http://{shown}:{bound}/"


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True,
          log_level: str = "warning") -> None:
    """Serve the playground until interrupted, opening a browser tab unless told not to.

    Raises
    ------
    OSError
        The address cannot be bound (the port is taken, or not this machine's).

    Example
    -------
    >>> from nnzero.playground.server import serve
    >>> serve(port=0, open_browser=False)  # doctest: +SKIP
    """
    import webbrowser

    server, sock, url = make_server(host, port, log_level)
    if open_browser:
        # The socket already listens, so the page's first request waits for the loop.
        webbrowser.open(url)
    print(f"nnzero playground on {url} (Ctrl-C stops it)")
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
