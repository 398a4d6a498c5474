"""The transport-free application: routing, latency, quota, faults, stats, control endpoints.

:meth:`App.handle` turns (method, target, headers, body) into a :class:`Reply`; the HTTP layer
only reads requests and writes replies, so everything here is testable without sockets.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sheets_emulator import access as access_control
from sheets_emulator import faults as fault_kinds
from sheets_emulator.access import Access, Caller
from sheets_emulator.errors import ApiError, drive_not_found
from sheets_emulator.faults import Fault, Faults
from sheets_emulator.fieldmask import MaskError, apply_mask, parse_mask
from sheets_emulator.identity import Accounts
from sheets_emulator.protection import ACCOUNT
from sheets_emulator.quota import Quota, quota_error
from sheets_emulator.routes import Route, match
from sheets_emulator.service import Behaviour, Service
from sheets_emulator.stats import Stats
from sheets_emulator.wire import JSON_TYPE, Request, Response

log = logging.getLogger("sheets_emulator")

CONTROL_PREFIX = "/_emulator/"
_CREATES = ("spreadsheets.create", "drive.files.create", "drive.files.copy")
_READ_POSTS = (":batchGetByDataFilter", "developerMetadata:search")
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_ENCODE_ASCII = json.JSONEncoder(separators=(",", ":")).encode


@dataclass
class Reply:
    """What to send back: a status, headers and body; or nothing at all (``cut``)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False


@dataclass
class Settings:
    """Run-time settings (``PUT /_emulator/config`` changes them)."""

    latency_ms: int = 0
    quota: bool = False
    per_user_per_minute: int = 60
    per_project_per_minute: int = 300
    quota_window_s: float = 60.0
    fault_rate: float = 0.0
    seed: int | None = None
    slow_ms: int = 1000
    late_ms: int = 3000
    delete_duplicates_shrinks_grid: bool = False
    find_replace_hidden_rows: bool = False
    fault_kinds: list[str] = field(default_factory=lambda: list(fault_kinds.ALL_KINDS))


def _json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Reply:
    out = {"Content-Type": JSON_TYPE}
    out.update(headers or {})
    try:
        data = _ENCODE(body).encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates (accepted, as Google does): send them escaped
        data = _ENCODE_ASCII(body).encode("ascii")
    return Reply(status, data, out)


def error_reply(error: ApiError) -> Reply:
    """A reply carrying Google's error envelope."""
    return _json_reply(error.code, error.body(), error.headers)


class App:
    """The emulator behind the HTTP server."""

    def __init__(self, service: Service, settings: Settings | None = None) -> None:
        self.service = service
        self.settings = settings or Settings()
        self.stats = Stats()
        self.quota = Quota()
        self.faults = Faults()
        self.accounts = Accounts()
        self.access = Access(self.accounts)
        self._lock = threading.Lock()
        self._late: set[threading.Timer] = set()
        self._late_lock = threading.Lock()
        self.configure(**vars(self.settings))

    # -- configuration -----------------------------------------------------------------------

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change run-time settings; unknown names or bad values raise ValueError."""
        with self._lock:
            current = vars(self.settings).copy()
            unknown = set(changes) - set(current)
            if unknown:
                raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
            current.update(changes)
            settings = _validated(current)
            self.settings = settings
            self.quota.per_user = settings.per_user_per_minute
            self.quota.per_project = settings.per_project_per_minute
            self.quota.window_s = settings.quota_window_s
            self.service.behaviour = Behaviour(
                delete_duplicates_shrinks_grid=settings.delete_duplicates_shrinks_grid,
                find_replace_hidden_rows=settings.find_replace_hidden_rows,
            )
            self.faults.configure(
                rate=settings.fault_rate,
                slow_ms=settings.slow_ms,
                late_ms=settings.late_ms,
                kinds=tuple(settings.fault_kinds),
            )
            if "seed" in changes:
                self.faults.set_seed(settings.seed)
            return self.config()

    def config(self) -> dict[str, Any]:
        """The current settings as JSON."""
        out = dict(vars(self.settings))
        out["fault_kinds"] = list(self.settings.fault_kinds)
        return out

    def reset(self, stats_only: bool = False) -> None:
        """Forget stats and quota windows (and, unless ``stats_only``, all data, registered
        tokens, armed faults and late writes not yet applied)."""
        if not stats_only:
            self.cancel_late()
            self.service.reset()
            self.accounts.reset()
            self.access.reset()
            self.faults.reset_armed()
        self.stats.reset()
        self.quota.reset()
        self.faults.reseed()

    def cancel_late(self) -> int:
        """Drop late writes not yet applied (on reset and stop); returns how many."""
        with self._late_lock:
            timers, self._late = self._late, set()
        for timer in timers:
            timer.cancel()
        return len(timers)

    def stats_json(self) -> dict[str, Any]:
        """``GET /_emulator/stats``."""
        out = self.stats.snapshot()
        out["quota"]["usage"] = self.quota.usage()
        out["config"] = self.config()
        out["data"] = self.service.describe()
        with self._late_lock:
            out["late_writes"]["pending"] = len(self._late)
        return out

    # -- requests ----------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (``headers`` keys in lower case)."""
        split = urlsplit(target)
        path = split.path
        params = parse_qs(split.query, keep_blank_values=True)
        if path.startswith(CONTROL_PREFIX) or path.rstrip("/") == CONTROL_PREFIX.rstrip("/"):
            return self._control(method, path, params, body)
        caller = self.access.identify(headers)
        if isinstance(caller, ApiError):
            self.stats.status(caller.code)
            return error_reply(caller)
        shared = self._permissions(method, path, caller, body)
        if shared is not None:
            return shared
        found = match(method, path)
        if found is None:
            reply = error_reply(ApiError(404, f"Method not found: {method} {path}"))
            self.stats.status(404)
            return reply
        route, args = found
        kind = _kind(route, method, path)
        who = caller.identity
        self.stats.request(method, kind, route.name, who.stats_user, who.account)
        denied = self._denied(args, caller)
        if denied is not None:
            self.stats.status(denied.code)
            return error_reply(denied)
        reply = self._api(
            route,
            kind,
            Request(method, path, params, body, who.account, self.service, args),
            caller.project,
        )
        if reply.status == 200 and route.name in _CREATES:
            self._record_owner(reply, caller)
        self.stats.status(0 if reply.cut else reply.status)
        return reply

    def _permissions(self, method: str, path: str, caller: Caller, body: bytes) -> Reply | None:
        """Drive ``permissions`` requests, answered by :mod:`sheets_emulator.access`."""
        if not path.startswith("/drive/v3/files/"):
            return None
        found = self.service.store.get(path.split("/")[4])
        try:
            result = self.access.permissions(
                method, path, caller, body, exists=found is not None and not found.deleted
            )
        except ApiError as exc:
            return error_reply(exc)
        if result is None:
            return None
        who = caller.identity
        self.stats.request(method, "drive", "drive.permissions", who.stats_user, who.account)
        status, answer = result
        return Reply(204) if answer is None else _json_reply(status, answer)

    def _denied(self, args: Mapping[str, str], caller: Caller) -> ApiError | None:
        """403 (Sheets) or 404 (Drive) when strict access keeps ``caller`` out."""
        if "id" in args and not self.access.may_open(args["id"], caller):
            return access_control.permission_denied()
        if "file" in args and not self.access.may_open(args["file"], caller):
            return drive_not_found(args["file"])
        return None

    def _record_owner(self, reply: Reply, caller: Caller) -> None:
        try:
            created = json.loads(reply.body)
        except ValueError:
            return
        new_id = created.get("spreadsheetId") or created.get("id")
        if isinstance(new_id, str):
            self.access.record_owner(new_id, caller.account)

    def _api(self, route: Route, kind: str, req: Request, project: str) -> Reply:
        settings = self.settings
        if settings.latency_ms > 0:
            time.sleep(settings.latency_ms / 1000)
        if settings.quota and kind in ("read", "write"):
            refusal = self.quota.admit(kind, req.user, project)
            if refusal is not None:
                scope = "user" if "per user" in refusal.message else "project"
                self.stats.quota(kind, scope)
                return error_reply(refusal)
        fault: Fault | None = None
        if kind in ("read", "write"):
            fault = self.faults.draw(kind == "write", req.method, req.path, req.body, req.user)
        if fault is None:
            return self._call(route, req)
        self.stats.fault(fault.kind)
        if fault.kind in fault_kinds.BEFORE:
            return error_reply(_fault_error(fault.kind, kind, settings.per_user_per_minute))
        if fault.kind == fault_kinds.SLOW:
            time.sleep(fault.delay_ms / 1000)
        if fault.kind == fault_kinds.LATE:
            return self._late_write(route, req, fault)
        reply = self._call(route, req)
        if fault.kind == fault_kinds.LOST_CUT:
            return Reply(0, cut=True)
        if fault.kind == fault_kinds.LOST_503:
            return error_reply(_fault_error(fault_kinds.HTTP_503, kind, 0))
        return reply

    def _late_write(self, route: Route, req: Request, fault: Fault) -> Reply:
        """Apply the write ``delay_ms`` from now (after later writes that arrive meanwhile)
        and answer it with a 503, a cut, or (``timeout``) its real answer once it landed."""
        if fault.answer == "timeout":
            time.sleep(fault.delay_ms / 1000)
            reply = self._call(route, req)
            self.stats.late_landed()
            return reply
        timer = threading.Timer(fault.delay_ms / 1000, lambda: None)
        timer.function = lambda: self._land(timer, route, req)
        timer.daemon = True
        with self._late_lock:
            self._late.add(timer)
        timer.start()
        if fault.answer == "cut":
            return Reply(0, cut=True)
        return error_reply(_fault_error(fault_kinds.HTTP_503, "write", 0))

    def _land(self, timer: threading.Timer, route: Route, req: Request) -> None:
        with self._late_lock:
            if timer not in self._late:
                return  # cancelled by a reset or stop
            self._late.discard(timer)
        reply = self._call(route, req)
        self.stats.late_landed()
        log.debug("emulator: late %s %s landed with %s", req.method, req.path, reply.status)

    def _call(self, route: Route, req: Request) -> Reply:
        token = ACCOUNT.set(req.user)
        try:
            result = route.handler(req)
        except ApiError as exc:
            return error_reply(exc)
        except Exception:
            log.exception("emulator: %s %s failed", req.method, req.path)
            return error_reply(ApiError(500, "Internal error encountered."))
        finally:
            ACCOUNT.reset(token)
        if isinstance(result, Response):
            if result.raw is not None:
                headers = {"Content-Type": result.content_type, **result.headers}
                return Reply(result.status, result.raw, headers)
            if result.body is None:
                return Reply(result.status, b"", dict(result.headers))
            return _json_reply(result.status, result.body, result.headers)
        if route.kind != "drive" and isinstance(result, dict):
            selected = req.param("fields")
            if selected:  # a system parameter of every method; Drive handlers apply their own
                try:
                    result = apply_mask(result, parse_mask(selected))
                except MaskError as exc:
                    return error_reply(ApiError(400, f"Invalid field selection {selected}: {exc}"))
        return _json_reply(200, result)

    def _control(self, method: str, path: str, params: dict[str, list[str]], body: bytes) -> Reply:
        name = path[len(CONTROL_PREFIX) :].strip("/")
        try:
            answered = access_control.control(self.access, method, name, body)
            if answered is not None:
                return _json_reply(*answered)
            if (method, name) == ("GET", "health"):
                return _json_reply(200, {"status": "ok", "data": self.service.describe()})
            if (method, name) == ("GET", "stats"):
                return _json_reply(200, self.stats_json())
            if (method, name) == ("POST", "reset"):
                stats_only = params.get("stats_only", ["false"])[0].lower() in ("1", "true", "yes")
                self.reset(stats_only=stats_only)
                return _json_reply(200, {"reset": "stats" if stats_only else "all"})
            if (method, name) == ("GET", "config"):
                return _json_reply(200, self.config())
            if (method, name) in (("PUT", "config"), ("POST", "config"), ("PATCH", "config")):
                return _json_reply(200, self.configure(**_object(body)))
            if name == "tokens":
                return self._tokens(method, body)
            if name == "faults":
                return self._faults(method, params, body)
        except (ValueError, TypeError) as exc:
            return error_reply(ApiError(400, f"Bad control request: {exc}"))
        return error_reply(ApiError(404, f"Unknown control endpoint: {method} {path}"))

    def _tokens(self, method: str, body: bytes) -> Reply:
        if method == "GET":
            return _json_reply(200, {"tokens": self.accounts.table()})
        if method in ("PUT", "POST", "PATCH"):
            tokens = _object(body).get("tokens")
            if not isinstance(tokens, dict):
                raise ValueError('the body must be {"tokens": {"<token>": "<account>"}}')
            return _json_reply(200, {"tokens": self.accounts.register(tokens)})
        if method == "DELETE":
            self.accounts.reset()
            return _json_reply(200, {"tokens": {}})
        raise ValueError(f"{method} is not supported on tokens")

    def _faults(self, method: str, params: dict[str, list[str]], body: bytes) -> Reply:
        if method == "GET":
            return _json_reply(200, self.faults.listing())
        if method == "POST":
            return _json_reply(200, self.faults.arm(_object(body)))
        if method == "DELETE":
            raw_id = params.get("id", [None])[0]
            fault_id = int(raw_id) if raw_id else None
            return _json_reply(200, {"disarmed": self.faults.disarm(fault_id)})
        raise ValueError(f"{method} is not supported on faults")


def _object(body: bytes) -> dict[str, Any]:
    value = json.loads(body or b"{}")
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value


def _validated(values: dict[str, Any]) -> Settings:
    settings = Settings(**values)
    if not isinstance(settings.latency_ms, int) or settings.latency_ms < 0:
        raise ValueError("latency_ms must be an integer >= 0")
    for flag in ("quota", "delete_duplicates_shrinks_grid", "find_replace_hidden_rows"):
        if not isinstance(getattr(settings, flag), bool):
            raise ValueError(f"{flag} must be true or false")
    for name in ("per_user_per_minute", "per_project_per_minute"):
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1")
    if not isinstance(settings.quota_window_s, (int, float)) or settings.quota_window_s <= 0:
        raise ValueError("quota_window_s must be > 0")
    if not isinstance(settings.fault_rate, (int, float)) or not 0 <= settings.fault_rate <= 1:
        raise ValueError("fault_rate must be between 0 and 1")
    if settings.seed is not None and (
        not isinstance(settings.seed, int) or isinstance(settings.seed, bool)
    ):
        raise ValueError("seed must be an integer or null")
    if not isinstance(settings.slow_ms, int) or settings.slow_ms < 0:
        raise ValueError("slow_ms must be an integer >= 0")
    if not isinstance(settings.late_ms, int) or settings.late_ms < 0:
        raise ValueError("late_ms must be an integer >= 0")
    kinds = settings.fault_kinds
    if not isinstance(kinds, (list, tuple)) or not set(kinds) <= set(fault_kinds.ALL_KINDS):
        raise ValueError(f"fault_kinds must be a list of {', '.join(fault_kinds.ALL_KINDS)}")
    return replace(settings, fault_kinds=list(kinds))


def _kind(route: Route, method: str, path: str) -> str:
    if route.kind == "write" and method == "POST" and path.endswith(_READ_POSTS):
        return "read"
    return route.kind


def _fault_error(fault: str, kind: str, per_user: int) -> ApiError:
    if fault == fault_kinds.HTTP_429:
        return quota_error(kind, "user", per_user, 1.0)
    if fault == fault_kinds.HTTP_500:
        return ApiError(500, "Internal error encountered.")
    return ApiError(503, "The service is currently unavailable.")
