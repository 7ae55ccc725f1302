"""HTTP for the review page (Starlette on uvicorn), bound to 127.0.0.1 on a free port.

The page's address carries the session's token once (``/?t=...``, as the CLI prints it):
the server answers it with an HttpOnly, SameSite=Strict cookie and a redirect to ``/``, so
the token leaves the address bar and history. From then on a request is authorised by
the ``X-Texpack-Token`` header (the page's fetches) or the cookie (images, the event
stream); never by the query. Requests for another host name are refused (a page on
another site cannot reach the server through DNS rebinding); changes (POST) need the
header token and an ``Origin`` of the page itself, and bodies of at most ``MAX_BODY``
bytes holding a JSON object.

The page shows text from packs, dumps and profiles that may be someone else's, so every
answer carries a strict Content-Security-Policy (scripts only from ``/static``, no inline
script, connections only to this server) and ``nosniff``; files are served only from the
dump, pack and profile folders (:meth:`texpack.review.files.ReviewFiles.resolve`), and
only images as images: anything else there (an ``.html`` in a pack) is a download.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse as _JSONResponse
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from texpack.errors import ProfileError, TexpackError
from texpack.imageio import MAX_FILE_BYTES
from texpack.relpath import name_problem
from texpack.review.files import PathRefused
from texpack.review.live import LiveFeed, PackPoller
from texpack.review.service import ReviewService
from texpack.safefs import read_bounded

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html; charset=utf-8", ".png": "image/png"}
# What /file serves as itself: pictures. Everything else from the served folders is a download.
IMAGE_TYPES = {".png": "image/png", ".bmp": "image/bmp", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
MAX_BODY = 1 << 20
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]


class BodyError(TexpackError):
    """A request body that is too large or not a JSON object."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


async def read_json_object(request: Request, limit: int = MAX_BODY) -> dict[str, Any]:
    """The request's JSON object, reading at most ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyError(f"request body over {limit} bytes", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyError(f"request body over {limit} bytes", 413)
        chunks.append(chunk)
    try:
        body = json.loads(b"".join(chunks) or b"{}")
    except (ValueError, RecursionError) as e:
        raise BodyError(f"request body is not JSON ({type(e).__name__})", 400) from e
    if not isinstance(body, dict):
        raise BodyError("request body must be a JSON object", 400)
    return body


def security_headers(app: ASGIApp) -> ASGIApp:
    """ASGI wrapper adding ``SECURITY_HEADERS`` to every HTTP answer."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        return await app(scope, receive, send_with_headers)

    return wrapped


def free_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0))
    return s


class JSONResponse(_JSONResponse):
    """JSON whatever a profile or pack holds: a lone surrogate (from a name the OS gave, or a
    hand-edited profile) goes out as a \\udcXX escape instead of failing the answer."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8", "backslashreplace")


def error(e: Exception, code: int = 400) -> Response:
    """An error answer: a profile's problems (the page shows which rule is wrong), else the error's text."""
    status = e.status if isinstance(e, BodyError) else code
    return JSONResponse({"error": "; ".join(e.problems) if isinstance(e, ProfileError) else str(e)}, status)


class Access:
    """Who may ask: the page's own host names, the session token, and for changes the page's origin."""

    def __init__(self, token: str, port: int) -> None:
        self.token = token
        self.origins = {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.cookie = f"texpack-review-{port}"  # cookies are shared across ports: one name per server

    def valid(self, given: str | None) -> bool:
        return bool(given) and secrets.compare_digest(str(given).encode("utf-8", "surrogateescape"), self.token.encode())

    def refusal(self, request: Request, change: bool = False) -> Response | None:
        """The answer that refuses ``request``, or None when it may go on."""
        if request.headers.get("host") not in self.hosts:
            return PlainTextResponse("wrong host", 403)
        given = request.headers.get("x-texpack-token")
        if not self.valid(given) and (change or not self.valid(request.cookies.get(self.cookie))):
            return PlainTextResponse("missing or wrong token", 403)
        if change and request.headers.get("origin") not in self.origins:
            return PlainTextResponse("changes must come from the review page itself", 403)
        return None

    def entry(self, request: Request) -> Response | None:
        """The entry address ``/?t=TOKEN``: trade the token in the query for the cookie."""
        if request.headers.get("host") in self.hosts and self.valid(request.query_params.get("t")):
            to = RedirectResponse("/", 303, headers={"Cache-Control": "no-store"})
            to.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
            return to
        return None


class Api:
    """The page's requests, each mapped onto :class:`ReviewService` (access is checked before)."""

    def __init__(self, service: ReviewService, token: str) -> None:
        self.service, self.token = service, token

    async def index(self, request: Request) -> Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{TOKEN}}", self.token)
        return Response(html, media_type=TYPES[".html"], headers={"Cache-Control": "no-store"})

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        p = STATIC / name
        if name_problem(name) is not None or not p.is_file():
            return PlainTextResponse("not found", 404)
        return Response(p.read_bytes(), media_type=TYPES.get(p.suffix, "application/octet-stream"))

    async def rows(self, request: Request) -> Response:
        from texpack.models import list_models

        q, service = request.query_params, self.service
        try:
            found = service.query(q=q.get("q", ""), group=q.get("group", ""), status=q.get("status", ""), rule=q.get("rule", ""),
                                  changed=q.get("changed") == "1", min_side=int(q.get("min") or 0), max_side=int(q.get("max") or 0),
                                  sort=q.get("sort", "name"), desc=q.get("desc") == "1")
        except ValueError as e:
            return error(e)
        # the last field versions the thumbnail's address: a rebuilt texture gets a new one
        compact = [[r.id, r.name, r.status, r.group, r.width, r.height, int(r.changed), 1 if r.output else 0, f"{r.out_mtime:.6f}"] for r in found]
        return JSONResponse({"game": service.root.game, "emulator": service.root.emulator, "target": service.target.id,
                             "models": ["nearest", "bilinear", "bicubic"] + [m.name for m in list_models()],
                             "profile": str(service.editor.path), "undo": service.editor.can_undo(), "busy": service.busy,
                             "facets": service.facets(), "total": len(service.rows), "rows": compact})

    async def row(self, request: Request) -> Response:
        try:
            return JSONResponse(self.service.row(request.query_params.get("key", "")).to_json())
        except (PathRefused, ValueError) as e:
            return error(e, 404)

    async def thumb(self, request: Request) -> Response:
        q = request.query_params
        try:
            data = await asyncio.to_thread(self.service.thumb, q.get("key", ""), q.get("which", "out"), int(q.get("size", "96")))
        except (PathRefused, ValueError, OSError) as e:
            return error(e, 404)
        # An address with the pack file's version (v) names one picture for good: cache it.
        # Without one (nothing built yet) the browser asks again each time.
        versioned = q.get("v", "") not in ("", f"{0.0:.6f}")
        return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=86400" if versioned else "no-cache"})

    async def file(self, request: Request) -> Response:
        rel = request.query_params.get("path", "")  # decoded once, as sent
        if re.search(r"%(2f|5c|2e|00)", rel, re.I):
            return PlainTextResponse("encoded separators are refused", 400)  # a second decoding would make them real
        try:
            p = self.service.files.resolve(request.query_params.get("root", ""), rel)
            data = await asyncio.to_thread(read_bounded, p, MAX_FILE_BYTES)  # a pack file may be anything
        except PathRefused as e:
            return PlainTextResponse(str(e), 403)
        except OSError as e:
            return PlainTextResponse(f"cannot read {rel!r} ({type(e).__name__})", 404)
        kind = IMAGE_TYPES.get(p.suffix.lower())
        if kind is None:
            return Response(data, media_type="application/octet-stream",
                            headers={"Cache-Control": "no-cache", "Content-Disposition": "attachment"})
        return Response(data, media_type=kind, headers={"Cache-Control": "no-cache"})

    async def profile(self, request: Request) -> Response:
        try:
            return PlainTextResponse(self.service.editor.text())
        except TexpackError as e:
            return error(e)

    async def set_rule(self, request: Request) -> Response:
        try:
            body = await read_json_object(request)
            ids, settings = body.get("ids", []), body.get("set", {})
            if not isinstance(ids, list) or not isinstance(settings, dict):
                raise BodyError("'ids' must be a list and 'set' an object", 400)
            return JSONResponse(self.service.set_rule(str(body.get("name", "")), [str(i) for i in ids], settings))
        except (TexpackError, ValueError, TypeError) as e:
            return error(e)

    async def preview(self, request: Request) -> Response:
        try:
            body = await read_json_object(request)
            settings = body.get("set", {})
            if not isinstance(settings, dict):
                raise BodyError("'set' must be an object", 400)
            data = await asyncio.to_thread(self.service.preview, str(body.get("key", "")), settings)
        except (TexpackError, ValueError, TypeError) as e:
            return error(e)
        return Response(data, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def undo(self, request: Request) -> Response:
        try:
            return JSONResponse(self.service.undo())
        except TexpackError as e:
            return error(e)

    async def seen(self, request: Request) -> Response:
        try:
            self.service.mark_seen()
        except TexpackError as e:
            return error(e)
        return JSONResponse({"ok": True})

    async def events(self, request: Request) -> Response:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        listeners = self.service.listeners

        def push(event: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        listeners.append(push)

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 1000\n\n"
                while True:
                    try:
                        event = await asyncio.wait_for(queue.get(), timeout=15)
                        yield f"data: {json.dumps(event)}\n\n"
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"
            finally:
                listeners.remove(push)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


Handler = Callable[[Request], Awaitable[Response]]


def make_app(service: ReviewService, token: str, port: int) -> ASGIApp:
    """The page's ASGI app: every route checked by :class:`Access` once, then answered by :class:`Api`."""
    access, api = Access(token, port), Api(service, token)

    def route(path: str, handler: Handler, change: bool = False, entry: bool = False) -> Route:
        async def endpoint(request: Request) -> Response:
            if entry and (to := access.entry(request)) is not None:
                return to
            if (bad := access.refusal(request, change)) is not None:
                return bad
            return await handler(request)

        return Route(path, endpoint, methods=["POST"] if change else ["GET", "HEAD"])

    return security_headers(Starlette(routes=[
        route("/", api.index, entry=True), route("/static/{name}", api.static), route("/api/rows", api.rows),
        route("/api/row", api.row), route("/api/thumb", api.thumb), route("/file", api.file), route("/api/profile", api.profile),
        route("/api/events", api.events), route("/api/rules", api.set_rule, change=True), route("/api/preview", api.preview, change=True),
        route("/api/undo", api.undo, change=True), route("/api/seen", api.seen, change=True),
    ]))


class Server:
    """The page's server in a thread, for the CLI and for tests."""

    def __init__(self, service: ReviewService, live: LiveFeed | None = None) -> None:
        """``live``: what keeps the rows current while the page is open (default: following
        the pack's state, which another texpack may be writing; texpack/review/live.py)."""
        import uvicorn

        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(24)
        self.url = f"http://127.0.0.1:{self.port}/?t={self.token}"
        self.service = service
        self.app = make_app(service, self.token, self.port)
        self.uv = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        self.stop = threading.Event()
        self.live: LiveFeed = live or PackPoller(service)

    def serve(self) -> None:
        """Serve until Ctrl-C (uvicorn's own signal handling) or :meth:`shutdown`."""
        live = threading.Thread(target=self.live, args=(self.stop,), name="texpack-review-live", daemon=True)
        live.start()
        try:
            self.uv.run(sockets=[self.sock])
        finally:
            self.stop.set()
            # A watch feed finishes its batch and closes the game's session (its state) first.
            live.join(60)

    def start(self) -> threading.Thread:
        th = threading.Thread(target=self.serve, daemon=True)
        th.start()
        end = time.monotonic() + 10
        while not self.uv.started and time.monotonic() < end:
            time.sleep(0.02)
        return th

    def shutdown(self) -> None:
        self.uv.should_exit = True
        self.stop.set()
