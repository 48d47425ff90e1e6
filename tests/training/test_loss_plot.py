"""The loss picture's parts: the smoothing, where epochs end, and both cases of held-out loss (measured or not)."""

from training.card import epoch_ends, held_out_line, plot_losses, smoothed


def test_smoothing_is_debiased_and_follows_a_step():
    assert smoothed([2.0, 2.0, 2.0], 0.9) == [2.0, 2.0, 2.0]  # no pull towards zero at the start
    values = smoothed([4.0] * 5 + [1.0] * 50, 0.8)
    assert values[5] > 3.0 and abs(values[-1] - 1.0) < 0.01


def test_epoch_ends_from_the_fractional_epochs_the_trainer_logs():
    history = [{"step": s, "epoch": s / 4 - (1e-7 if s % 4 == 0 else 0), "loss": 1.0} for s in range(1, 13)]
    assert epoch_ends(history) == [(4, 1), (8, 2)]  # the last step's epoch end is the end of the plot
    one_step_epochs = [{"step": s, "epoch": float(s), "loss": 1.0} for s in range(1, 4)]
    assert epoch_ends(one_step_epochs) == [(1, 1), (2, 2)]


def test_plot_with_and_without_held_out_loss(tmp_path):
    history = [{"step": s, "epoch": s / 10, "loss": 5 / s} for s in range(1, 31)]
    plot_losses(
        history, tmp_path / "held.png", [{"step": 0, "epoch": 0, "loss": 6.0}, {"step": 30, "epoch": 3.0, "loss": 2.5}]
    )
    plot_losses(history, tmp_path / "none.png", [])
    assert all((tmp_path / n).read_bytes()[:4] == b"\x89PNG" for n in ("held.png", "none.png"))
    assert "6.000 before training → 2.500 after" in held_out_line(
        {"held_out_rows": 12, "held_out_losses": [{"loss": 6.0}, {"loss": 2.5}]}
    )
    assert held_out_line({}) == "No held-out loss was measured."
