"""spaCy is given a bounded amount of text at once, and what it parses in pieces reads as if parsed whole."""

from pathlib import Path

from kgraph.corpus import make_document, read_corpus
from kgraph.extract import extract_corpus
from kgraph.parse import parse_stream, text_groups, text_pieces


class MeasuredNlp:
    """The real pipeline, recording how many characters each nlp.pipe batch held."""

    def __init__(self, nlp):
        self.nlp, self.batches = nlp, []

    def pipe(self, texts, batch_size):
        texts = list(texts)
        for start in range(0, len(texts), batch_size):
            self.batches.append(sum(len(t) for t in texts[start : start + batch_size]))
        return self.nlp.pipe(texts, batch_size=batch_size)


def test_pieces_join_back_exactly_and_end_after_the_paragraph_break():
    text = ("One sentence here. " * 30 + "\n\n") * 20
    pieces = text_pieces(text, 1_000)
    assert "".join(pieces) == text and len(pieces) > 5
    assert all(p.endswith("\n\n") and len(p) <= 1_002 for p in pieces[:-1])


def test_groups_stay_under_the_limit_unless_one_document_is_longer(examples):
    documents, _ = read_corpus(examples)
    groups = list(text_groups(documents, 6_000))
    assert [d.id for g in groups for d in g] == [d.id for d in documents]
    assert all(len(g) == 1 or sum(len(d.text) for d in g) <= 6_000 for g in groups)


def test_a_long_document_parsed_in_pieces_gives_the_facts_of_a_whole_parse(nlp, examples):
    documents, _ = read_corpus(examples)
    long = make_document(Path("long.txt"), "\n\n".join(d.text for d in documents if d.domain == "medical"))
    measured = MeasuredNlp(nlp)
    parsed = list(parse_stream(measured, [long], 4_000))
    assert len(parsed) == 1 and parsed[0][1].text == long.text
    assert len(measured.batches) > 2 and max(measured.batches) <= 4_002
    assert extract_corpus([long], nlp, 4_000) == extract_corpus([long], nlp, len(long.text))


def test_many_documents_are_parsed_in_batches_of_bounded_text_with_the_same_facts(nlp, examples):
    documents, _ = read_corpus(examples)
    measured = MeasuredNlp(nlp)
    in_batches = [f for doc, parsed in parse_stream(measured, documents, 10_000) for f in extract_corpus([doc], nlp)]
    assert len(measured.batches) > 1 and max(measured.batches) <= max(10_000, *(len(d.text) for d in documents))
    assert extract_corpus(documents, nlp, 10_000) == extract_corpus(documents, nlp, 1_000_000) == in_batches
