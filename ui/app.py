"""The Gradio web chat: streaming answers, a sources panel, uploads, settings and an API.

``build_app(assistant)`` returns the ``gr.Blocks``; ``launch(settings, ...)`` serves it.
Binds 127.0.0.1 unless told otherwise; any other address needs ``--auth`` (or ``--no-auth``).
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import ConfigError, NewsdeskError
from assistant.timeline import Timeline, TimelineAsk, timeline_request
from assistant.types import Answer

if TYPE_CHECKING:
    from assistant import Assistant, Settings
    from assistant.watch import Watcher
from ui import render

MAX_UPLOAD_MB = int(os.environ.get("NEWSDESK_MAX_UPLOAD_MB", "20"))
MAX_K = 50
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".json", ".xml",
                ".rss", ".atom"]


def check_bind(host: str, auth: str | None, no_auth: bool) -> None:
    """Refuse to expose the app beyond loopback without a login."""
    if auth is not None:
        user, colon, password = auth.partition(":")
        if not colon or not user.strip() or not password:
            raise ConfigError("--auth must be USER:PASS with a user name and a password "
                              "(an empty one would start a server nobody can log in to)")
    loopback = host in ("localhost",) or _is_loopback(host)
    if not loopback and not auth and not no_auth:
        raise ConfigError(
            f"refusing to bind {host} without a login: anyone on the network could read and "
            "add articles. Pass --auth USER:PASS (or --no-auth if you really mean it), or use "
            "--host 127.0.0.1")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ChatBackend:
    """The page's handlers, separate from the layout so they can be tested without a browser."""

    def __init__(self, assistant: Assistant, watcher: Watcher | None = None) -> None:
        self.assistant = assistant
        self.watcher = watcher
        self._ingesting = threading.Event()
        self._ingest_lock = threading.Lock()

    # ---------------------------------------------------------------- chat
    def respond(self, message: str, chat: list[dict[str, Any]], turns: list[list[str]],
                since: str, until: str, sources: list[str] | None, k: float, answerer: str
                ) -> Iterator[tuple[list[dict[str, Any]], list[list[str]], str, str]]:
        chat = list(chat or [])
        turns = list(turns or [])
        message = message or ""
        if not message.strip():
            yield chat, turns, render.sources_html(None, "Type a question first."), message
            return
        chat.append({"role": "user", "content": render.answer_html(message[:2000])})
        chat.append({"role": "assistant", "content": "…"})
        note = ("An upload is being indexed; this answer uses the articles indexed so far."
                if self._ingesting.is_set() else "")
        yield chat, turns, render.sources_html(None, note, pending=True), ""
        ask = timeline_request(message)
        if ask is not None:  # "what happened with X": a dated, cited list, not one answer
            try:
                tl = self._timeline(ask, since, until, sources)
            except NewsdeskError as exc:
                chat[-1] = {"role": "assistant", "content": render.answer_html(f"⚠ {exc}")}
                yield chat, turns, render.sources_html(None, str(exc)), ""
                return
            chat[-1] = {"role": "assistant", "content": render.timeline_html(tl)}
            turns.append([message, tl.text()])
            yield chat, turns, render.timeline_sources_html(tl, note), ""
            return
        text = ""
        try:
            for piece in self.assistant.stream(
                message, history=[tuple(t) for t in turns], since=since or None,
                until=until or None, source=sources or None, k=int(k),
                answerer=answerer or None,
            ):
                if isinstance(piece, Answer):
                    chat[-1] = {"role": "assistant", "content": render.answer_html(
                        piece.text, piece.short, piece.short_citation)}
                    turns.append([message, piece.text])
                    yield chat, turns, render.sources_html(piece, note), ""
                    return
                text += piece
                chat[-1] = {"role": "assistant", "content": render.answer_html(text)}
                yield chat, turns, render.sources_html(None, note, pending=True), ""
        except NewsdeskError as exc:
            chat[-1] = {"role": "assistant", "content": render.answer_html(f"⚠ {exc}")}
            yield chat, turns, render.sources_html(None, str(exc)), ""

    def _timeline(self, ask: TimelineAsk, since: str, until: str,
                  source: str | list[str] | None) -> Timeline:
        """The timeline a message asks for; the page's date and source settings apply, a
        "since D" in the message when the page sets no start."""
        return self.assistant.timeline(ask.topic, since=since or ask.since, until=until or None,
                                       source=source or None)

    def api_ask(self, question: str, since: str = "", until: str = "", source: str = "",
                k: int = 5, history: list[list[str]] | None = None) -> dict[str, Any]:
        """Structured answer for API clients: text, answered, citations (and more). A
        timeline question ("what happened with X") also gets ``timeline``: the same shape as
        ``Assistant.timeline(...).to_dict()`` and ``newsdesk timeline --json``."""
        ask = timeline_request(question or "")
        if ask is not None:
            try:
                tl = self._timeline(ask, since, until, source)
            except NewsdeskError as exc:
                return {"error": str(exc), "text": "", "answered": False, "citations": []}
            return {"question": question, "text": tl.text(), "answered": bool(tl.events),
                    "citations": [{k: v for k, v in e.citation.to_dict().items()
                                   if k not in ("context", "context_start")}
                                  for e in tl.events],
                    "timeline": tl.to_dict()}
        try:
            kk = _valid_k(k)
            ans = self.assistant.ask(question, history=[tuple(t) for t in history or []],
                                     since=since or None, until=until or None,
                                     source=source or None, k=kk)
        except NewsdeskError as exc:
            return {"error": str(exc), "text": "", "answered": False, "citations": []}
        d = ans.to_dict()
        for c in d["citations"]:
            c.pop("context", None)
            c.pop("context_start", None)
        return d

    # ---------------------------------------------------------------- upload
    def upload(self, files: list[str] | None, progress: Any = None) -> tuple[str, str, Any]:
        """Ingest uploaded files: one result row per file (or per article/record inside it),
        good and bad; the good ones are stored whatever the bad ones do. Gradio's temporary
        copies are deleted once read."""
        if not files:
            return render.upload_html([("–", "error", "choose one or more files first")]), \
                self.stats_md(), None
        rows: list[tuple[str, str, str]] = []
        uploads: list[tuple[str, bytes]] = []
        for f in files:
            path = Path(f)
            name = path.name
            try:
                data = _read_upload(path)
            except NewsdeskError as exc:
                rows.append((name, "error", getattr(exc, "reason", str(exc))))
                continue
            finally:
                _discard_upload(path)
            uploads.append((name, data))
        if uploads:
            rows.extend(self._ingest_rows(uploads, progress))
        return render.upload_html(rows), self.stats_md(), None

    def _ingest_rows(self, uploads: list[tuple[str, bytes]], progress: Any
                     ) -> list[tuple[str, str, str]]:
        rows: list[tuple[str, str, str]] = []
        with self._ingest_lock:
            self._ingesting.set()
            try:
                if progress is not None:
                    progress(0.1, desc="indexing")
                report = self.assistant.ingest_bytes(
                    uploads, on_article=lambda art, st: rows.append((art.origin, st, art.id)))
            except NewsdeskError as exc:  # the store failed: say so on every unfinished file
                done = {r[0] for r in rows}
                names = dict.fromkeys(name for name, _ in uploads)
                rows.extend((n, "error", str(exc)) for n in names if n not in done)
                return rows
            finally:
                self._ingesting.clear()
        rows.extend((src, "error", reason) for src, reason in report.failed)
        rows.extend((src, "warning", reason) for src, reason in report.warnings)
        return rows

    def stats_md(self) -> str:
        """The Index view: counts, dates, sources, and each watched source's state."""
        try:
            text = render.stats_markdown(self.assistant.stats())
        except NewsdeskError as exc:
            text = f"Index unavailable: {exc}"
        if self.watcher is not None:
            text += "\n\n" + render.watch_markdown(self.watcher.status())
        return text


def _valid_k(k: Any) -> int:
    """``k`` from an API caller, validated like the CLI's ``--k``."""
    try:
        f = float(k)
        ok = f.is_integer() and 1 <= f <= MAX_K and not isinstance(k, bool)
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ConfigError(f"k must be a whole number between 1 and {MAX_K}, got {k!r}")
    return int(f)


def _read_upload(path: Path) -> bytes:
    """The bytes of one uploaded file (a regular file, within the upload limit)."""
    from assistant.indexing import read_upload

    return read_upload(path, MAX_UPLOAD_MB * 1_000_000)


def _discard_upload(path: Path) -> None:
    """Delete Gradio's temporary copy of an upload (and its folder, when that is now empty).
    Only files inside Gradio's upload folder are touched: a caller's own files never are."""
    upload_root = os.environ.get("GRADIO_TEMP_DIR")
    if not upload_root or not path.resolve().is_relative_to(Path(upload_root).resolve()):
        return
    try:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
    except OSError:
        pass  # not empty (another upload of the same name) or already gone: nothing to keep


def build_app(assistant: Assistant, watcher: Watcher | None = None) -> Any:
    """The Gradio Blocks for ``assistant`` (and the sources ``watcher`` keeps polling)."""
    import gradio as gr

    be = ChatBackend(assistant, watcher)
    st = assistant.stats()
    with gr.Blocks(title="Newsdesk") as demo:
        gr.Markdown("## Newsdesk — ask the news, see the passages")
        turns = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(elem_id="nd-chat", height=480, label="Answers",
                                  feedback_options=None, sanitize_html=True)
                with gr.Row():
                    box = gr.Textbox(elem_id="nd-question", placeholder="Ask about the articles…",
                                     show_label=False, scale=5, max_lines=4)
                    send = gr.Button("Ask", elem_id="nd-ask", variant="primary", scale=1)
                    clear = gr.Button("New chat", elem_id="nd-clear", scale=1)
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources_panel = gr.HTML(render.sources_html(None), elem_id="nd-sources-panel")
        with gr.Accordion("Settings", open=False):
            with gr.Row():
                since = gr.Textbox(label="From date (YYYY-MM-DD)", elem_id="nd-since")
                until = gr.Textbox(label="To date (YYYY-MM-DD)", elem_id="nd-until")
                srcs = gr.Dropdown(choices=list(st["sources"]), multiselect=True,
                                   label="Sources", elem_id="nd-srcs")
            with gr.Row():
                k = gr.Slider(1, 20, value=assistant.settings.k, step=1, label="Passages")
                names = assistant.answerers()
                answerer = gr.Dropdown(choices=names, value=names[0], label="Answerer")
        with gr.Accordion("Index", open=False):
            stats = gr.Markdown(be.stats_md(), elem_id="nd-stats")
            if watcher is not None:  # the watcher adds articles meanwhile: keep the view current
                gr.Timer(5.0).tick(be.stats_md, outputs=stats, api_visibility="private")
        with gr.Accordion("Add articles", open=False, elem_id="nd-upload-acc"):
            files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES,
                            label=f"Articles (.txt .md .html .jsonl .json .xml/.rss; "
                                  f"≤ {MAX_UPLOAD_MB} MB each)", elem_id="nd-files")
            add = gr.Button("Add to index", elem_id="nd-add")
            upload_result = gr.HTML(elem_id="nd-upload-result")

        inputs = [box, chat, turns, since, until, srcs, k, answerer]
        outputs = [chat, turns, sources_panel, box]
        box.submit(be.respond, inputs, outputs, api_visibility="private")
        send.click(be.respond, inputs, outputs, api_visibility="private")
        clear.click(lambda: ([], [], render.sources_html(None)), None,
                    [chat, turns, sources_panel], api_visibility="private")

        tracker = gr.Progress()  # a Progress default is how Gradio injects its progress bar

        def _upload(fs: list[str] | None, progress: Any = tracker) -> Any:
            return be.upload(fs, progress)

        add.click(_upload, [files], [upload_result, stats, files], api_visibility="private",
                  concurrency_limit=1)
        gr.api(be.api_ask, api_name="ask",
               api_description="Answer a question; returns {text, answered, citations, ...}")
    demo.queue(default_concurrency_limit=8)
    demo.newsdesk_backend = be
    return demo


def launch(settings: Settings, *, host: str = "127.0.0.1", port: int = 7860,
           auth: str | None = None, block: bool = True, watch: Sequence[str] = (),
           every: float = 600.0, trusted_proxy: str | None = None) -> Any:
    """Serve the chat. Returns ``(app, local_url)`` when ``block`` is False. ``watch`` names
    feeds and folders a background ``Watcher`` keeps ingesting while the chat runs.
    ``trusted_proxy`` (addresses, comma-separated) is the reverse proxy whose
    ``X-Forwarded-For`` names the client; no other peer's is believed."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # uvicorn rewrites the client address from X-Forwarded-For for the peers this names, and
    # trusts loopback by default: any local client could then forge its address and escape
    # the login throttle (ui.security), which keys on that address
    os.environ["FORWARDED_ALLOW_IPS"] = trusted_proxy or ""
    # Uploads land in a folder of this server's own, removed when it stops.
    upload_dir = tempfile.mkdtemp(prefix="newsdesk-uploads-")
    os.environ["GRADIO_TEMP_DIR"] = upload_dir
    atexit.register(shutil.rmtree, upload_dir, True)
    from assistant.assistant import Assistant
    from ui.security import middleware

    assistant = Assistant(settings=settings)
    assistant.warm()
    watcher, stop = None, threading.Event()
    if watch:
        from assistant.watch import Watcher

        watcher = Watcher(watch, settings, every=every, store=assistant.store,
                          on_change=assistant.refresh)
        threading.Thread(target=watcher.run, args=(stop,), daemon=True,
                         name="newsdesk-watch").start()
        atexit.register(stop.set)
    demo = build_app(assistant, watcher)
    creds = tuple(auth.split(":", 1)) if auth else None
    _, url, _ = demo.launch(
        server_name=host, server_port=port, auth=creds, prevent_thread_lock=True,
        show_error=False, max_file_size=f"{MAX_UPLOAD_MB}mb", allowed_paths=[], css=render.CSS,
        js=render.JS, footer_links=["api"], quiet=True, ssr_mode=False,
        app_kwargs={"middleware": middleware()}, theme=_offline_theme(),
    )
    print(f"Newsdesk chat ready at {url} (index: {settings.location})", flush=True)
    if not block:
        return demo, url
    _interrupt_on_sigterm()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    finally:
        stop.set()
        shutil.rmtree(upload_dir, ignore_errors=True)
    return demo, url


def _interrupt_on_sigterm() -> None:
    """SIGTERM (a service manager, ``kill``) stops the server like Ctrl-C, so the ``finally``
    that removes the upload folder runs: by default SIGTERM ends Python without it."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _offline_theme() -> Any:
    """Gradio's default look with system fonts: its default pulls fonts from a web font host."""
    import gradio as gr

    sans = ["ui-sans-serif", "system-ui", "sans-serif"]
    mono = ["ui-monospace", "Consolas", "monospace"]
    return gr.themes.Default(font=sans, font_mono=mono)
