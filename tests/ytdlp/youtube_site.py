"""A YouTube-shaped site on 127.0.0.1, reached by real yt-dlp through its ``proxy`` option.

yt-dlp's own YouTube extractor fetches ``https://www.youtube.com/watch?v=ID`` and POSTs to
``https://www.youtube.com/youtubei/v1/player``. :class:`FakeYoutube` is an HTTP proxy on
127.0.0.1: it accepts ``CONNECT www.youtube.com:443``, terminates TLS with a self-signed
certificate made for the test (yt-dlp runs with ``nocheckcertificate``), and answers the
requests inside from :class:`Video` scenarios: a watch page carrying
``ytInitialPlayerResponse``, player API answers with a ``playabilityStatus`` in the shapes
yt-dlp's ``_video.py`` reads (``status``, ``reason``, ``errorScreen.playerErrorMessageRenderer``
with ``subreason``, ``playerCaptchaViewModel``), or a bare HTTP status (429). Nothing leaves
the machine: every other host is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agent.net.guard import AddressGuard

#: The handlers' address guard, opened for the test servers (and the proxy) on 127.0.0.1.
LOOPBACK_GUARD = AddressGuard.from_setting("127.0.0.1/32")
VID_DEFAULT = "dQw4w9WgXcQ"
ALLOWED_HOSTS = ("www.youtube.com", "youtube.com", "m.youtube.com")
PLAYER_ID = "0123abcd"
#: The challenge put in every format URL; the fixture player's solution is its reverse.
N_CHALLENGE = "nChallenge123"
PLAYER_JS = (Path(__file__).parents[1] / "fixtures" / "player_base.js").read_text(encoding="utf-8")
# yt-dlp reads the signature timestamp from the player; a comment carries it for the solver.
PLAYER_JS = f"/* signatureTimestamp:20400 */\n{PLAYER_JS}"


# What yt-dlp's web_embedded client reads from an embed page (its age-gate workaround).
_EMBED_PAGE = (
    b"<html><script>ytcfg.set({"
    b'"INNERTUBE_CONTEXT": {"client": {"clientName": "WEB_EMBEDDED_PLAYER",'
    b' "clientVersion": "1.20260101.01.00"}}, "INNERTUBE_CONTEXT_CLIENT_NAME": 56'
    b"});</script></html>"
)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for YouTube's host names (cert file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.youtube.com")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in ALLOWED_HOSTS]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "youtube.pem", directory / "youtube.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def playability(
    status: str,
    reason: str,
    subreason: str | None = None,
    *,
    captcha: bool = False,
) -> dict[str, Any]:
    """A ``playabilityStatus`` as YouTube sends it for a video that cannot be played."""
    renderer: dict[str, Any] = {"reason": {"simpleText": reason}}
    if subreason:
        renderer["subreason"] = {"simpleText": subreason}
    screen: dict[str, Any] = {"playerErrorMessageRenderer": renderer}
    if captcha:
        screen = {"playerCaptchaViewModel": {"accessibility": {}}}
    return {"status": status, "reason": reason, "errorScreen": screen}


@dataclass
class Video:
    """How the site answers for one video id."""

    playability_status: dict[str, Any] | None = None  # None: a playable video
    http_status: int = 200  # anything else: every request about this video gets that status
    title: str = "A video"
    duration_s: int = 61
    captions: dict[str, str] = field(default_factory=dict)  # language -> WebVTT text

    def player_response(self, video_id: str, port: int) -> dict[str, Any]:
        details = {
            "videoId": video_id,
            "title": self.title,
            "lengthSeconds": str(self.duration_s),
            "author": "Fake Channel",
            "channelId": "UCfakechannel0000000000a",
            "isLiveContent": False,
        }
        response: dict[str, Any] = {"videoDetails": details}
        if self.playability_status is not None:
            response["playabilityStatus"] = self.playability_status
            return response
        response["playabilityStatus"] = {"status": "OK", "playableInEmbed": True}
        response["streamingData"] = {
            "expiresInSeconds": "21540",
            "adaptiveFormats": [
                {
                    "itag": 140,
                    "url": (
                        f"https://www.youtube.com/videoplayback/{video_id}.m4a"
                        f"?itag=140&n={N_CHALLENGE}"
                    ),
                    "mimeType": 'audio/mp4; codecs="mp4a.40.2"',
                    "bitrate": 130000,
                    "contentLength": "4096",
                    "audioQuality": "AUDIO_QUALITY_MEDIUM",
                    "audioSampleRate": "44100",
                    "audioChannels": 2,
                    "approxDurationMs": str(self.duration_s * 1000),
                }
            ],
        }
        if self.captions:
            response["captions"] = {
                "playerCaptionsTracklistRenderer": {
                    "captionTracks": [
                        {
                            "baseUrl": f"https://www.youtube.com/api/timedtext?v={video_id}&lang={lang}",
                            "name": {"simpleText": lang},
                            "languageCode": lang,
                            "kind": "",
                        }
                        for lang in self.captions
                    ]
                }
            }
        return response


class FakeYoutube:
    """The proxy and site. ``requests`` records ``METHOD host/path`` of every request."""

    def __init__(self, cert: tuple[Path, Path]) -> None:
        self.videos: dict[str, Video] = {}
        self.requests: list[str] = []
        #: The query of every media request (``n`` shows whether the challenge was solved).
        self.media_queries: list[dict[str, list[str]]] = []
        #: The ``Cookie`` header of every request ("" when none).
        self.cookies: list[str] = []
        #: ``context.client.clientName`` of every player API request.
        self.player_clients: list[str] = []
        self.refused: list[str] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        site = self

        class Inner(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.answer(self, "GET", b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                site.answer(self, "POST", self.rfile.read(length))

            def log_message(self, format: str, *args: object) -> None:
                return

        class Proxy(BaseHTTPRequestHandler):
            def do_CONNECT(self) -> None:
                host = self.path.rsplit(":", 1)[0]
                if host not in ALLOWED_HOSTS:
                    site.refused.append(self.path)
                    self.send_error(403, "only YouTube's hosts are served here")
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                try:
                    tls = context.wrap_socket(self.connection, server_side=True)
                    Inner(tls, self.client_address, self.server)
                except (ssl.SSLError, OSError):
                    pass
                self.close_connection = True

            def do_GET(self) -> None:
                site.refused.append(self.path)
                self.send_error(403, "plain HTTP is not served here")

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def proxy(self) -> str:
        """The ``proxy`` parameter for yt-dlp."""
        return f"http://127.0.0.1:{self.port}"

    def params(self) -> dict[str, Any]:
        """``YoutubeDL`` parameters that route YouTube through this site."""
        return {"proxy": self.proxy, "nocheckcertificate": True, "cachedir": False}

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def answer(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        self.requests.append(f"{method} {parts.path}")
        self.cookies.append(handler.headers.get("Cookie") or "")
        if parts.path == "/youtubei/v1/player":
            self.player_clients.append(_client_name(body))
        static = self._static(parts.path)
        if static is not None:
            self._send(handler, 200, *static)
            return
        video_id = _video_id(parts.path, query, body)
        video = self.videos.get(video_id)
        if video is None:
            self._send(handler, 404, "text/plain", b"not here")
        elif video.http_status != 200:
            self._send(handler, video.http_status, "text/html", b"<html>Too Many Requests</html>")
        else:
            self._send(handler, *self._video_answer(parts.path, query, video_id, video))

    def _static(self, path: str) -> tuple[str, bytes] | None:
        if path == "/iframe_api":
            widget = f"https:\\/\\/www.youtube.com\\/s\\/player\\/{PLAYER_ID}\\/www-widgetapi.js"
            return "text/javascript", f"var scriptUrl = '{widget}';".encode()
        if path.startswith(f"/s/player/{PLAYER_ID}/"):
            return "text/javascript", PLAYER_JS.encode()
        if path == "/youtubei/v1/next":
            return "application/json", b'{"contents": {}}'
        return None

    def _video_answer(
        self, path: str, query: dict[str, list[str]], video_id: str, video: Video
    ) -> tuple[int, str, bytes]:
        if path.startswith("/embed/"):
            return 200, "text/html; charset=utf-8", _EMBED_PAGE
        if path == "/watch":
            return 200, "text/html; charset=utf-8", self._watch_page(video_id, video)
        if path == "/youtubei/v1/player":
            data = json.dumps(video.player_response(video_id, self.port)).encode()
            return 200, "application/json", data
        if path.startswith("/videoplayback/"):
            self.media_queries.append(query)
            return 200, "audio/mp4", b"\0" * 4096
        if path == "/api/timedtext":
            text = video.captions.get((query.get("lang") or [""])[0])
            if text is not None:
                return 200, "text/vtt", text.encode()
        return 404, "text/plain", b"not here"

    def _watch_page(self, video_id: str, video: Video) -> bytes:
        response = json.dumps(video.player_response(video_id, self.port))
        return (
            "<!DOCTYPE html><html><head><title>"
            f"{video.title} - YouTube</title></head><body>"
            f"<script>var ytInitialPlayerResponse = {response};</script>"
            '<script>var ytInitialData = {"contents": {"twoColumnWatchNextResults": {}}};</script>'
            "</body></html>"
        ).encode()

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, kind: str, body: bytes) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass


def _video_id(path: str, query: dict[str, list[str]], body: bytes) -> str:
    """The video a request is about: ``?v=``, the player API's ``videoId``, or the path."""
    if path.startswith("/youtubei/v1/"):
        try:
            return str(json.loads(body or b"{}").get("videoId", ""))
        except ValueError:
            return ""
    if path.startswith(("/embed/", "/videoplayback/")):
        return path.rsplit("/", 1)[-1].split(".")[0]
    return (query.get("v") or [""])[0]


def _client_name(body: bytes) -> str:
    try:
        return str(json.loads(body)["context"]["client"]["clientName"])
    except (ValueError, KeyError, TypeError):
        return ""
