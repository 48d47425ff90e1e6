from training.base import absolute_base, describe_base, folder_sha256

COMMIT = "a" * 40


def test_a_hub_cache_snapshot_names_its_repository_and_commit(tmp_path):
    snapshot = tmp_path / "hub" / "models--HuggingFaceTB--SmolLM2-135M-Instruct" / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    base = describe_base(str(snapshot))
    assert base["hub_id"] == "HuggingFaceTB/SmolLM2-135M-Instruct" and base["revision"] == COMMIT
    assert base["name_or_path"] == str(snapshot) and base["sha256"] == folder_sha256(snapshot)


def test_a_relative_folder_becomes_absolute_and_its_hash_follows_the_weights(tmp_path, monkeypatch):
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "config.json").write_text("{}")
    (tmp_path / "base" / "model.safetensors").write_bytes(b"weights")
    monkeypatch.chdir(tmp_path)
    assert absolute_base("base") == str(tmp_path / "base")
    before = describe_base("base")["sha256"]
    (tmp_path / "base" / "model.safetensors").write_bytes(b"other weights")
    assert describe_base("base")["sha256"] != before


def test_a_hub_id_not_downloaded_has_no_revision_yet():
    assert describe_base("nobody/no-such-model") == {
        "name_or_path": "nobody/no-such-model",
        "hub_id": "nobody/no-such-model",
        "revision": None,
        "sha256": None,
    }
