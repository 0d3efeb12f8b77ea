"""lessons_lib.files: the course's one atomic write, and the cleaning of what killed writes left."""

from __future__ import annotations

import os
import time

import pytest

from lessons_lib.files import (
    TEMPORARY_MARK,
    atomic_write,
    atomic_write_bytes,
    atomic_write_npz,
    atomic_write_text,
    remove_stale_temporaries,
)


@pytest.mark.parametrize(
    ("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)], ids=["022", "002", "077"]
)
def test_a_write_replaces_the_file_with_the_umask_mode_and_leaves_nothing_else(tmp_path, umask, mode):
    target = tmp_path / "table.md"
    atomic_write_text(target, "old\n")
    old_mask = os.umask(umask)
    try:
        atomic_write_bytes(target, b"new\n")
    finally:
        os.umask(old_mask)
    assert target.read_bytes() == b"new\n"
    assert oct(target.stat().st_mode & 0o777) == oct(mode)  # a plain open()'s mode, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["table.md"]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_an_interrupted_write_keeps_the_old_file_and_no_temporary(tmp_path, error):
    target = tmp_path / "model.keras"
    target.write_bytes(b"the old model")

    def half_then_fail(tmp):
        tmp.write_bytes(b"half a mod")
        raise error

    with pytest.raises(type(error)):
        atomic_write(target, half_then_fail)
    assert target.read_bytes() == b"the old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_stale_temporaries_of_this_file_only_are_removed(tmp_path):
    target = tmp_path / "model.keras"
    mine = tmp_path / f".model.abc123{TEMPORARY_MARK}.keras"
    other_entry = tmp_path / f".model.history.abc123{TEMPORARY_MARK}.keras"  # another entry's
    fresh = tmp_path / f".model.def456{TEMPORARY_MARK}.keras"
    for path in (mine, other_entry, fresh):
        path.write_bytes(b"half")
    old = time.time() - 3600
    os.utime(mine, (old, old))
    os.utime(other_entry, (old, old))
    assert remove_stale_temporaries(target, older_than=60) == [mine]
    assert not mine.exists() and other_entry.exists() and fresh.exists()
    assert remove_stale_temporaries(tmp_path / "absent" / "x.keras") == []


# ---- bad input ----------------------------------------------------------------------------------

def test_atomic_write_names_its_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match=r"path must be a str or Path, got int"):
        atomic_write(3, lambda tmp: None)
    with pytest.raises(TypeError, match=r"write must be a callable taking the temporary path, got b'data'"):
        atomic_write(tmp_path / "x.bin", b"data")
    with pytest.raises(IsADirectoryError, match=rf"path must be a file name, but {tmp_path} is a folder"):
        atomic_write(tmp_path, lambda tmp: None)
    assert list(tmp_path.iterdir()) == [], "a refused write left a file"


def test_atomic_write_bytes_and_text_want_their_kind_of_data(tmp_path):
    with pytest.raises(TypeError, match=r"data must be bytes, got str"):
        atomic_write_bytes(tmp_path / "x.bin", "text")
    with pytest.raises(TypeError, match=r"text must be a str, got bytes"):
        atomic_write_text(tmp_path / "x.txt", b"bytes")
    with pytest.raises(TypeError, match=r"arrays must be a dict of names to arrays, got list"):
        atomic_write_npz(tmp_path / "x.npz", [1, 2])
    assert list(tmp_path.iterdir()) == [], "a refused write left a file"


@pytest.mark.parametrize("older_than", [-1, "60", True, None])
def test_remove_stale_temporaries_wants_seconds(tmp_path, older_than):
    expected = rf"older_than must be a (finite )?number of seconds >= 0, got {older_than!r}"
    with pytest.raises(ValueError, match=expected):
        remove_stale_temporaries(tmp_path / "x.keras", older_than=older_than)


def test_atomic_write_npz_round_trips_compressed_or_not(tmp_path):
    import numpy as np

    arrays = {"a": np.arange(1000), "b": np.zeros((3, 4), dtype=np.uint8)}
    plain = atomic_write_npz(tmp_path / "plain.npz", arrays)
    small = atomic_write_npz(tmp_path / "small.npz", arrays, compressed=True)
    for path in (plain, small):
        with np.load(path) as stored:
            assert sorted(stored.files) == ["a", "b"]
            assert all(np.array_equal(stored[k], v) for k, v in arrays.items())
    assert small.stat().st_size < plain.stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.npz", "small.npz"]  # no temporary file
