"""StageStats: the record every stage returns, written to and read back from a run's stats.json."""

import json

import pytest

from flows.stats import Stopwatch, read_stats, record_stats, stage_stats
from flows.workspace import WorkspaceError
from kgraph.records import Rejection

# A generate row as runs wrote it before StageStats existed: read back unchanged.
OLD_ROW = {
    "stage": "generate",
    "in": 36,
    "kept": 46,
    "dropped": {"low_confidence": 8},
    "seconds": 2.6,
    "facts_left_pending": 0,
    "requests": 12,
}


def test_rejections_are_counted_by_reason_and_counters_read_as_attributes():
    rejections = [Rejection(item_id=str(i), stage="judge", reason=r) for i, r in enumerate("bab")]
    stats = stage_stats("curate", 5, 2, rejections, Stopwatch(), accepted=2, flagged=0)
    assert stats.dropped == {"a": 1, "b": 2} and list(stats.dropped) == ["a", "b"]
    assert stats.accepted == 2 and stats.counters == {"accepted": 2, "flagged": 0} and stats.seconds >= 0
    with pytest.raises(ValueError):
        stats.kept = 3  # frozen: a later step makes a copy
    longer = stats.with_counters(seconds=stats.seconds + 1.234, note="x")
    assert longer.note == "x" and longer.accepted == 2 and longer.seconds == round(stats.seconds + 1.234, 2)


def test_the_run_folders_stats_json_keeps_its_shape_and_old_runs_still_read(tmp_path):
    (tmp_path / "stats.json").write_text(json.dumps({"generate": OLD_ROW}))
    old = read_stats(tmp_path)["generate"]
    assert (old.seen, old.kept, old.requests) == (36, 46, 12) and old.row() == OLD_ROW
    record_stats(tmp_path, stage_stats("curate", 46, 40, accepted=40))
    written = json.loads((tmp_path / "stats.json").read_text())
    assert written["generate"] == OLD_ROW
    assert written["curate"] == {"stage": "curate", "in": 46, "kept": 40, "dropped": {}, "seconds": 0.0, "accepted": 40}


@pytest.mark.parametrize(
    "text, says",
    [("{not json", "Expecting property name"), ('{"extract": {"stage": "extract", "kept": 1}}', "Field required")],
)
def test_a_malformed_stats_json_is_one_clear_error(tmp_path, text, says):
    (tmp_path / "stats.json").write_text(text)
    with pytest.raises(WorkspaceError, match=f"stats.json is not a run's stage summary.*{says}"):
        read_stats(tmp_path)


def test_a_removed_setting_says_what_replaced_it():
    from flows.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=r"extract.concurrency.*no longer a setting.*\[llm\] concurrency"):
        load_config(None, {"extract": {"concurrency": 8}})
