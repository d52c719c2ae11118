"""The Network page's load pacing: each kind of load waits by what that kind costs."""

from __future__ import annotations

from screens.load_pacing import GAP_PER_COST, MIN_GAP, LoadPacer


def test_the_first_apply_after_a_long_dump_is_not_held_back_by_it():
    pacer = LoadPacer()
    pacer.loaded(whole=True, seconds=8.0, ended=100.0)  # a million routes, dumped
    assert pacer.next_at(whole=False) == 100.0 + MIN_GAP
    assert pacer.next_at(whole=True) == 100.0 + GAP_PER_COST * 8.0


def test_one_slow_apply_does_not_double_the_next_wait():
    pacer = LoadPacer()
    for ended, seconds in enumerate([0.1, 0.12, 0.11, 0.6]):
        pacer.loaded(whole=False, seconds=seconds, ended=float(ended))
    assert pacer.next_at(whole=False) == 3.0 + GAP_PER_COST * 0.115


def test_applies_that_keep_getting_dearer_are_paced_by_what_they_cost_now():
    pacer = LoadPacer()
    for ended in range(10):
        pacer.loaded(whole=False, seconds=0.5, ended=float(ended))
    assert pacer.next_at(whole=False) == 9.0 + GAP_PER_COST * 0.5


def test_nothing_loaded_yet_means_load_now():
    assert LoadPacer().next_at(whole=True) == float("-inf")
