"""The ``newsdesk`` command. Heavy modules (torch, the vector database, gradio) load per
command.

Exit codes: 0 success; 1 some inputs failed or the command failed; 2 usage error; 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any

from assistant import (
    PARTIAL_EXIT,
    ConfigError,
    NewsdeskError,
    PartialIngestError,
    Settings,
    storage_condition,
    storage_message,
)
from ui.terminal import SafeStream, one_line


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", dest="index_dir", metavar="DIR",
                   help="index folder (default: $NEWSDESK_INDEX or ~/.local/share/newsdesk/index)")
    p.add_argument("--chroma-url", metavar="URL",
                   help="use a Chroma server instead of a local folder ($NEWSDESK_CHROMA_URL)")
    p.add_argument("--chroma-token", metavar="TOKEN", help="bearer token for the Chroma server")
    p.add_argument("--store", choices=["chroma", "milvus"],
                   help="the vector database (default chroma; $NEWSDESK_STORE)")
    p.add_argument("--milvus-uri", metavar="URI",
                   help="with --store milvus: a Milvus Lite path ending in .db (default "
                   "INDEX/milvus.db) or http://HOST:19530 ($NEWSDESK_MILVUS_URI)")
    p.add_argument("--milvus-token", metavar="TOKEN", help="token for the Milvus server")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk", description="Ask questions about news articles; every answer cites "
        "the passages it rests on.")
    loud = parser.add_mutually_exclusive_group()
    loud.add_argument("-v", "--verbose", action="store_true",
                      help="log details (causes of skipped inputs, degraded paths)")
    loud.add_argument("-q", "--quiet", action="store_true",
                      help="log errors only (no warnings about degraded paths)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add articles (files, folders, JSONL, feeds, URLs)",
                       epilog="exit status: 0 all stored; 1 some inputs failed (named); 2 a bad "
                       "flag or setting; 3 stopped part way (what is stored stays: run the same "
                       "command again to finish); 130 interrupted")
    p.add_argument("paths", nargs="+", metavar="PATH")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="read and embed with Ray Data: a local Ray, or the cluster at ADDRESS "
                   "(ray://HOST:10001 or HOST:6379); needs newsdesk[scale]")
    p.add_argument("--ray-batch", type=int, default=128, metavar="N",
                   help="with --ray: passages per embedding batch (default 128)")
    p.add_argument("--ray-actors", type=int, default=1, metavar="N",
                   help="with --ray: embedding actors, each with its own model (default 1)")
    p.add_argument("--ray-stall", type=float, default=300.0, metavar="SECONDS",
                   help="with --ray: stop, keeping what is stored (exit 3), when no embedding "
                   "batch comes back for this long (default 300)")

    p = sub.add_parser("index", help="inspect or edit the index")
    isub = p.add_subparsers(dest="index_command", required=True)
    s = isub.add_parser("stats", help="article and chunk counts")
    _common(s)
    s.add_argument("--json", action="store_true")
    s = isub.add_parser("list", help="list stored articles")
    _common(s)
    s.add_argument("--json", action="store_true")
    s = isub.add_parser("stories", help="the largest stories told by several articles "
                                        "(near-duplicate copies)")
    _common(s)
    s.add_argument("--top", type=int, default=10, help="how many stories (default 10)")
    s.add_argument("--json", action="store_true")
    s = isub.add_parser("copy", help="copy the index to another store (Chroma <-> Milvus) "
                                     "without embedding again")
    _common(s)
    s.add_argument("--to", required=True, metavar="STORE:WHERE",
                   help="milvus:PATH.db, milvus:http://HOST:19530, chroma:DIR or "
                   "chroma:http://HOST:PORT")
    s = isub.add_parser("remove", help="remove an article and its chunks")
    s.add_argument("article_id", nargs="+", metavar="ID")
    _common(s)

    p = sub.add_parser("ask", help="answer one question with cited passages")
    p.add_argument("question")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--k", type=int, help="passages to answer from (default 5)")
    p.add_argument("--since", metavar="YYYY-MM-DD")
    p.add_argument("--until", metavar="YYYY-MM-DD")
    p.add_argument("--source", action="append", help="only this source (repeatable)")
    p.add_argument("--answerer", help="extractive (default), llama-cpp, openai, ollama")

    p = sub.add_parser("quotes", help="what someone said, newest first, each cited")
    p.add_argument("--speaker", required=True, metavar="NAME")
    _common(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("timeline", help="how a story unfolded: dated events, oldest first, "
                       "each cited")
    p.add_argument("topic")
    _common(p)
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--until", help="YYYY-MM-DD")
    p.add_argument("--source", help="only this outlet")
    p.add_argument("--limit", type=int, default=None,
                   help="at most this many events (default 60, spread over the weeks)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("watch", help="keep the index up to date with feeds and folders")
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="an RSS/Atom URL or a folder")
    _common(p)
    p.add_argument("--every", default="10m", help="poll feeds this often: 30s, 10m, 1h "
                   "(default 10m); folders are watched continuously")
    p.add_argument("--once", action="store_true", help="one cycle, then exit (for cron)")

    p = sub.add_parser("chat", help="start the web chat (Gradio)")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", metavar="USER:PASS", help="require this login")
    p.add_argument("--no-auth", action="store_true",
                   help="allow a non-loopback --host without a login (you take the risk)")
    p.add_argument("--trusted-proxy", metavar="IP[,IP]", default=None,
                   help="the reverse proxy in front of the chat: only its X-Forwarded-For "
                        "names the client (failed-login throttling); by default none is "
                        "trusted and the peer address counts")
    p.add_argument("--ingest", nargs="*", metavar="PATH", default=[],
                   help="ingest these first (idempotent)")
    p.add_argument("--watch", nargs="*", metavar="SOURCE", default=[],
                   help="keep ingesting these feeds/folders while the chat runs")
    p.add_argument("--every", default="10m", help="with --watch: poll feeds this often")

    p = sub.add_parser("eval", help="score answers against gold questions")
    p.add_argument("gold", nargs="?", help="gold questions (JSONL)")
    _common(p)
    p.add_argument("--corpus", nargs="*", default=[], metavar="PATH", help="ingest first")
    p.add_argument("--retriever", choices=["dense", "bm25", "hybrid"], default="hybrid")
    p.add_argument("--k", type=int, help="passages the answerer gets (default: setting k, 5)")
    p.add_argument("--answerer")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument("--hide-gold", action="store_true",
                   help="also ask each question with its gold articles excluded from retrieval "
                   "and score refusing as right (the hard-negative half)")
    p.add_argument("--sample", type=int, metavar="N",
                   help="N questions with answer documents (seeded), and of --corpus only the "
                   "articles their search_doc_ids name (pooled evaluation)")
    p.add_argument("--seed", type=int, default=0, help="with --sample")
    p.add_argument("--timelines", metavar="FILE",
                   help="score timelines instead: topics (entities asked about in 3+ weeks) "
                   "of the RealTime QA 2023-24 questions in FILE, their pooled articles "
                   "from --corpus")
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write the report here")

    p = sub.add_parser("bench", help="benchmarks that print numbers")
    bsub = p.add_subparsers(dest="bench_command", required=True)
    b = bsub.add_parser("ingest", help="Newsdesk ingest vs the plain LangChain pipeline")
    b.add_argument("corpus")
    b.add_argument("--limit", type=int, default=300, help="articles to use")
    b.add_argument("--questions", help="question set for the top-5 agreement")
    b.add_argument("--backend", choices=["auto", "openvino", "torch"], default="auto",
                   help="Newsdesk's embedding backend (auto: OpenVINO when installed)")
    b = bsub.add_parser("ray", help="Ray Data ingest vs the in-process ingest (same ids?)")
    b.add_argument("corpus")
    b.add_argument("--limit", type=int, default=300, help="articles to use")
    b.add_argument("--questions", help="question set for the top-5 agreement")
    b.add_argument("--ray", metavar="ADDRESS", help="a Ray cluster (default: a local Ray)")
    b.add_argument("--ray-batch", type=int, default=128, metavar="N")
    b.add_argument("--ray-actors", type=int, default=1, metavar="N")
    b = bsub.add_parser("timeline", help="Assistant.timeline() latency on an index")
    _common(b)
    b.add_argument("topics", nargs="*", metavar="TOPIC",
                   help="topics to time (default: a few of the 2022 benchmark's stories)")
    b.add_argument("--search", type=int, default=None, metavar="N",
                   help="passages read per timeline (default: Assistant.timeline's)")
    b = bsub.add_parser("query", help="ask() latency vs a bare embed + Chroma query")
    _common(b)
    b.add_argument("--questions", metavar="FILE",
                   help="gold JSONL whose questions are timed (default: the seed questions)")
    b.add_argument("--sizes", default="10000,100000,1000000")
    b.add_argument("--scale-queries", type=int, default=200, metavar="N",
                   help="searches per scale probe (default 200)")
    b.add_argument("--scale-stores", default=None, metavar="LIST",
                   help="backends for the synthetic scale probe: chroma, milvus or both "
                   "(default: chroma, plus milvus with --store milvus)")
    return parser


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.from_env(index_dir=getattr(args, "index_dir", None),
                             chroma_url=getattr(args, "chroma_url", None),
                             chroma_token=getattr(args, "chroma_token", None),
                             backend=getattr(args, "store", None),
                             milvus_uri=getattr(args, "milvus_uri", None),
                             milvus_token=getattr(args, "milvus_token", None), **extra)


def cmd_ingest(args: argparse.Namespace) -> int:
    from assistant.indexing import ingest

    report = ingest(args.paths, _settings(args), progress=None if not args.no_progress else False,
                    ray=args.ray, ray_batch=args.ray_batch, ray_actors=args.ray_actors,
                    ray_stall=args.ray_stall)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        for src, reason in report.failed:
            print(f"error: {one_line(src)}: {one_line(reason)}", file=sys.stderr)
        for src, reason in report.warnings:
            print(f"warning: {one_line(src)}: {one_line(reason)}", file=sys.stderr)
        print(report.summary())
    if report.interrupted:
        print("interrupted: the articles counted above are stored; run the same command "
              "again to finish", file=sys.stderr)
        return 130
    return 1 if report.failed else 0


def cmd_index(args: argparse.Namespace) -> int:
    from assistant import indexing

    settings = _settings(args)
    if args.index_command == "copy":
        dst = indexing.target(args.to, settings)
        report = indexing.copy(settings, dst, progress=lambda done, total: print(
            f"\r{done:,}/{total:,} chunks", end="", file=sys.stderr, flush=True))
        print(f"\ncopied {report.chunks:,} chunks and {report.articles:,} articles from "
              f"{settings.location} to {dst.location}", file=sys.stderr)
        return 0
    store = indexing.existing_index(settings)
    if args.index_command == "stats":
        st: dict[str, Any] = indexing.stats(store)
        if args.json:
            print(json.dumps(st, indent=2))
        else:
            print(f"{st['articles']} articles, {st['chunks']} chunks, "
                  f"{st['oldest'] or '-'} .. {st['newest'] or '-'} at {st['location']}")
            for src, n in list(st["sources"].items())[:10]:
                print(f"  {n:6d}  {one_line(src)}")
        return 0
    if args.index_command == "list":
        rows = [r.__dict__ for r in indexing.articles(store)]
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            for r in sorted(rows, key=lambda r: (r["date"], r["id"])):
                print(f"{r['id']}\t{r['date'] or '-'}\t{one_line(r['source'] or '-')}\t"
                      f"{one_line(r['title'][:70])}")
        return 0
    if args.index_command == "stories":
        groups = indexing.stories(settings, args.top)
        if args.json:
            print(json.dumps([[m.__dict__ for m in g] for g in groups], indent=2))
        elif not groups:
            print("no story is told by more than one article (re-run `newsdesk ingest` on an "
                  "index made before story signatures to sign its articles)")
        for g in groups if not args.json else []:
            print(f"{len(g)} articles: {one_line(g[0].title[:70])}")
            for m in g:
                print(f"  {m.date or '-'}  {one_line(m.source or '-'):<20.20}  {m.article_id}  "
                      f"{one_line(m.title[:60])}")
        return 0
    status = 0
    for aid, got in indexing.remove(store, settings, args.article_id):
        if isinstance(got, NewsdeskError):
            print(f"error: {one_line(got)}", file=sys.stderr)
            status = 1
        else:
            print(f"removed {aid} ({got} chunks)")
    return status


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant
    from ui.render import also_in

    settings = _settings(args, answerer=args.answerer,
                         **({"k": args.k} if args.k is not None else {}))
    a = Assistant(settings=settings)
    ans = a.ask(args.question, since=args.since, until=args.until, source=args.source)
    if args.json:
        print(json.dumps(ans.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if ans.short:
        print(f"Short answer: {ans.short} [{ans.short_citation}]\n")
    print(ans.text)
    if ans.citations:
        print()
        for c in ans.citations:
            print(f"[{c.n}] {one_line(c.title)} — {one_line(c.source or 'unknown source')}, "
                  f"{c.date or 'undated'} (article {c.article_id}, chars {c.start}-{c.end})")
            if c.url:
                print(f"    {one_line(c.url)}")
            print(f"    “{c.passage}”")
            if c.also_in:
                print(f"    also in: {also_in(c)}")
    for note in ans.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant
    from ui.render import also_in

    a = Assistant(settings=_settings(args))
    tl = a.timeline(args.topic, since=args.since, until=args.until, source=args.source,
                    limit=args.limit)
    if args.json:
        print(json.dumps(tl.to_dict(), indent=2, ensure_ascii=False))
        return 0
    if not tl.events:
        print(f"no dated article in the index is about {args.topic!r}")
        return 0
    for e in tl.events:
        c = e.citation
        said = " (date from the text)" if e.date_from == "text" else ""
        print(f"{e.date}{said}  {one_line(e.text)} [{c.n}]")
        print(f"    [{c.n}] {one_line(c.title)} — {one_line(c.source or 'unknown source')}, "
              f"{c.date or 'undated'} (article {c.article_id}, chars {c.start}-{c.end})")
        if e.also_in:
            print(f"    also in: {also_in(c)}")
    return 0


def cmd_quotes(args: argparse.Namespace) -> int:
    from assistant.assistant import Assistant

    a = Assistant(settings=_settings(args))
    rows = a.quotes(args.speaker, limit=args.limit)
    if args.json:
        print(json.dumps([{"words": w, "citation": c.to_dict() | {"context": None}}
                          for w, c in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print(f"no quotes attributed to {args.speaker!r} in the index")
    for words, c in rows:
        print(f"[{c.n}] {c.date or 'undated'} · {one_line(c.source or 'unknown source')} · "
              f"{one_line(c.title)}")
        print(f"    “{words}”")
        print(f"    ({c.article_id}, chars {c.start}-{c.end}: {c.passage[:160]})")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    import signal
    import threading
    from datetime import datetime

    from assistant.watch import CycleReport, Watcher, parse_every

    w = Watcher(args.sources, _settings(args), every=parse_every(args.every))

    def show(rep: CycleReport) -> None:
        print(f"watch {datetime.now():%Y-%m-%d %H:%M:%S}: {rep.line()}", flush=True)
        for src, reason in rep.failed:
            print(f"  failed: {one_line(src)}: {one_line(reason)}", file=sys.stderr, flush=True)

    if args.once:
        rep = w.cycle()
        show(rep)
        return 1 if rep.failed else 0
    stop = threading.Event()

    def terminate(signum: int, frame: object) -> None:
        stop.set()
        raise KeyboardInterrupt  # the ingest in progress stops between articles

    before = signal.signal(signal.SIGTERM, terminate)
    try:
        w.run(stop, on_cycle=show)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, before)
    print("watch: stopped", flush=True)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from ui.app import check_bind, launch

    check_bind(args.host, args.auth, args.no_auth)
    settings = _settings(args)
    if args.ingest:
        from assistant.indexing import ingest

        report = ingest(args.ingest, settings)
        print(report.summary(), flush=True)
    from assistant.watch import parse_every

    launch(settings, host=args.host, port=args.port, auth=args.auth, watch=args.watch,
           every=parse_every(args.every), trusted_proxy=args.trusted_proxy)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluation.runner import run_eval

    settings = _settings(args, answerer=args.answerer)
    if args.timelines:
        from assistant.evaluation.timelines import format_report, run

        report = run(args.timelines, settings, corpus=args.corpus, limit=args.limit)
        print(format_report(report))
        _write_json(report, args.json_out)
        return 0
    if not args.gold:
        raise ConfigError("eval needs a gold questions file (or --timelines FILE)")
    report = run_eval(args.gold, settings, corpus=args.corpus, retriever=args.retriever,
                      k=args.k, limit=args.limit, hide_gold=args.hide_gold,
                      sample=args.sample, seed=args.seed)
    from assistant.evaluation.runner import format_table

    print(format_table(report))
    _write_json(report, args.json_out)
    return 0


def _write_json(report: dict[str, Any], path: str | None) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2, ensure_ascii=False)
        print(f"wrote {path}")


def cmd_bench(args: argparse.Namespace) -> int:
    from assistant.evaluation import bench

    if args.bench_command == "ray":
        from assistant.evaluation.bench_scale import bench_ray

        return bench_ray(args.corpus, limit=args.limit, questions=args.questions,
                         address=args.ray, batch_size=args.ray_batch, actors=args.ray_actors)
    if args.bench_command == "timeline":
        return bench.bench_timeline(_settings(args), args.topics, search=args.search)
    if args.bench_command == "ingest":
        return bench.bench_ingest(args.corpus, limit=args.limit, questions=args.questions,
                                  backend=args.backend)
    return bench.bench_query(_settings(args), questions=args.questions,
                             sizes=[int(s) for s in args.sizes.split(",") if s and int(s) > 0],
                             stores=tuple(args.scale_stores.split(",")) if args.scale_stores
                             else ("chroma", "milvus") if args.store == "milvus" else ("chroma",),
                             queries=args.scale_queries)


_OURS = ("index", "assistant", "ui")


def _configure_logging(verbose: bool, quiet: bool = False) -> None:
    """Our warnings on stderr (``-v``: our debug records too, with causes; ``-q``: errors only).
    Libraries' own log records (trafilatura complaining about a page we already report in one
    line) are shown only with ``-v``: a bad input gets exactly one line."""
    root = logging.getLogger()
    for h in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(h)  # main() run again in one process (tests): the new flags rule
    handler = _OurHandler()
    handler.setFormatter(logging.Formatter("newsdesk: %(levelname)s: %(name)s: %(message)s"))
    if not verbose:
        handler.addFilter(lambda r: r.name.split(".")[0] in _OURS)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    for name in _OURS:
        logging.getLogger(name).setLevel(level)


class _OurHandler(logging.StreamHandler):
    """stderr at the time of the record (so a test's captured stderr sees it)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


COMMANDS = {"ingest": cmd_ingest, "index": cmd_index, "ask": cmd_ask, "quotes": cmd_quotes,
            "timeline": cmd_timeline,
            "watch": cmd_watch, "chat": cmd_chat,
            "eval": cmd_eval, "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    out, err = sys.stdout, sys.stderr
    # nothing an input holds (a file name, a title) can drive the terminal: see ui.terminal
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(args: argparse.Namespace) -> int:
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # the reader went away (`newsdesk index list | head`): not an error worth a traceback;
        # point stdout at devnull so the interpreter's final flush cannot raise again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ConfigError as exc:
        print(f"newsdesk: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except PartialIngestError as exc:  # part stored: the same command finishes it
        print(f"newsdesk: error: {one_line(exc)}", file=sys.stderr)
        return PARTIAL_EXIT
    except NewsdeskError as exc:
        print(f"newsdesk: error: {one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsdesk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a library's own error (Chroma, SQLite, the OS): one line, not a
        # traceback; -v logs the traceback for a bug report
        logging.getLogger(__name__).debug("unexpected failure", exc_info=True)
        where = str(getattr(args, "index", None) or os.environ.get("NEWSDESK_INDEX") or
                    "the index")
        condition = storage_condition(exc)
        msg = storage_message(condition, where) if condition else (
            f"{exc.__class__.__name__}: {exc} (run with -v for the details)")
        print(f"newsdesk: error: {one_line(msg)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
