"""report.html: the run report as one self-contained page (styles inline, pictures as data: URIs, a policy that
forbids every other request), so it opens from disk, an e-mail or a CI artifact without a server."""

from __future__ import annotations

import base64
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from flows.report import report_sections

TEMPLATES = Path(__file__).parent / "templates"


def data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def pictures(model_dir: Path | None, graph_png: Path | None) -> list[dict]:
    """The plots that exist: the fine-tune's loss curve and the workspace's graph picture."""
    found = [
        (model_dir / "loss.png" if model_dir else None, "Training and held-out loss", "loss"),
        (graph_png, "The most connected part of the knowledge graph", "graph"),
    ]
    return [{"src": data_uri(p), "caption": caption, "id": key} for p, caption, key in found if p and p.exists()]


def numeric(cell) -> bool:
    return isinstance(cell, int | float) or str(cell).replace(".", "", 1).replace("%", "").isdigit()


def build_html(run: Path, model_dir: Path | None = None, graph_png: Path | None = None) -> str:
    """The page for one run folder."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.tests["numeric"] = numeric
    return env.get_template("report.html").render(
        run=run.name, sections=report_sections(run, model_dir), pictures=pictures(model_dir, graph_png)
    )
