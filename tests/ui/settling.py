"""Waiting for the wizard to be quiet: no host worker running, every posted message handled.

One answer may start the next worker (the checks finish, each page then reads its facts), and
an exclusive worker may be cancelled by a newer one (a re-check): both are part of settling.
So is a form that waits for typing to settle before it checks (`validation_pending`), the
Network page's load that waits for its turn (`load_pending`: a timer, not a worker), and a
picture drawn for another width that waits for its Resize (`drawing_pending`), and a page
shown for the first time that is still being built (`build_pending`).
"""

from __future__ import annotations

import asyncio
import contextlib

from textual.worker import WorkerCancelled

_PENDING_FLAGS = ("validation_pending", "load_pending", "drawing_pending", "build_pending")


async def settle_workers(app, pilot, *, ignore_groups: tuple[str, ...] = ()) -> None:
    """Until no worker (outside `ignore_groups`, e.g. a netlink monitor) is pending or running.

    A worker that has been created but not yet started counts: its results are still to come
    (a page that had not been filled when its test looked was one of these, once under load).
    """
    for _ in range(50):
        await pilot.pause()
        running = [w for w in app.workers if not w.is_finished and w.group not in ignore_groups]
        if any(getattr(node, flag, False) for node in app.screen.walk_children()
               for flag in _PENDING_FLAGS):
            await asyncio.sleep(0.05)
            continue
        if not running:
            await pilot.pause()
            return
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete(running)
    raise AssertionError("the workers never settled")
