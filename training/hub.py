"""Sharing the export on the Hugging Face Hub as a dataset repository: a dry run that lists what would go up,
and the real upload (create the repository if needed, then one commit of the folder)."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class HubError(ValueError):
    """The push cannot happen as asked (no token, a bad repository name, the Hub refused); the message says why."""


def human_size(size: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


def upload_plan(folder: Path) -> list[tuple[str, int]]:
    """Every file under the folder, as (path in the repository, bytes), in upload order."""
    folder = Path(folder)
    return [(p.relative_to(folder).as_posix(), p.stat().st_size) for p in sorted(folder.rglob("*")) if p.is_file()]


def hub_token() -> str:
    """The token huggingface_hub finds (HF_TOKEN, or the one `hf auth login` saved under HF_HOME)."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise HubError(
            "no Hugging Face token: set HF_TOKEN or run `hf auth login` (huggingface-cli login), then push again"
        )
    return token


def check_push(repo: str | None, dry_run: bool) -> None:
    """Fail before any work when the repository is missing or malformed, or a real push has no token."""
    check_repo_id(repo)
    if not dry_run:
        hub_token()


def check_repo_id(repo: str | None) -> None:
    if not repo:
        raise HubError("--dry-run and --private go with --push-to-hub USER/NAME: name the repository")
    if not REPO_ID.match(repo):
        raise HubError(f"--push-to-hub {repo!r} is no Hub repository id: write it as USER/NAME or ORG/NAME")


def push_folder(folder: Path, repo: str, private: bool = False, dry_run: bool = False) -> dict:
    """Upload the folder to the dataset repository `repo`; with dry_run only say what would be uploaded (no
    network). Returns the repository, the files with their sizes, and the commit URL after a real push."""
    check_repo_id(repo)
    files = upload_plan(folder)
    result = {
        "repo": repo,
        "private": private,
        "files": len(files),
        "bytes": sum(size for _, size in files),
        "upload": files,
    }
    if dry_run:
        return {**result, "dry_run": True}
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    api = HfApi(token=hub_token())
    try:
        api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        commit = api.upload_folder(
            repo_id=repo, folder_path=str(folder), repo_type="dataset", commit_message="kgsynth export"
        )
    except (HfHubHTTPError.__bases__[0], OSError) as err:  # the HTTP library's base error: refusals and no route
        raise HubError(f"pushing to {repo} failed: {str(err).splitlines()[0]}") from err
    return {**result, "url": commit.commit_url}
