"""Atomic run directories: staged beside the target, moved in whole."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nnzero.runs import staging
from nnzero.runs.staging import OutputDirError, RunStage, check_output_dir, staging_path


def _names(directory):
    return sorted(p.name for p in Path(directory).iterdir())


def _write(stage, **files):
    for name, text in files.items():
        (stage.path / name).write_text(text)


def test_staging_path_is_a_hidden_sibling(tmp_path):
    assert staging_path(tmp_path / "run") == tmp_path / ".run.partial"


def test_first_run_is_moved_into_place(tmp_path):
    stage = RunStage(tmp_path / "run")
    stage.begin()
    _write(stage, **{"model.nnz": "new"})
    assert not (tmp_path / "run").exists()
    stage.commit()
    assert _names(tmp_path / "run") == ["model.nnz"]
    assert _names(tmp_path) == ["run"]


@pytest.mark.parametrize("exchange", [True, False])
def test_previous_run_stays_whole_until_the_new_one_replaces_it(tmp_path, monkeypatch, exchange):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.nnz").write_text("old")
    (out / "misclassified.png").write_text("old plot")
    if not exchange:  # the fallback where no atomic swap exists
        monkeypatch.setattr(staging, "_exchange", lambda a, b: False)
    stage = RunStage(out)
    stage.begin()
    _write(stage, **{"model.nnz": "new"})
    assert (out / "model.nnz").read_text() == "old"
    stage.commit()
    assert _names(out) == ["model.nnz"]  # no old plot mixed in
    assert (out / "model.nnz").read_text() == "new"
    assert _names(tmp_path) == ["run"]


def test_failed_move_puts_the_old_run_back(tmp_path, monkeypatch):
    out = tmp_path / "run"
    out.mkdir()
    (out / "model.nnz").write_text("old")
    stage = RunStage(out)
    stage.begin()
    monkeypatch.setattr(staging, "_exchange", lambda a, b: False)
    real_replace = os.replace

    def replace(src, dst):
        if Path(src) == stage.path:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="No space"):
        stage.commit()
    assert (out / "model.nnz").read_text() == "old"
    assert stage.exists


def test_discarded_run_leaves_the_old_one_untouched(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "a").write_text("old")
    stage = RunStage(out)
    stage.begin()
    _write(stage, a="new", b="new")
    stage.discard()
    assert _names(tmp_path) == ["run"] and (out / "a").read_text() == "old"


def test_a_fresh_run_replaces_a_stale_staging_directory(tmp_path):
    stale = RunStage(tmp_path / "run")
    stale.begin()
    _write(stale, **{"old.png": "x"})
    stale.release()  # as a killed process would leave it
    fresh = RunStage(tmp_path / "run")
    fresh.begin()
    assert _names(fresh.path) == [".lock"]


def test_resume_reopens_the_staging_directory(tmp_path):
    first = RunStage(tmp_path / "run")
    first.begin()
    _write(first, **{"checkpoint.nnz": "state"})
    first.release()
    again = RunStage(tmp_path / "run")
    again.begin(resume=True)
    assert (again.path / "checkpoint.nnz").read_text() == "state"


def test_resume_with_nothing_to_resume_says_so(tmp_path):
    with pytest.raises(OutputDirError, match="Nothing to resume"):
        RunStage(tmp_path / "run").begin(resume=True)


def test_second_run_into_the_same_directory_is_refused(tmp_path):
    first = RunStage(tmp_path / "run")
    first.begin()
    with pytest.raises(OutputDirError, match="Another nnzero run"):
        RunStage(tmp_path / "run").begin()
    with pytest.raises(OutputDirError, match="Another nnzero run"):
        RunStage(tmp_path / "run").begin(resume=True)
    first.discard()


def test_file_in_the_way_of_the_staging_directory_is_refused(tmp_path):
    staging_path(tmp_path / "run").write_text("")
    with pytest.raises(OutputDirError, match="in the way"):
        RunStage(tmp_path / "run").begin()


def test_symlinked_output_directory_replaces_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "old").write_text("old")
    os.symlink("real", tmp_path / "link")
    stage = RunStage(tmp_path / "link")
    stage.begin()
    _write(stage, new="new")
    stage.commit()
    assert os.path.islink(tmp_path / "link")
    assert _names(tmp_path / "real") == ["new"]


# -- check_output_dir ----------------------------------------------------------------

def test_new_directory_and_missing_parents_are_accepted(tmp_path):
    assert check_output_dir(tmp_path / "a" / "b" / "run") == tmp_path / "a" / "b" / "run"
    assert _names(tmp_path / "a" / "b") == []  # no probe left behind


def test_existing_run_directory_is_accepted(tmp_path):
    (tmp_path / "run").mkdir()
    assert check_output_dir(tmp_path / "run") == tmp_path / "run"


def test_dev_null_is_refused():
    with pytest.raises(OutputDirError, match="'/dev/null': it is a character device, not a "
                                             "directory"):
        check_output_dir("/dev/null")


def test_regular_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputDirError, match="a regular file, not a directory"):
        check_output_dir(tmp_path / "file")


def test_path_under_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputDirError, match="Cannot write the run"):
        check_output_dir(tmp_path / "file" / "run")


@pytest.mark.parametrize("path", ["/proc/nnzero-run", "/proc/self/nnzero-run",
                                  "/sys/nnzero-run"])
def test_kernel_file_systems_are_refused(path):
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc and /sys are Linux's")
    with pytest.raises(OutputDirError, match="Cannot write the run to"):
        check_output_dir(path)
    assert not os.path.exists(path)


def test_root_directory_is_refused():
    with pytest.raises(OutputDirError, match="(not the root|is not writable|kernel)"):
        check_output_dir("/")


def test_read_only_directory_is_refused(tmp_path, monkeypatch):
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if ".probe-" in self.name:
            raise OSError(30, "Read-only file system")
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputDirError, match="is not writable .Read-only file system"):
        check_output_dir(tmp_path / "run")


def _make_read_only(directory):
    """Mode 555, and for root (whom modes do not stop) the immutable attribute."""
    directory.chmod(0o555)
    if os.geteuid() != 0:
        return True
    done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_really_read_only_directory_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    try:
        if not _make_read_only(ro):
            pytest.skip("no way to make a directory read-only for root here (chattr)")
        with pytest.raises(OutputDirError, match=r"'.*ro' is not writable \("):
            check_output_dir(ro / "run")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(ro)], capture_output=True, check=False)
        ro.chmod(0o755)
    assert _names(ro) == []


def test_directory_of_other_files_is_refused(tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError, match=r"holds files that are not an nnzero run's "
                                             r"\('notes.txt'\)"):
        check_output_dir(tmp_path / "project")
    assert (tmp_path / "project" / "notes.txt").read_text() == "mine"


def test_earlier_run_and_empty_directories_are_accepted(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "metrics.json").write_text("{}")
    (tmp_path / "old" / "notes.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    assert check_output_dir(tmp_path / "old") == tmp_path / "old"
    assert check_output_dir(tmp_path / "empty") == tmp_path / "empty"


@pytest.mark.parametrize("where", [".", ".."])
def test_current_directory_and_its_parents_are_refused(tmp_path, monkeypatch, where):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "model.nnz").write_text("x")
    monkeypatch.chdir(tmp_path / "work")
    with pytest.raises(OutputDirError, match="current directory"):
        check_output_dir(where)
