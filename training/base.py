"""Where an adapter's base model comes from, recorded so the adapter loads from any folder and names its base."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

# A folder in the Hugging Face cache names the repository and the commit it holds.
HUB_SNAPSHOT = re.compile(r"/models--(?P<org>[^/]+?)--(?P<name>[^/]+)/snapshots/(?P<revision>[0-9a-f]{40})$")
WEIGHT_FILES = ("config.json", "*.safetensors", "*.bin")


def folder_sha256(folder: Path) -> str:
    """One hash over a checkpoint's config and weight files (names and contents), so a changed base is noticed."""
    digest = hashlib.sha256()
    files = sorted({f for pattern in WEIGHT_FILES for f in folder.glob(pattern) if f.is_file()})
    for file in files:
        digest.update(file.name.encode() + b"\0")
        with file.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def absolute_base(base_model: str) -> str:
    """A local folder as an absolute path (a relative one breaks the adapter outside today's folder), else the id."""
    path = Path(base_model).expanduser()
    return str(path.resolve()) if path.is_dir() else base_model


def describe_base(base_model: str) -> dict:
    """A local folder with its content hash (and hub id and commit when it is a hub cache snapshot), or a hub id
    with the commit its download holds in the cache (call it after loading the model)."""
    path = Path(absolute_base(base_model))
    if not path.is_dir():
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(base_model, "config.json")
        snapshot = HUB_SNAPSHOT.search(Path(cached).parent.as_posix()) if isinstance(cached, str) else None
        revision = snapshot["revision"] if snapshot else None
        return {"name_or_path": base_model, "hub_id": base_model, "revision": revision, "sha256": None}
    snapshot = HUB_SNAPSHOT.search(path.as_posix())
    return {
        "name_or_path": str(path),
        "hub_id": f"{snapshot['org']}/{snapshot['name']}" if snapshot else None,
        "revision": snapshot["revision"] if snapshot else None,
        "sha256": folder_sha256(path),
    }
