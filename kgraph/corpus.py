"""Read a corpus folder into Documents; files that cannot be read become Rejections, never crashes."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from pathlib import Path

from kgraph.layout import shifted
from kgraph.records import Document, Domain, Rejection, Section, content_id

TEXT_SUFFIXES = {".txt", ".md"}
STRUCTURED_SUFFIXES = {".pdf", ".html", ".htm", ".docx"}  # read with their headings, lists, tables (and pages)
SUFFIXES = TEXT_SUFFIXES | STRUCTURED_SUFFIXES | {".jsonl"}
MAX_BYTES = 5_000_000
# spaCy refuses texts over nlp.max_length (1,000,000 characters, error E088): longer documents are read in parts.
MAX_PART_CHARS = 900_000
MEDICAL_WORDS = (
    "patient", "dose", "mg", "therapy", "disease", "treatment", "clinical", "drug", "symptom",
    "contraindicat", "renal", "diagnos", "infection", "syndrome",
)  # fmt: skip
LEGAL_WORDS = (
    "shall", "agreement", "party", "parties", "clause", "section", "statute", "liable", "contract",
    "tenant", "licens", "court",
)  # fmt: skip


class CorpusError(ValueError):
    """The corpus path itself is unusable (missing, not a folder or file, nothing readable)."""


def guess_domain(path: Path, text: str) -> Domain:
    """Folder names win (medical/, legal/); otherwise count domain words."""
    parts = {p.lower() for p in path.parts}
    if "medical" in parts:
        return "medical"
    if "legal" in parts:
        return "legal"
    lower = text.lower()
    medical = sum(lower.count(w) for w in MEDICAL_WORDS)
    legal = sum(lower.count(w) for w in LEGAL_WORDS)
    if medical == legal == 0:
        return "general"
    return "medical" if medical >= legal else "legal"


STOPWORDS = {
    "en": {"the", "and", "of", "is", "in", "to", "with", "for", "not", "are", "be", "by", "or", "shall"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "von", "den", "zu", "ein", "eine", "bei", "wird"},
    "fr": {"le", "la", "les", "et", "est", "des", "une", "dans", "pas", "pour", "avec", "du", "sont", "par"},
    "es": {"el", "la", "los", "las", "y", "es", "del", "una", "con", "para", "por", "no", "se", "en"},
    "it": {"il", "lo", "gli", "della", "e", "che", "una", "con", "per", "non", "sono", "nel", "del", "di"},
    "nl": {"de", "het", "een", "en", "van", "is", "niet", "met", "voor", "zijn", "bij", "wordt", "op", "te"},
    "pt": {"o", "os", "as", "e", "da", "do", "uma", "com", "para", "não", "são", "em", "dos", "pelo"},
}


def guess_lang(text: str) -> str:
    """Chinese when CJK characters dominate the letters, else the language whose common words occur most."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    if cjk > latin / 4:
        return "zh"
    words = [w.strip(".,;:()\"'").lower() for w in text[:20_000].split()]
    counts = {lang: sum(1 for w in words if w in common) for lang, common in STOPWORDS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > counts["en"] else "en"


def make_document(
    path: Path, text: str, title: str = "", domain: str | None = None, sections: list[Section] = ()
) -> Document:
    text = text if sections else text.replace("\r\n", "\n")  # a layout's offsets are kept as they are
    return Document(
        id=content_id(text),
        path=str(path),
        text=text,
        domain=domain if domain in ("medical", "legal", "general") else guess_domain(path, text),
        lang=guess_lang(text),
        title=title or path.stem,
        sections=list(sections),
    )


def read_text_file(path: Path) -> str:
    """Decode a text file strictly (UTF-8, or UTF-16 with its byte-order mark); binary or undecodable content
    raises ValueError with the reason."""
    raw = path.read_bytes()
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise ValueError("undecodable") from err
    if b"\x00" in raw[:4096]:
        raise ValueError("binary")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError("undecodable") from err


def read_structured(path: Path) -> tuple[str, str, list[Section]]:
    """Text (markdown), title and sections of an HTML, DOCX or PDF file."""
    from kgraph.markup import read_docx, read_html
    from kgraph.pdf import read_pdf

    suffix = path.suffix.lower()
    layout = read_pdf(path) if suffix == ".pdf" else read_docx(path) if suffix == ".docx" else read_html(path)
    return layout.text(), layout.title, layout.sections


def read_file(path: Path) -> tuple[list[Document], list[Rejection]]:
    """One file into documents (a .jsonl file holds one per line) and rejections."""
    rejections: list[Rejection] = []
    try:
        size = path.stat().st_size
    except OSError as err:  # gone since the folder was listed (a long run reads files as it gets to them)
        return [], [Rejection(item_id=str(path), stage="read", reason="unreadable", detail=err.strerror or str(err))]
    if size > MAX_BYTES:
        return [], [Rejection(item_id=str(path), stage="read", reason="oversized", detail=f"{size} bytes")]
    sections, layout_title = [], ""
    try:
        if path.suffix.lower() in STRUCTURED_SUFFIXES:
            text, layout_title, sections = read_structured(path)
        else:
            text = read_text_file(path)
    except ValueError as err:
        return [], [Rejection(item_id=str(path), stage="read", reason=str(err.args[0]))]
    except Exception as err:  # a broken PDF raises anything; report it, keep going
        return [], [Rejection(item_id=str(path), stage="read", reason="unreadable", detail=repr(err)[:200])]
    if path.suffix.lower() != ".jsonl":
        if not text.strip():
            return [], [Rejection(item_id=str(path), stage="read", reason="empty")]
        parts = split_long(text)
        title = layout_title or text_title(text) or path.stem
        starts = part_starts(text, parts)
        return [
            make_document(
                path,
                part,
                title=title if len(parts) == 1 else f"{title} (part {n} of {len(parts)})",
                sections=shifted(sections, start, start + len(part)),
            )
            for n, (part, start) in enumerate(zip(parts, starts), 1)
        ], []
    documents = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        item_id = f"{path}:{number}"
        try:
            row = json.loads(line)
            body = row["text"]
            if not isinstance(body, str):
                raise TypeError("text is not a string")
        except (ValueError, KeyError, TypeError, RecursionError) as err:
            detail = "nested too deeply" if isinstance(err, RecursionError) else str(err)
            rejections.append(
                Rejection(item_id=item_id, stage="read", reason="bad_jsonl", detail=detail, raw=line[:500])
            )
            continue
        if not body.strip():
            rejections.append(Rejection(item_id=item_id, stage="read", reason="empty"))
            continue
        documents.append(make_document(path, body, title=str(row.get("title", "")), domain=row.get("domain")))
    return documents, rejections


def split_long(text: str, limit: int = MAX_PART_CHARS) -> list[str]:
    """The text in parts of at most `limit` characters, cut at the last paragraph break (else line break, else
    space) before the limit, so no sentence the parser needs whole is cut."""
    parts = []
    while len(text) > limit:
        cut = cut_point(text, limit)
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text]


def cut_point(text: str, limit: int) -> int:
    """Where to cut a text longer than `limit`: at the last paragraph break before it, else line break, else space,
    else at the limit itself when the break is in the first half."""
    cut = max(text.rfind("\n\n", 0, limit), 0) or max(text.rfind("\n", 0, limit), 0) or text.rfind(" ", 0, limit)
    return cut if cut > limit // 2 else limit


def part_starts(text: str, parts: list[str]) -> list[int]:
    """Where each part of split_long begins in the text (it strips the line breaks between parts)."""
    starts, position = [], 0
    for part in parts:
        position = text.find(part, position)
        starts.append(position)
        position += len(part)
    return starts


def text_title(text: str) -> str:
    """The document's name from its head, so a question can say which label or contract it is about: a markdown
    heading, or the first short line that is no sentence, skipping filing labels ('EXHIBIT 10.2') and redaction
    notices ('[***] = CONFIDENTIAL TREATMENT REQUESTED')."""
    for line in [line.split(";")[0].strip() for line in text.strip().splitlines() if line.strip()][:3]:
        if line.startswith("#"):
            return line.lstrip("#").strip()
        label = FILING_LABEL.match(line) or NOTICE.search(line)
        if len(line.split()) <= 12 and not line.endswith((".", ",", ";", ":")) and not label:
            return line
    return ""


FILING_LABEL = re.compile(r"^(exhibit|page|annex|schedule)\b[\s\w.]{0,12}$", re.IGNORECASE)
# Not a name: a redaction notice, a boxed warning's heading, a numbered section heading ('2.3 Preparation of Enbrel').
NOTICE = re.compile(r"\[\s*\*+\s*\]|\bconfidential\b|\bredacted\b|^warning\b|^\d+(\.\d+)*\.?\s", re.IGNORECASE)


def read_corpus(root: Path) -> tuple[list[Document], list[Rejection]]:
    """Every supported file under root, sorted for determinism; duplicates of the same text are kept once."""
    items = list(iter_corpus(root))
    return [d for d in items if isinstance(d, Document)], [r for r in items if isinstance(r, Rejection)]


def iter_corpus(root: Path) -> Iterator[Document | Rejection]:
    """The corpus file by file, as read_corpus orders it, read only when asked for: a stage that works in batches
    holds one batch of texts, not the corpus. Only the ids of the documents seen are kept, to drop duplicates."""
    root = Path(root)
    if not root.exists():
        raise CorpusError(f"corpus path {root} does not exist: pass a folder of .txt/.md/.jsonl/.pdf/.html/.docx files")
    entries = [root] if root.is_file() else sorted(root.rglob("*"))
    files = [p for p in entries if p.is_file()]
    # A link that leads nowhere (dangling, or a loop of links) is reported, not skipped in silence.
    broken = [
        Rejection(item_id=str(p), stage="read", reason="broken_link", detail="dangling or looping symbolic link")
        for p in entries
        if p.is_symlink() and not p.exists()
    ]
    if not files and not broken:
        raise CorpusError(f"corpus folder {root} holds no files: add .txt, .md, .jsonl, .pdf, .html or .docx documents")
    if root.is_file() and root.suffix.lower() not in SUFFIXES:
        raise CorpusError(f"{root} is not a .txt, .md, .jsonl, .pdf, .html or .docx file")
    yield from broken
    first_path: dict[str, str] = {}
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            if not path.name.startswith(".") and path.name.lower() != "readme.md":
                yield Rejection(item_id=str(path), stage="read", reason="unsupported_type")
            continue
        if path.name.lower() == "readme.md" and not root.is_file():
            continue
        found, rejected = read_file(path)
        yield from rejected
        for doc in found:
            if doc.id in first_path:
                yield Rejection(item_id=doc.path, stage="read", reason="duplicate_document", detail=first_path[doc.id])
                continue
            first_path[doc.id] = doc.path
            yield doc
