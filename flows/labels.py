"""How kgsynth's runs look in Prefect: flow run names that say workspace and stage, tags, one artifact key per
workspace, and the run logger kgsynth's own progress goes to."""

from __future__ import annotations

import hashlib
import logging
import re

from flows.workspace import Workspace


def workspace_slug(ws: Workspace) -> str:
    """Readable and unique per workspace folder, so two workspaces called `ws` never share a name or a key."""
    root = ws.root.resolve()
    readable = re.sub(r"[^a-z0-9]+", "-", root.name.lower()).strip("-") or "ws"
    return f"{readable}-{hashlib.sha1(str(root).encode()).hexdigest()[:6]}"


def report_key(ws: Workspace) -> str:
    """The Prefect artifact key of a workspace's run report: its history is that workspace's runs only."""
    return f"kgsynth-report-{workspace_slug(ws)}"


def run_name(stage: str):
    """A `flow_run_name` callable: '<workspace> <stage>' plus the run folder when the flow is given one."""

    def name() -> str:
        from prefect.context import FlowRunContext

        parameters = FlowRunContext.get().parameters
        run = parameters.get("run")
        return f"{parameters['ws'].root.name} {stage}" + (f" {run.name}" if run else "")

    return name


def tag_run(stage: str, ws: Workspace) -> None:
    """Tag the current flow run (kgsynth, its stage, its workspace); task runs stay untagged, since a tag costs
    every task run a concurrency check."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    tags = sorted({*(context.flow_run.tags or []), "kgsynth", f"stage:{stage}", f"workspace:{workspace_slug(ws)}"})
    context.client.update_flow_run(context.flow_run.id, tags=tags)


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a flow (its lines reach the UI), a plain logger when called outside one."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger("kgsynth")
