"""What texpack knows of the files in one game's pack folder: whose each file is, whether it
is current, and which ones are stale.

A file is texpack's own when the state records it and it is unchanged since (size and
mtime as written), or when it carries this pack's PNG marker (texpack's marker with the
pack's id, :attr:`texpack.state.State.owner`) but no record (a run was killed between the
rename and the record). A file another pack's build wrote, installed here, is not. Anything else is the modder's: left alone
unless the build says ``--overwrite``. Every path, whether from a dump name or read back
from the state, is checked to lie inside the pack before anything is written or removed.
"""

from __future__ import annotations

import os
from pathlib import Path

from texpack import imageio, relpath
from texpack.errors import PackError
from texpack.report import Outcome, Status
from texpack.state import OutputRow, State


def rel_problem(rel: str, game_rel: str) -> str | None:
    """Why ``rel`` cannot be a file of the game's pack folder (checked on the text alone)."""
    if not rel.startswith(game_rel + "/") or os.path.isabs(rel):
        return "would lie outside the pack folder; refused"
    if (why := relpath.rel_problem(rel)) is not None:
        return f"{why} cannot be a pack file; refused"
    return None


class Ledger:
    def __init__(self, state: State, out: Path, game_rel: str, source: str) -> None:
        self.state, self.out, self.game_rel, self.source = state, Path(out), game_rel, source
        self._root = self.out.resolve()

    @property
    def owner(self) -> str:
        return self.state.owner

    def path(self, rel: str) -> Path:
        """``out/rel``, refused unless it lies inside the game's pack folder (no ``..``, no
        absolute part, no backslash, no symlinked folder leading out)."""
        why = rel_problem(rel, self.game_rel)
        if why:
            raise PackError(rel, why)
        p = self.out / rel
        try:
            real = p.parent.resolve()
        except OSError as e:
            raise PackError(rel, f"cannot resolve ({e.strerror or e})") from e
        except RuntimeError as e:  # a link loop (Python before 3.13)
            raise PackError(rel, "its folder is a symbolic link loop; refused") from e
        if real != self._root and self._root not in real.parents:
            raise PackError(rel, "its folder leads outside the pack folder (a symlink?); refused")
        return p

    def foreign(self, rel: str) -> str | None:
        """Why the file at ``rel`` must not be replaced, or None when it is texpack's own (or absent)."""
        path = self.path(rel)
        try:
            st = path.lstat()
        except OSError:
            return None
        if path.is_symlink() or not path.is_file():
            return "something that is not a plain file is there; kept (remove it, or build with --overwrite)"
        row = self.state.output(rel)
        if row is not None and row.alias_of is None:
            if row.size is None or (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns):
                return None
            return "edited after texpack wrote it; kept (delete it, or build with --overwrite)"
        if imageio.made_by_texpack(path, self.owner):
            return None  # written by a run of this pack killed before it could record it
        return "a file texpack did not write is there; kept (delete it, or build with --overwrite)"

    def current(self, rel: str, job: str) -> bool:
        """An up-to-date real file for ``job``: recorded for it and unchanged on disk since."""
        row = self.state.output(rel)
        if row is None or row.alias_of is not None or row.job != job:
            return False
        try:
            st = self.path(rel).stat()
        except OSError:
            return False
        return row.size is None or (row.size, row.mtime_ns) == (st.st_size, st.st_mtime_ns)

    def alias_current(self, rel: str, job: str, target: str) -> bool:
        row = self.state.output(rel)
        return row is not None and row.job == job and row.alias_of == target

    def record(self, rel: str, job: str, dump: str, alias_of: str | None = None) -> None:
        size = mtime = None
        if alias_of is None:
            try:
                st = self.path(rel).stat()
            except OSError as e:  # the pack folder removed under a running build
                raise PackError(rel, f"is gone right after it was written ({e.strerror or e}); was the pack folder removed?") from e
            size, mtime = st.st_size, st.st_mtime_ns
        self.state.put_output(OutputRow(rel, job, dump, alias_of, self.source, size, mtime))

    def drop_file(self, rel: str) -> None:
        """Remove a file texpack owns (before an alias takes its name)."""
        p = self.path(rel)
        if p.is_file() and not p.is_symlink():
            p.unlink()

    def remove_stale(self, keep: set[str]) -> list[Outcome]:
        """Delete this game's pack files whose dumps are gone or now skipped."""
        outs = []
        for row in self.state.outputs(self.game_rel + "/"):
            if row.root != self.source or row.rel in keep:
                continue
            try:
                path = self.path(row.rel)
            except PackError as e:
                self.state.delete_output(row.rel)
                outs.append(Outcome(row.dump, Status.FAILED, "", f"state names {row.rel!r}: {e.reason}; record dropped"))
                continue
            if row.alias_of is None:
                if self.foreign(row.rel):
                    self.state.delete_output(row.rel)  # from now on it is the modder's file
                    outs.append(Outcome(row.dump, Status.KEPT, row.rel, "its dump is gone, but it was edited after texpack wrote it"))
                    continue
                try:
                    if path.is_file() and not path.is_symlink():
                        path.unlink()
                except OSError as e:
                    outs.append(Outcome(row.dump, Status.FAILED, row.rel, f"cannot remove stale file ({e.strerror})"))
                    continue
            self.state.delete_output(row.rel)
            outs.append(Outcome(row.dump, Status.REMOVED, row.rel, "no longer in the dump or skipped by the profile"))
        return outs

    def aliases(self) -> tuple[dict[str, str], set[str]]:
        """(alias name -> file relative to the game folder, every name this game's pack holds)."""
        aliases: dict[str, str] = {}
        names: set[str] = set()
        for row in self.state.outputs(self.game_rel + "/"):
            title = Path(row.rel).name.rsplit(".", 1)[0]
            names.add(title)
            if row.alias_of:
                aliases[title] = Path(row.alias_of).relative_to(self.game_rel).as_posix()
        return aliases, names


def output_rels(outcomes: list[Outcome]) -> set[str]:
    """Pack paths a run accounts for: written, copied, aliased, current, kept, or failed (a
    texture that fails keeps its previous file). Everything else of the dump is stale."""
    return {o.output for o in outcomes if o.output}
