"""Run by scripts/check_wheel.sh with the python of a fresh venv that has only the built wheel:
the openai answerer against a scripted OpenAI-compatible server on loopback, so the chat prompt
must come from the installed package data. Usage: wheel_smoke.py INDEX_DIR"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DRAFT = "Russian negotiators asked US diplomats to leave the room [1]."
seen: list[dict] = []


class FakeOpenAI(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        seen.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for word in DRAFT.split(" "):
            chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content":
                                                        word + " "}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


def main() -> int:
    import assistant.prompts
    from assistant import Assistant

    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        a = Assistant(index_dir=sys.argv[1], answerer="openai",
                      llm_base_url=f"http://127.0.0.1:{server.server_port}/v1")
        ans = a.ask("Who asked US diplomats to leave?")
    finally:
        server.shutdown()
    where = str(assistant.prompts.prompts_dir())
    assert "site-packages" in where, where
    (req,) = seen
    roles = [m["role"] for m in req["messages"]]
    assert roles == ["system", "user"], roles
    assert "ONLY the numbered sources" in req["messages"][0]["content"]
    assert '<source id="1"' in req["messages"][1]["content"]
    assert ans.answerer == "openai", ans
    assert ans.text.startswith("Russian negotiators asked US diplomats to leave the room"), ans
    assert ans.citations, ans
    print(f"wheel: openai answerer OK, prompt files from {where}: {ans.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
