"""PDF into LayoutText with PDFium (pypdfium2) for the text and pdfplumber for ruled tables: headings from font size
and weight against the body text's size, bullets and numbered items as lists, ruled tables as markdown tables, and each stretch of text with
its page number. A scanned PDF without a text layer comes back empty and is reported as such."""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kgraph.layout import LayoutText

BULLET = re.compile(r"^\s*([•▪◦·●■\-–*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
PAGE_FURNITURE = re.compile(r"^\s*(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
HEADING_RATIO = 1.12  # a line this much larger than the body text is a heading
MAX_HEADING_WORDS = 14


@dataclass
class Line:
    text: str
    top: float
    bottom: float
    x0: float
    size: float
    bold: bool


def font_name(textpage, index: int) -> str:
    from pypdfium2 import raw

    size = raw.FPDFText_GetFontInfo(textpage, index, None, 0, None)
    buffer = ctypes.create_string_buffer(size)
    raw.FPDFText_GetFontInfo(textpage, index, buffer, size, None)
    return buffer.value.decode("utf-8", "replace")


def pdf_lines(page, boxes: list[tuple]) -> list[Line]:
    """The page's text lines outside its tables, read with PDFium (ten times faster than pdfminer), each with its
    dominant font size and whether it is all bold; tops count from the top of the page, as pdfplumber's do."""
    from pypdfium2 import raw

    textpage, height = page.get_textpage(), page.get_height()
    count = textpage.count_chars()
    text = textpage.get_text_range(0, count)[:count]  # one character per index (outside the BMP it may differ)
    lines, start = [], 0
    for piece in re.split(r"(\r\n|\n|\r)", text):
        indexes = [i for i in range(start, start + len(piece)) if not piece[i - start].isspace()]
        start += len(piece)
        if not indexes or not piece.strip():
            continue
        boxes_of = [textpage.get_charbox(i) for i in indexes]
        top, bottom = height - max(b[3] for b in boxes_of), height - min(b[1] for b in boxes_of)
        x0, middle = min(b[0] for b in boxes_of), (top + bottom) / 2
        if any(left <= x0 and upper <= middle <= lower for left, upper, _, lower in boxes):
            continue
        size = Counter(round(raw.FPDFText_GetFontSize(textpage, i) * 2) / 2 for i in indexes).most_common(1)[0][0]
        bold = all(
            raw.FPDFText_GetFontWeight(textpage, i) >= 600
            or re.search(r"bold|black|heavy", font_name(textpage, i), re.I)
            for i in indexes
        )
        lines.append(Line(" ".join(piece.split()), top, bottom, x0, size, bold))
    return lines


def heading_levels(pages: list[tuple[int, list[Line], list]]) -> tuple[float, dict[float, int]]:
    """The body text's size (the commonest, by characters) and a level per larger size, largest first."""
    sizes: Counter = Counter()
    for _, lines, _ in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    larger = sorted({s for s in sizes if s >= body * HEADING_RATIO}, reverse=True)
    return body, {size: min(level, 6) for level, size in enumerate(larger, 1)}


def heading_level(line: Line, body: float, levels: dict[float, int]) -> int:
    """The line's heading level, or 0: larger than the body, or bold body text, short and not a sentence's end."""
    short = len(line.text.split()) <= MAX_HEADING_WORDS and not line.text.rstrip().endswith((".", ",", ";"))
    if not short or BULLET.match(line.text):
        return 0
    if line.size in levels:
        return levels[line.size]
    return len(levels) + 1 if line.bold and line.size >= body else 0


def joined(lines: list[str]) -> str:
    """Wrapped lines as one paragraph; a word hyphenated across a line break is made whole again."""
    text = ""
    for line in lines:
        if text.endswith("-") and line[:1].islower():
            text = text[:-1] + line
        else:
            text = f"{text} {line}" if text else line
    return text


class PageWriter:
    """Lines of one page into paragraphs, list items and headings, in reading order."""

    def __init__(self, out: LayoutText, page: int, body: float, levels: dict[float, int]):
        self.out, self.page, self.body, self.levels = out, page, body, levels
        self.paragraph: list[str] = []
        self.items: list[tuple[int, bool, str]] = []
        self.item_x: list[float] = []
        self.pending: tuple[int, list[str]] | None = None  # a heading whose next line may continue it
        self.last: Line | None = None

    def flush(self) -> None:
        if self.paragraph:
            self.out.block(joined(self.paragraph), self.page)
        if self.items:
            self.out.items(self.items, self.page)
        self.paragraph, self.items, self.item_x = [], [], []
        if self.pending is not None:
            self.out.heading(self.pending[0], joined(self.pending[1]), self.page)
            self.pending = None

    def line(self, line: Line) -> None:
        gap = line.top - self.last.bottom if self.last is not None else 0.0
        level = heading_level(line, self.body, self.levels)
        if self.pending is not None and not (level == self.pending[0] and gap < line.size * 0.6):
            self.flush()  # the heading is complete (a wrapped one gathered its second line)
        if level:
            if self.pending is None:
                self.flush()
                self.pending = (level, [])
            self.pending[1].append(line.text)
        elif marker := BULLET.match(line.text):
            if self.paragraph:
                self.flush()
            depth = len({round(x) for x in self.item_x if line.x0 > x + 4})
            ordered = marker.group(1).rstrip(".)").lstrip("(").isalnum()
            self.items.append((depth, ordered, line.text[marker.end() :]))
            self.item_x.append(line.x0)
        elif self.items and line.x0 > min(self.item_x) + 4 and gap < line.size:
            depth, ordered, text = self.items[-1]
            self.items[-1] = (depth, ordered, joined([text, line.text]))
        else:
            if self.items or (self.paragraph and gap > line.size * 0.8):
                self.flush()
            self.paragraph.append(line.text)
        self.last = line

    def table(self, rows: list[list[str]]) -> None:
        self.flush()
        self.out.table([[cell or "" for cell in row] for row in rows], self.page)
        self.last = None


def ruled_tables(path: Path, number: int) -> list:
    """The page's ruled tables by pdfplumber (bounding box from the top, rows of cells)."""
    import pdfplumber

    with pdfplumber.open(path, pages=[number]) as pdf:
        return [(t.bbox, t.extract()) for t in pdf.pages[0].find_tables()]


def read_pdf(path: Path) -> LayoutText:
    """A PDF as LayoutText; its title is the document's metadata title, else its first heading. Only pages that
    draw lines are handed to pdfplumber's table finder (pdfminer parses a page ten times slower than PDFium)."""
    import pypdfium2 as pdfium
    from pypdfium2 import raw

    path = Path(path)
    document = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for number, page in enumerate(document, 1):
            drawn = next(iter(page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH])), None) is not None
            tables = ruled_tables(path, number) if drawn else []
            lines = [line for line in pdf_lines(page, [b for b, _ in tables]) if not PAGE_FURNITURE.match(line.text)]
            pages.append((number, lines, [(box[1], rows) for box, rows in tables]))
        title = str(document.get_metadata_dict().get("Title") or "").strip()
    finally:
        document.close()
    body, levels = heading_levels(pages)
    out = LayoutText()
    for number, lines, tables in pages:
        writer = PageWriter(out, number, body, levels)
        flow = sorted([(line.top, 0, line) for line in lines] + [(top, 1, rows) for top, rows in tables],
                      key=lambda item: item[:2])  # fmt: skip
        for _, is_table, item in flow:
            writer.table(item) if is_table else writer.line(item)
        writer.flush()
    out.title = title or out.title
    return out
