"""HTML (the standard library's parser) and DOCX (python-docx) into LayoutText: headings open sections, lists
and tables are kept as markdown, scripts, styles and page furniture (nav, header, footer) are left out."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from kgraph.layout import LayoutText

SKIPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "svg", "head"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "pre", "dd", "dt", "figcaption", "address", "body"}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


class HTMLLayout(HTMLParser):
    """Walks the tags once: text gathers into the open block, and a heading, list or table ends it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = LayoutText()
        self.buffer: list[str] = []
        self.skip = 0
        self.heading = 0
        self.lists: list[bool] = []  # ordered? per open list
        self.items: list[tuple[int, bool, str]] = []
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.page_title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in VOID:
            (self.cell if self.cell is not None else self.buffer).append("\n" if tag == "br" else " ")
            return
        if tag in SKIPPED:
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
        elif tag in HEADINGS:
            self.flush()
            self.heading = HEADINGS[tag]
        elif tag in ("ul", "ol"):
            self.flush_text_into_item()
            self.lists.append(tag == "ol")
        elif tag == "li":
            self.flush_text_into_item()
        elif tag == "table":
            self.flush()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
        elif tag in BLOCKS and not self.lists and self.rows is None:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif tag in HEADINGS and self.heading:
            self.out.heading(self.heading, "".join(self.buffer))
            self.buffer, self.heading = [], 0
        elif tag == "li":
            self.flush_text_into_item()
        elif tag in ("ul", "ol") and self.lists:
            self.flush_text_into_item()
            self.lists.pop()
            if not self.lists:
                self.out.items(self.items)
                self.items = []
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell))
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.out.table(self.rows)
            self.rows = None
        elif tag in BLOCKS and not self.lists and self.rows is None:
            self.flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page_title.append(data)
        elif self.skip:
            return
        elif self.cell is not None:
            self.cell.append(data)
        else:
            self.buffer.append(data)

    def flush_text_into_item(self) -> None:
        """The text since the last list tag becomes an item at the current depth."""
        text = " ".join("".join(self.buffer).split())
        self.buffer = []
        if text and self.lists:
            self.items.append((len(self.lists) - 1, self.lists[-1], text))
        elif text:
            self.out.block(text)

    def flush(self) -> None:
        """The open paragraph: lines kept where <br> broke them, spaces collapsed within each."""
        lines = [" ".join(line.split()) for line in "".join(self.buffer).split("\n")]
        self.buffer = []
        self.out.block("\n".join(line for line in lines if line))

    def close(self) -> None:
        super().close()
        self.flush_text_into_item() if self.lists else self.flush()
        if self.items:
            self.out.items(self.items)


def read_html(path: Path) -> LayoutText:
    """An HTML page as LayoutText; its title is <title>, else the first heading."""
    from kgraph.corpus import read_text_file

    parser = HTMLLayout()
    parser.feed(read_text_file(Path(path)))
    parser.close()
    title = " ".join("".join(parser.page_title).split())
    parser.out.title = title or parser.out.title
    return parser.out


def docx_level(paragraph) -> int:
    """The heading level of a paragraph styled 'Title' (0) or 'Heading N' (N); -1 for body text."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name == "Title":
        return 0
    if name.startswith("Heading") and name[7:].strip().isdigit():
        return int(name[7:].strip())
    return -1


def docx_list_item(paragraph) -> tuple[int, bool] | None:
    """(depth, ordered) for a list paragraph: a 'List ...' style or Word numbering; None otherwise."""
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    numbering = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
    if not name.startswith("List") and numbering is None:
        return None
    depth = int(numbering.ilvl.val) if numbering is not None and numbering.ilvl is not None else 0
    if name[-1:].isdigit():
        depth = max(depth, int(name[-1]) - 1)
    return depth, "Number" in name


def read_docx(path: Path) -> LayoutText:
    """A Word document as LayoutText, body paragraphs and tables in document order; its title is the core
    property, else the 'Title' paragraph, else the first heading."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out, items = LayoutText(), []
    for block in document.iter_inner_content():
        item = docx_list_item(block) if isinstance(block, Paragraph) else None
        if items and item is None:
            out.items(items)
            items = []
        if isinstance(block, Table):
            out.table([[cell.text for cell in row.cells] for row in block.rows])
        elif item is not None:
            items.append((*item, block.text))
        elif (level := docx_level(block)) >= 0:
            out.heading(max(level, 1), block.text) if level else setattr(out, "title", block.text.strip())
        else:
            out.block(block.text)
    if items:
        out.items(items)
    out.title = (document.core_properties.title or "").strip() or out.title
    return out
