"""``periodic_window``: how far back the periodic sweep of running workers may look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.services.sweep import periodic_window

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
PERIOD = timedelta(minutes=5)


def test_an_empty_queue_sweeps_what_has_not_moved_for_the_period() -> None:
    assert periodic_window(PERIOD, 0, NOW, None) == (PERIOD, NOW)
    assert periodic_window(PERIOD, 0, NOW, NOW - timedelta(hours=3)) == (PERIOD, NOW)


def test_a_backlog_never_seen_drained_defers_the_sweep() -> None:
    assert periodic_window(PERIOD, 12, NOW, None) == (None, None)


def test_a_backlog_sweeps_only_what_is_older_than_the_last_empty_queue() -> None:
    drained = NOW - timedelta(minutes=40)
    assert periodic_window(PERIOD, 500, NOW, drained) == (timedelta(minutes=40), drained)
    # seen empty a moment ago: still never closer than the period
    recent = NOW - timedelta(seconds=30)
    assert periodic_window(PERIOD, 3, NOW, recent) == (PERIOD, recent)
