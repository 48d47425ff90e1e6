"""The layout of structured documents (HTML, DOCX, PDF): their text as markdown, with headings, lists and tables
kept, cut into sections that remember their heading path and page; and where a fact's evidence sits in them, so
it can cite 'Section 4.2 Renal impairment, p. 7'."""

from __future__ import annotations

import bisect
import re

from kgraph.records import Document, Evidence, Fact, Section

SECTION_NUMBER = re.compile(r"^(?:section\s+|§\s*)?\d+(?:\.\d+)*\.?\s", re.IGNORECASE)


class LayoutText:
    """Markdown text built block by block; each block is recorded under the heading path open when it was added."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.path: list[tuple[int, str]] = []  # (level, heading) of the open headings
        self.sections: list[Section] = []
        self.title = ""

    def heading(self, level: int, text: str, page: int | None = None) -> None:
        """Close headings of this level and deeper, open this one, and write it as a markdown heading line."""
        text = " ".join(text.split())
        if not text:
            return
        self.title = self.title or text
        self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, text)]
        self.block(f"{'#' * min(max(level, 1), 6)} {text}", page)

    def block(self, text: str, page: int | None = None) -> None:
        """A paragraph, list or table, separated from the one before by a blank line."""
        text = text.strip()
        if not text:
            return
        if self.parts:
            self.add("\n\n")
        start = self.length
        self.add(text)
        headings = tuple(t for _, t in self.path)
        last = self.sections[-1] if self.sections else None
        if last is not None and last.headings == headings and last.page == page:
            self.sections[-1] = last.model_copy(update={"end": self.length})
        else:
            self.sections.append(Section(start=start, end=self.length, headings=headings, page=page))

    def items(self, entries: list[tuple[int, bool, str]], page: int | None = None) -> None:
        """A list: (depth, ordered, text) per item, as '- ' or '1. ' lines indented by depth."""
        lines, numbers = [], {}
        for depth, ordered, text in entries:
            numbers = {d: n for d, n in numbers.items() if d <= depth}
            numbers[depth] = numbers.get(depth, 0) + 1 if ordered else 0  # a bullet restarts the numbering
            marker = f"{numbers[depth]}." if ordered else "-"
            lines.append(f"{'  ' * depth}{marker} {' '.join(text.split())}")
        self.block("\n".join(lines), page)

    def table(self, rows: list[list[str]], page: int | None = None) -> None:
        """A markdown table, its first row as the header."""
        rows = [[" ".join((cell or "").split()).replace("|", "\\|") for cell in row] for row in rows if any(row)]
        if not rows:
            return
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = [f"| {' | '.join(rows[0])} |", f"|{'---|' * width}", *(f"| {' | '.join(r)} |" for r in rows[1:])]
        self.block("\n".join(lines), page)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def section_at(doc: Document, offset: int) -> Section | None:
    """The section holding the character offset, or None for plain documents."""
    if not doc.sections:
        return None
    row = bisect.bisect_right([s.start for s in doc.sections], offset) - 1
    return doc.sections[row] if row >= 0 and offset < doc.sections[row].end else None


def placed(facts: list[Fact], documents: list[Document]) -> list[Fact]:
    """Facts whose evidence in a structured document carries its heading path and page."""
    by_id = {d.id: d for d in documents if d.sections}
    if not by_id:
        return facts
    out = []
    for fact in facts:
        evidence = [place(e, by_id.get(e.doc_id)) for e in fact.evidence]
        out.append(fact if evidence == fact.evidence else fact.model_copy(update={"evidence": evidence}))
    return out


def place(evidence: Evidence, doc: Document | None) -> Evidence:
    section = section_at(doc, evidence.start) if doc is not None else None
    if section is None:
        return evidence
    return evidence.model_copy(update={"section": section.headings, "page": section.page})


def citation(evidence: Evidence) -> str:
    """'Section 4.2 Renal impairment, p. 7' for a numbered heading, else the heading path ('Dosage › Renal
    impairment'), with the page where there is one; empty for plain text."""
    parts = []
    if evidence.section:
        last = evidence.section[-1]
        numbered = SECTION_NUMBER.match(last + " ")
        parts.append(("" if last.lower().startswith("section") else "Section ") + last if numbered else
                     " › ".join(evidence.section))  # fmt: skip
    if evidence.page is not None:
        parts.append(f"p. {evidence.page}")
    return ", ".join(parts)


def section_texts(doc: Document) -> list[str]:
    """The document's text cut at section starts (whole for plain text): the units an LLM extractor reads."""
    if not doc.sections:
        return [doc.text]
    cuts = sorted({0, *(s.start for s in doc.sections), len(doc.text)})
    return [doc.text[a:b] for a, b in zip(cuts, cuts[1:]) if doc.text[a:b].strip()]


def shifted(sections: list[Section], start: int, end: int) -> list[Section]:
    """The sections of text[start:end], with offsets relative to it (a long document read in parts)."""
    return [
        s.model_copy(update={"start": max(s.start, start) - start, "end": min(s.end, end) - start})
        for s in sections
        if s.end > start and s.start < end
    ]
