"""The emulator's Flask app: the protocol routes of rzs-api.md per producer, the read-only
pages, and the admin endpoints under /_admin (tests; loopback clients only).

Order of the checks on a protocol request (`POST /<code>/ping`, `POST /<code>/events`):
  unknown producer code -> 404 `Błąd: Nieznany producent`;
  the faults (rzs_emulator/faults.py: latency, throttle 429, hang, 500 for /events);
  401 `Błąd: Nieprawidłowe parametry logowania`: no Basic credentials, a login and key that
      are not those of a service company of THIS producer, or that company's NIP is not
      `X-RZS-Service-NIP`;
  403 `Błąd: Niezgodny NIP producenta`: `X-RZS-Producer-NIP` is not this producer's NIP;
  ping: 200 `OK`;
  events: 422 (not JSON, no `events` list, no events) / 413 (over 500 events, or a body over
      MAX_BODY bytes) / 422 per field (protocol.parse_events), then processing (store.py) and
      200 with the reply lines; a lost reply (faults) after the commit.
"""

from __future__ import annotations

import hmac
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from flask import Flask, Response, abort, current_app, jsonify, request
from flask import render_template_string as render
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from rzs_emulator import pages, protocol
from rzs_emulator.config import Config, Producer, ServiceCompany
from rzs_emulator.faults import FaultError, Faults, FaultSettings
from rzs_emulator.store import Store

MAX_BODY = 64 * 1024 * 1024
LOOPBACK = ("127.", "::1", "::ffff:127.")


class ReplyLost(ConnectionResetError):
    """Raised past Flask once the connection is shut: werkzeug's server treats a ConnectionError
    as a dropped connection and writes nothing."""


@dataclass
class State:
    config: Config
    store: Store
    faults: Faults
    admin: bool


def state() -> State:
    return current_app.extensions["rzs_emulator"]


def text(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body, status=status, headers=headers,
                    content_type="text/plain; charset=utf-8")


class LoseReply:
    """WSGI middleware: when the view marked the reply as lost, shut the connection down
    before a byte of the reply is written (werkzeug sends the status line on the first write,
    not on start_response)."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if not environ.get("rzs.lose_reply"):
            return result
        if hasattr(result, "close"):
            result.close()
        sock = environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ReplyLost("reply lost on purpose (fault injection)")


def create_app(
    config: Config,
    data_dir: str | Path,
    faults: FaultSettings | None = None,
    admin: bool = True,
) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    store = Store(data_dir)
    for warning in store.seed_devices(config):
        app.logger.warning(warning)
    app.extensions["rzs_emulator"] = State(config, store, Faults(faults), admin)
    app.wsgi_app = LoseReply(app.wsgi_app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/_admin"):
            return jsonify(error=exc.description), exc.code
        if isinstance(exc, RequestEntityTooLarge):
            return text(protocol.TOO_MANY, 413)
        if exc.code == 405:
            return text(protocol.BAD_METHOD, 405)
        if exc.code == 404:
            return text(protocol.NOT_FOUND, 404)
        return text(f"Błąd: {exc.name}", exc.code or 500)

    # -- the protocol ----------------------------------------------------------------------

    @app.post("/<code>/ping")
    def ping(code: str):
        return _protocol(code, events=False)

    @app.post("/<code>/events")
    def events(code: str):
        return _protocol(code, events=True)

    # -- the pages --------------------------------------------------------------------------

    @app.get("/")
    def index():
        st = state()
        producers = [(p, st.store.counts(p.code)) for p in st.config.producers]
        recent = pages.recent_events(st.store, None, limit=30)
        return render(pages.INDEX, producers=producers, recent=recent,
                      faults=st.faults.settings, names=pages.company_names(st.config))

    @app.get("/<code>/")
    def producer_page(code: str):
        st = state()
        producer = st.config.by_code.get(code)
        if producer is None:
            abort(404)
        show = request.args.get("show", "")
        if show and show not in pages.SECTIONS:
            abort(404)
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        return render(
            pages.PRODUCER,
            producer=producer,
            counts=st.store.counts(code),
            sections=pages.sections(st.store, code, show, page),
            show=show,
            page=page,
            names=pages.company_names(st.config),
            kinds=pages.KIND_NAMES,
            base=request.host_url.rstrip("/"),
        )

    # -- admin (tests) ----------------------------------------------------------------------

    @app.before_request
    def admin_guard():
        if request.path.startswith("/_admin"):
            st = state()
            if not st.admin:
                abort(404)
            if not (request.remote_addr or "").startswith(LOOPBACK):
                abort(403, "admin endpoints answer loopback clients only")

    @app.get("/_admin/faults")
    def get_faults():
        return jsonify(state().faults.settings.to_json())

    @app.post("/_admin/faults")
    def set_faults():
        data = request.get_json(silent=True)
        if data is None:
            data = {} if not request.get_data() else None
        try:
            settings = FaultSettings.from_json(data)
        except (FaultError, TypeError) as exc:
            return jsonify(error=str(exc)), 400
        state().faults.set(settings)
        return jsonify(settings.to_json())

    @app.post("/_admin/reset")
    def reset():
        st = state()
        st.store.reset(st.config)
        return jsonify(ok=True)

    @app.get("/_admin/stats")
    def stats():
        st = state()
        return jsonify({p.code: st.store.counts(p.code) for p in st.config.producers})

    @app.get("/_admin/events")
    def admin_events():
        st = state()
        code = request.args.get("producer")
        rows = st.store.query(
            "SELECT e.producer, e.service_nip, e.event_id AS id, e.kind, d.unique_no,"
            " d.factory_no, e.performed_on, e.seal_no, e.request_id, e.received_at"
            " FROM events e JOIN devices d ON d.id = e.device_id"
            + (" WHERE e.producer = ?" if code else "") + " ORDER BY e.id",
            (code,) if code else (),
        )
        return jsonify([dict(r) for r in rows])

    return app


def _authenticate(producer: Producer) -> ServiceCompany | None:
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        return None
    company = producer.by_login.get(auth.username)
    if company is None:
        return None
    if not hmac.compare_digest((auth.password or "").encode(), company.key.encode()):
        return None
    if request.headers.get("X-RZS-Service-NIP", "").strip() != company.nip:
        return None
    return company


def _retry_after(settings) -> str:
    if settings.retry_after_date:
        moment = datetime.now(UTC) + timedelta(seconds=settings.retry_after)
        return format_datetime(moment, usegmt=True)
    return str(settings.retry_after)


def _protocol(code: str, events: bool) -> Response:
    st = state()
    producer = st.config.by_code.get(code)
    if producer is None:
        return text(protocol.UNKNOWN_PRODUCER, 404)
    faults = st.faults
    settings = faults.settings
    if settings.latency_ms:
        time.sleep(settings.latency_ms / 1000)
    if faults.throttled():
        return text(protocol.THROTTLED, 429, {"Retry-After": _retry_after(settings)})
    if faults.hang():
        time.sleep(settings.hang_seconds)
    if events and faults.fail():
        return text(protocol.FAILED, 500)
    company = _authenticate(producer)
    if company is None:
        return text(protocol.BAD_LOGIN, 401)
    if request.headers.get("X-RZS-Producer-NIP", "").strip() != producer.nip:
        return text(protocol.BAD_PRODUCER_NIP, 403)
    if not events:
        return text(protocol.OK)
    try:
        parsed = protocol.parse_events(request.get_data())
    except protocol.TooManyEvents:
        return text(protocol.TOO_MANY, 413)
    except protocol.Invalid as exc:
        return text(protocol.INVALID.format(path=exc.path), 422)
    lost = faults.lose_reply()
    outcome = st.store.process(producer, company, parsed, reply_lost=lost)
    if lost:
        if settings.lose_reply_mode == "502":
            return text(protocol.LOST_REPLY, 502)
        request.environ["rzs.lose_reply"] = True
    return text(outcome.reply)
