"""Live mode on real folders with real file-system events."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from texpack.atomic import TMP_PREFIX
from texpack.errors import ImageError
from texpack.imageio import encode_png, load_rgba
from texpack.report import Outcome, Status
from texpack.session import GameOptions
from texpack.watch.run import LaneOpened, WatchRequest, WatchRun
from texpack.watch.schedule import take_batch
from texpack.watch.settle import Settled, Settler
from texpack.watch.watcher import WatchOptions

from .waiting import eventually

NAME = "texupload-C16-{:016X}-256x256-0-0-16x16.png"


def tex(seed: int, size=16) -> bytes:
    rng = np.random.default_rng(seed)
    px = rng.integers(0, 256, (size, size, 4), dtype=np.uint8)
    px[..., 3] = 255
    return encode_png(px)


# -- settling, with an injected clock ----------------------------------------------------


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_settles_only_after_quiet_and_decodes(tmp_path):
    clock = Clock()
    s = Settler(quiet=0.2, give_up=2.0, clock=clock)
    p = tmp_path / "a.png"
    data = tex(1)
    p.write_bytes(data[:30])
    s.touch(p)
    assert s.poll() == ([], [])  # first look records size/mtime
    clock.t += 0.3
    done, broken = s.poll()
    assert not done and not broken  # quiet but does not decode yet: keep waiting
    assert s.next_due() == pytest.approx(0.2)  # and do not spin
    p.write_bytes(data)  # the rest arrives
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 1000))
    clock.t += 0.25
    assert s.poll() == ([], [])  # changed: quiet period restarts
    clock.t += 0.1
    assert s.poll() == ([], [])
    clock.t += 0.15
    done, broken = s.poll()
    assert [d.path for d in done] == [p] and done[0].shape == (16, 16) and not broken
    assert len(s) == 0


def test_broken_only_after_give_up(tmp_path):
    clock = Clock()
    s = Settler(quiet=0.1, give_up=1.0, clock=clock)
    p = tmp_path / "bad.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    s.touch(p)
    s.poll()
    for _ in range(5):
        clock.t += 0.15
        assert s.poll()[1] == []
    clock.t += 0.5
    done, broken = s.poll()
    assert not done and [b.path for b in broken] == [p] and "cannot decode" in broken[0].reason


def test_deleted_file_is_dropped(tmp_path):
    s = Settler(clock=Clock())
    p = tmp_path / "x.png"
    p.write_bytes(b"x")
    s.touch(p)
    p.unlink()
    assert s.poll() == ([], []) and len(s) == 0


def test_check_is_injectable(tmp_path):
    clock = Clock()
    calls = []

    def check(path):
        calls.append(path)
        raise ImageError("x", "not yet")

    s = Settler(quiet=0.1, give_up=10, clock=clock, check=check)
    (tmp_path / "y.png").write_bytes(b"1")
    s.touch(tmp_path / "y.png")
    s.poll()
    clock.t += 0.2
    s.poll()
    assert calls == [tmp_path / "y.png"]


# -- real watchers ------------------------------------------------------------------------


class Running:
    """A watch through the library call the CLI uses (WatchRun), its loop in a thread."""

    def __init__(self, dump: Path, into: Path, model="nearest", target=None, polling=False):
        self.dumps, self.events = dump, []
        req = WatchRequest(dump=dump, into=into, options=GameOptions(model=model, target=target), watch=WatchOptions(polling=polling, quiet=0.1))
        self.run = WatchRun(req, self.events.append)
        self.stop = threading.Event()
        self.run.open(self.stop)
        self.watcher = self.run.watcher
        started = threading.Event()
        self.thread = threading.Thread(target=self.run.run, args=(self.stop, started))
        self.thread.start()
        assert started.wait(10)

    @property
    def outcomes(self):
        return [e for e in self.events if isinstance(e, Outcome)]

    @property
    def games(self):
        return {e.root.game: e.game_dir for e in self.events if isinstance(e, LaneOpened)}

    @property
    def out(self):
        [game_dir] = self.games.values()
        return game_dir

    @property
    def failures(self):
        return [(o.dump, o.reason) for o in self.outcomes if o.status is Status.FAILED]

    def wait_for(self, names, timeout=30.0):
        return eventually(lambda: all((self.out / n).is_file() for n in names), timeout)

    def wait_until(self, cond, timeout=10.0):
        return eventually(cond, timeout)

    def close(self):
        self.stop.set()
        self.thread.join(30)
        self.run.close()
        assert not self.thread.is_alive()


def psx_watch(base: Path, **kw) -> Running:
    """A watch of one DuckStation game's dump folder, writing beside it (its textures/)."""
    dumps = base / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True, exist_ok=True)
    return Running(dumps, base, **kw)


@pytest.mark.parametrize("polling", [False, True])
def test_chunked_writes_are_processed_once_complete(tmp_path, polling):
    w = psx_watch(tmp_path, polling=polling)
    try:
        data = tex(7)
        p = w.dumps / NAME.format(1)
        with open(p, "wb") as f:
            for i in range(0, len(data), 100):
                f.write(data[i : i + 100])
                f.flush()
                time.sleep(0.06)
        assert w.wait_for([p.name])
        assert not w.failures
        assert load_rgba(w.out / p.name).shape == (64, 64, 4)
    finally:
        w.close()


def test_burst_of_hundreds(tmp_path):
    w = psx_watch(tmp_path)
    try:
        names = [NAME.format(i + 1) for i in range(300)]
        for i, n in enumerate(names):
            (w.dumps / n).write_bytes(tex(i))
        assert w.wait_for(names, timeout=60)
        assert not w.failures
    finally:
        w.close()
    assert not list(w.out.glob(TMP_PREFIX + "*"))


def test_rewrites_same_and_changed_pixels(tmp_path, monkeypatch):
    w = psx_watch(tmp_path)
    try:
        p = w.dumps / NAME.format(5)
        p.write_bytes(tex(1))
        assert w.wait_for([p.name])
        assert w.wait_until(lambda: w.watcher.tally.done == 1)  # the count follows the file's rename
        first = (w.out / p.name).read_bytes()
        n_done = w.watcher.tally.done
        p.write_bytes(encode_png(load_rgba(p), 9))  # rewritten, same pixels
        assert w.wait_until(lambda: w.watcher.tally.unchanged >= 1)
        assert w.watcher.tally.done == n_done
        assert (w.out / p.name).read_bytes() == first
        p.write_bytes(tex(2))  # changed pixels
        assert eventually(lambda: (w.out / p.name).read_bytes() != first)
    finally:
        w.close()


def test_restart_resumes_without_redoing(tmp_path):
    w = psx_watch(tmp_path)
    names = [NAME.format(i + 1) for i in range(20)]
    try:
        for i, n in enumerate(names[:10]):
            (w.dumps / n).write_bytes(tex(i))
        assert w.wait_for(names[:10])
    finally:
        w.close()
    for i, n in enumerate(names[10:], 10):  # dumped while texpack was not running
        (w.dumps / n).write_bytes(tex(i))
    w2 = psx_watch(tmp_path)
    try:
        assert w2.wait_for(names)
        assert w2.wait_until(lambda: w2.watcher.tally.done + w2.watcher.tally.unchanged == 20)
        assert w2.watcher.tally.done == 10 and w2.watcher.tally.unchanged == 10
    finally:
        w2.close()


def test_newest_first_behind_a_backlog(tmp_path):
    dumps = tmp_path / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True)
    old = time.time() - 3600
    for i in range(150):
        p = dumps / NAME.format(i + 1)
        p.write_bytes(tex(i))
        os.utime(p, (old + i, old + i))
    w = psx_watch(tmp_path)
    try:
        new = dumps / NAME.format(999)
        new.write_bytes(tex(999))
        assert w.wait_for([new.name] + [NAME.format(i + 1) for i in range(150)], timeout=60)
        order = [o.dump for o in w.outcomes if o.status is Status.BUILT]
        assert order.index(new.name) < 96  # within the first few batches, not after 150
    finally:
        w.close()


def test_batches_take_the_newest_and_its_size(tmp_path):
    ready = {}
    for i, (shape, mtime) in enumerate([((16, 16), 1), ((32, 32), 5), ((16, 16), 9), ((16, 16), 3), ((16, 16), 7), ((16, 16), 8)]):
        p = tmp_path / f"{i}.png"
        ready[p] = Settled(p, shape, mtime)
    lane = lambda p: "game"  # noqa: E731 - one game
    assert [s.mtime_ns for s in take_batch(ready, lane, 3, 1 << 20)] == [9, 8, 7]
    assert [s.mtime_ns for s in take_batch(ready, lane, 3, 1 << 20)] == [5]  # now the newest is the 32x32 one
    assert [s.mtime_ns for s in take_batch(ready, lane, 3, 1 << 20)] == [3, 1]
    assert take_batch(ready, lane, 3, 1 << 20) == []


def test_batches_stay_within_one_game(tmp_path):
    ready = {tmp_path / f"{g}{i}.png": Settled(tmp_path / f"{g}{i}.png", (16, 16), i * 2 + (g == "b")) for g in "ab" for i in range(3)}
    batch = take_batch(ready, lambda p: p.name[0], 32, 1 << 20)
    assert {s.path.name[0] for s in batch} == {"b"} and len(batch) == 3


def test_error_in_one_file_never_stops_the_watcher(tmp_path):
    w = psx_watch(tmp_path)
    try:
        (w.dumps / "notes.txt").write_text("not a texture")
        (w.dumps / NAME.format(3)).write_bytes(b"\x89PNG\r\n\x1a\nbroken")
        w.watcher.settler.give_up = 0.3
        (w.dumps / NAME.format(4)).write_bytes(tex(4))
        assert w.wait_for([NAME.format(4)])
        assert w.wait_until(lambda: len(w.failures) >= 2)
        names = {n for n, _ in w.failures}
        assert "notes.txt" in names and NAME.format(3) in names
    finally:
        w.close()


@pytest.mark.slow
def test_sigint_in_a_burst_exits_cleanly_and_resume_finishes(tmp_path):
    dumps = tmp_path / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True)
    cmd = [sys.executable, "-m", "texpack", "watch", str(dumps), "--precision", "fp32"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    names = [NAME.format(i + 1).replace("16x16", "32x32") for i in range(200)]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The burst starts once the watch is up: a Ctrl-C while it is still importing is the
    # quiet exit 130 (test_hostile.py), not this test's case; a cold disk can take seconds.
    seen = ""
    while "watching" not in seen:
        line = p.stdout.readline()
        assert line, p.communicate(timeout=60)[1]
        seen += line
    for i, n in enumerate(names):
        (dumps / n).write_bytes(tex(i, 32))
    # Ctrl-C as soon as the first texture of the burst is in the pack: mid-burst, by what was observed
    rep = tmp_path / "textures" / "SLUS-00001" / "replacements"
    assert eventually(lambda: list(rep.glob("*.png")), 60, every=0.02)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "stopped:" in seen + out
    rep = tmp_path / "textures" / "SLUS-00001" / "replacements"
    written = list(rep.glob("*.png"))
    assert not list(rep.glob(TMP_PREFIX + "*"))
    for f in written:
        assert load_rgba(f).shape == (128, 128, 4)
    assert len(written) < len(names)  # it really was interrupted mid-burst
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    eventually(lambda: len(list(rep.glob("*.png"))) >= len(names), 60, every=0.2)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=60)
    assert len(list(rep.glob("*.png"))) == len(names)


@pytest.mark.slow
def test_sigint_while_the_game_folder_opens_stops_cleanly(tmp_path):
    """Ctrl-C as soon as the watch names its folder (before it has begun watching) is a clean stop."""
    dumps = tmp_path / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    p = subprocess.Popen([sys.executable, "-m", "texpack", "watch", str(dumps), "--precision", "fp32"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    assert "watching" in line, line + p.communicate(timeout=60)[1]
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0 and "stopped:" in out and "Traceback" not in err, (p.returncode, err[-400:])


def test_rice_alpha_half_arriving_later_is_merged(tmp_path):
    sub = tmp_path / "texture_dump" / "GAME" / "png_by_rgb_a"
    sub.mkdir(parents=True)
    (sub.parent / "png_all").mkdir()
    w = Running(tmp_path / "texture_dump" / "GAME", tmp_path / "out", target="rice")
    try:
        from PIL import Image
        rgb = np.full((8, 8, 3), 180, np.uint8)
        Image.fromarray(rgb).save(sub / "GAME#12345678#0#3_rgb.png")
        out = tmp_path / "out" / "hires_texture" / "GAME" / "GAME#12345678#0#3_all.png"
        assert eventually(out.exists)
        assert (load_rgba(out)[..., 3] == 255).all()
        a = np.zeros((8, 8, 3), np.uint8)
        a[2:6, 2:6] = 255
        Image.fromarray(a).save(sub / "GAME#12345678#0#3_a.png")
        assert eventually(lambda: not (load_rgba(out)[..., 3] == 255).all())
        alpha = load_rgba(out)[..., 3]
        assert alpha[0, 0] == 0 and alpha[16, 16] == 255
    finally:
        w.close()


def test_batches_are_capped_by_pixels(tmp_path):
    ready = {tmp_path / f"{i}.png": Settled(tmp_path / f"{i}.png", (256, 256), i) for i in range(10)}
    assert [s.mtime_ns for s in take_batch(ready, lambda p: 0, 32, 3 * 256 * 256)] == [9, 8, 7]


def test_games_are_picked_up_as_their_folders_appear(tmp_path):
    top = tmp_path / "textures"
    top.mkdir()
    w = Running(top, tmp_path)
    try:
        (top / "stray.png").write_bytes(b"not in a game folder")
        for serial in ("SLUS-00001", "SCES-00002"):
            d = top / serial / "dumps"
            d.mkdir(parents=True)
            (d / NAME.format(1)).write_bytes(tex(1))
        outs = [tmp_path / "textures" / s / "replacements" / NAME.format(1) for s in ("SLUS-00001", "SCES-00002")]
        assert eventually(lambda: all(o.exists() for o in outs), 20)
        assert set(w.games) == {"SLUS-00001", "SCES-00002"} and w.watcher.tally.failed == 0
        # one engine pool for every game: the resampler was made once
        assert len(w.run.pool._engines) == 1
    finally:
        w.close()


def test_a_deleted_and_recreated_folder_is_watched_again(tmp_path):
    import shutil

    top = tmp_path / "textures"
    (top / "SLUS-00001" / "dumps").mkdir(parents=True)
    w = Running(top, tmp_path / "out")
    try:
        shutil.rmtree(top)
        assert eventually(lambda: "gone" in w.watcher.note)
        d = top / "SLUS-00001" / "dumps"
        d.mkdir(parents=True)
        assert eventually(lambda: not w.watcher.note)
        (d / NAME.format(2)).write_bytes(tex(2))
        out = tmp_path / "out" / "textures" / "SLUS-00001" / "replacements" / NAME.format(2)
        assert eventually(out.exists, 20)
    finally:
        w.close()


def test_state_folder_and_own_output_never_reach_the_settler(tmp_path):
    """The pack lies under the watched folder (DuckStation's textures/): its files and the
    .texpack state are filtered out by the event source."""
    w = psx_watch(tmp_path)
    try:
        (w.dumps / NAME.format(9)).write_bytes(tex(9))
        assert w.wait_for([NAME.format(9)])
        seen = []
        w.watcher.settler.touch = seen.append  # from now on, record what would be settled
        (w.out / "texupload-C16-0000000000000009-256x256-0-0-16x16.png").write_bytes(tex(3))
        state_dir = w.out.parent.parent.parent / ".texpack"
        (state_dir / "probe").write_bytes(b"x") if state_dir.is_dir() else None
        (w.dumps / NAME.format(10)).write_bytes(tex(10))
        assert w.wait_until(lambda: any(p.name == NAME.format(10) for p in seen))
        assert all(p.parent == w.dumps for p in seen), seen
    finally:
        w.close()


def test_opening_a_game_does_not_wait_for_pytorch():
    """The watch names its folder at once; PyTorch imports on the pool's warm-up thread."""
    code = (
        "import sys\n"
        "import texpack.cli.watch, texpack.engine.pool, texpack.session, texpack.watch.watcher\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_profile_saved_while_watching_rebuilds_only_what_it_changes(tmp_path):
    """Tune while playing: a rule written into the pack's own profile (as texpack review does)
    is taken up by the running watch, which redoes the textures it changes and only those."""
    w = psx_watch(tmp_path, model=None)  # the profile chooses the model
    try:
        names = [NAME.format(i) for i in (1, 2, 3)]
        for i, n in enumerate(names, 1):
            (w.dumps / n).write_bytes(tex(i))
        assert w.wait_for(names)
        before = {n: (w.out / n).stat().st_mtime_ns for n in names}
        first = load_rgba(w.out / names[0])
        profile = tmp_path / "profiles" / "SLUS-00001.yaml"
        profile.parent.mkdir()
        profile.write_text(f"extends: defaults/duckstation\nrules:\n  - name: smoother\n    match: {{name: '{names[0]}'}}\n    model: bilinear\n")
        assert w.wait_until(lambda: not np.array_equal(load_rgba(w.out / names[0]), first), timeout=20), w.watcher.note
        assert all((w.out / n).stat().st_mtime_ns == before[n] for n in names[1:])  # the others were current
        assert "profile changed" in w.watcher.note
        profile.write_text("rules: [ {name: broken, scale: 0} ]\n")  # a bad edit: named, the last good profile stays
        assert w.wait_until(lambda: "not used" in w.watcher.note, timeout=10)
        (w.dumps / NAME.format(4)).write_bytes(tex(4))
        assert w.wait_for([NAME.format(4)])
    finally:
        w.close()


def test_a_watch_into_a_folder_holding_another_packs_files_keeps_them(tmp_path):
    """An installed pack built elsewhere (its PNGs carry another pack's id) is never replaced
    by a watch catching up into the same folder."""
    rep = tmp_path / "textures" / "SLUS-00001" / "replacements"
    rep.mkdir(parents=True)
    dumps = tmp_path / "textures" / "SLUS-00001" / "dumps"
    dumps.mkdir(parents=True)
    (dumps / NAME.format(1)).write_bytes(tex(1))
    theirs = encode_png(np.full((64, 64, 4), 200, np.uint8), owner="0123456789abcdef")
    (rep / NAME.format(1)).write_bytes(theirs)
    w = psx_watch(tmp_path)
    try:
        assert w.wait_until(lambda: any(o.dump.endswith(NAME.format(1)) for o in w.outcomes), timeout=20)
        assert (rep / NAME.format(1)).read_bytes() == theirs
        assert [o.status.value for o in w.outcomes if o.dump.endswith(NAME.format(1))] == ["kept"]
    finally:
        w.close()


def test_watch_is_a_library_call_that_reports_through_events(tmp_path):
    from texpack.watch.run import LaneOpened, Waiting, WatchRequest, watch

    top = tmp_path / "textures"
    top.mkdir()
    events, stop, started = [], threading.Event(), threading.Event()
    req = WatchRequest(dump=top, into=tmp_path / "emu", options=GameOptions(model="nearest"), watch=WatchOptions(quiet=0.1))
    result = {}
    th = threading.Thread(target=lambda: result.update(r=watch(req, stop, events.append, started)))
    th.start()
    try:
        assert started.wait(20)
        dumps = top / "SLUS-00001" / "dumps"
        dumps.mkdir(parents=True)
        (dumps / NAME.format(1)).write_bytes(tex(1))
        out = tmp_path / "emu" / "textures" / "SLUS-00001" / "replacements" / NAME.format(1)
        assert eventually(out.is_file, 30)
    finally:
        stop.set()
        th.join(30)
    assert any(isinstance(e, Waiting) for e in events)  # nothing had dumped when it started
    lane = next(e for e in events if isinstance(e, LaneOpened))
    assert lane.root.game == "SLUS-00001" and lane.game_dir == out.parent
    assert any(isinstance(e, Outcome) and e.status is Status.BUILT for e in events)
    assert result["r"].status.done == 1 and result["r"].aborted == ""
