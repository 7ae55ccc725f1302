"""What keeps the review page's rows current while it is open.

Two feeds, each a callable run on a thread until ``stop`` is set:

- :class:`PackPoller` (the default) follows the pack's state: another texpack (a ``watch``
  beside the game) writes into the pack, and the page reloads when the state changes.
- :class:`WatchFeed` (``texpack review --watch``) runs the watch itself in this process
  through the library call the ``watch`` command uses (texpack/watch/run.py), into the pack
  under review: the page reloads after each batch the watch finishes, from the watch's own
  events, with nothing polled. Rules saved on the page reach the watch as a changed profile,
  which it rebuilds from (texpack/watch/watcher.py).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Protocol

from texpack.errors import TexpackError
from texpack.profile import user_profile_path
from texpack.report import Outcome
from texpack.review.service import ReviewService, pack_signature
from texpack.watch.run import WatchEvent, WatchRequest, watch
from texpack.watch.watcher import WatchOptions, WatchStatus


class LiveFeed(Protocol):
    def __call__(self, stop: threading.Event) -> None: ...


def reload_page(service: ReviewService) -> None:
    """Read the rows again and tell every open page (unless the page's own rebuild runs)."""
    if service.busy:
        return
    try:
        service.refresh()
    except TexpackError:
        return
    for fn in list(service.listeners):
        fn({"type": "rows", "live": True})


class PackPoller:
    def __init__(self, service: ReviewService, every: float = 1.0) -> None:
        self.service, self.every = service, every

    def __call__(self, stop: threading.Event) -> None:
        last = pack_signature(self.service.out)
        while not stop.wait(self.every):
            sig = pack_signature(self.service.out)
            if sig != last and not self.service.busy:
                last = sig
                reload_page(self.service)


class WatchFeed:
    def __init__(self, service: ReviewService, watch_options: WatchOptions = WatchOptions()) -> None:
        self.service = service
        root = service.root
        # The watch reads the profile the page edits: the pack's own for the game (which it
        # finds itself, also once the page creates it), or the file review was given.
        own = service.editor.path == user_profile_path(service.out, root.game)
        options = replace(service.options, profile=None if own else str(service.editor.path))
        self.request = WatchRequest(dump=root.path, into=service.out, emulator=root.emulator, game=root.game,
                                    options=options, watch=watch_options)
        self.error = ""  # why the watch stopped early, for the CLI

    def __call__(self, stop: threading.Event) -> None:
        done = threading.Event()  # textures finished since the page last reloaded

        def on_event(e: WatchEvent) -> None:
            if isinstance(e, Outcome):
                done.set()
            elif isinstance(e, WatchStatus) and done.is_set() and not self.service.busy:
                # Status comes every quarter second: one reload per burst, not per texture.
                done.clear()
                reload_page(self.service)

        try:
            result = watch(self.request, stop, on_event, pool=self.service.pool)
            self.error = result.aborted
        except TexpackError as e:
            self.error = str(e)
