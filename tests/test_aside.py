"""gpec.aside: a function run in a forked child while the caller goes on (the workbook while the rest of
a run's folder is written)."""

from __future__ import annotations

import errno
import json
import os
import signal
import time

import pytest

from gpec import aside as aside_module
from gpec.aside import aside

forks = pytest.mark.skipif(not aside_module.FORKS, reason="gpec.aside forks on Linux only")


def test_the_function_runs_and_its_file_is_there_after_the_block(tmp_path):
    target = tmp_path / "done.txt"
    with aside(lambda receive: target.write_text("written by the child"), "done.txt") as child:
        (tmp_path / "here.txt").write_text("written meanwhile")
    assert target.read_text() == "written by the child"
    assert (tmp_path / "here.txt").exists()
    assert child.pid is None  # waited for


@forks
def test_it_runs_in_another_process(tmp_path):
    target = tmp_path / "pid"
    with aside(lambda receive: target.write_text(str(os.getpid())), "pid"):
        pass
    assert int(target.read_text()) != os.getpid()


@forks
def test_what_the_child_raises_is_raised_here_with_its_type_and_fields(tmp_path):
    def full_disk(receive):
        raise OSError(errno.ENOSPC, "No space left on device", "results.xlsx")

    with pytest.raises(OSError) as caught:
        with aside(full_disk, "results.xlsx"):
            pass
    assert caught.value.errno == errno.ENOSPC and caught.value.strerror == "No space left on device"
    assert caught.value.filename == "results.xlsx"


@forks
def test_an_exception_that_does_not_pickle_comes_back_as_its_words():
    class Local(Exception):  # a local class cannot be pickled
        pass

    def fail(receive):
        raise Local("drawing failed")

    with pytest.raises(RuntimeError, match="Local: drawing failed"):
        with aside(fail, "x"):
            pass


@forks
def test_a_child_killed_from_outside_is_an_os_error_naming_its_work():
    with pytest.raises(OSError, match=r"the process writing results.xlsx ended by signal 9"):
        with aside(lambda receive: time.sleep(60), "results.xlsx") as child:
            os.kill(child.pid, signal.SIGKILL)


@forks
def test_leaving_the_block_early_kills_the_child(tmp_path):
    target = tmp_path / "late.txt"

    def slow(receive):
        time.sleep(60)
        target.write_text("too late")

    with pytest.raises(KeyboardInterrupt):
        with aside(slow, "late.txt") as child:
            pid = child.pid
            raise KeyboardInterrupt  # a second Ctrl-C in the caller
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: no zombie left
    assert not target.exists()


@forks
def test_the_child_ignores_the_signals_its_parent_decides_on(tmp_path):
    target = tmp_path / "done.txt"
    started = tmp_path / "started"

    def work(receive):
        started.write_text("")
        time.sleep(0.3)  # long enough for the signals below to arrive while it works
        target.write_text("finished")

    with aside(work, "done.txt") as child:
        while not started.exists():
            time.sleep(0.01)
        os.kill(child.pid, signal.SIGINT)
        os.kill(child.pid, signal.SIGTERM)
    assert target.read_text() == "finished"


@forks
def test_the_child_receives_what_the_block_sends_while_it_works(tmp_path):
    target = tmp_path / "got.txt"
    with aside(lambda receive: target.write_text(repr(receive())), "got.txt") as child:
        child.send({"violations": 0, "details": []})
    assert target.read_text() == repr({"violations": 0, "details": []})


@forks
def test_a_child_waiting_for_what_is_never_sent_fails_instead_of_hanging():
    with pytest.raises(EOFError):
        with aside(lambda receive: receive(), "results.xlsx"):
            pass


def test_without_fork_the_function_runs_after_the_block_in_this_process(monkeypatch):
    monkeypatch.setattr(aside_module, "FORKS", False)
    order = []
    with aside(lambda receive: order.append(("child", os.getpid(), receive())), "x") as child:
        order.append(("block", os.getpid()))
        child.send(7)
    assert order == [("block", os.getpid()), ("child", os.getpid(), 7)]
    with pytest.raises(EOFError):
        with aside(lambda receive: receive(), "x"):
            pass


@forks
def test_a_run_folder_gets_its_workbook_from_a_child_and_a_failing_workbook_keeps_the_old_folder(
        tiny, tmp_path, monkeypatch):
    """write_outputs writes results.xlsx aside (in another process) with every other file; when the
    child fails, the write fails as a whole and the folder already there is kept."""
    import openpyxl

    import gpec.workbook
    from gpec.errors import GpecError
    from gpec.i18n import t
    from gpec.outputs import write_outputs
    from gpec.solving import solve

    result = solve(tiny, check=False)  # gpec solve: the check runs while the workbook is written
    assert result.violations is None
    out = write_outputs(result, tmp_path / "run", lang="fr", check=True)
    assert result.violations == 0 and json.loads((out / "result.json").read_text())["violations"] == 0
    book = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "Synthèse"
    summary = {row[0]: row[1] for row in book["Synthèse"].iter_rows(values_only=True) if row and row[0]}
    assert summary[t("summary.violations", "fr")] == 0  # the child got the check's outcome
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full_disk(*args, **kwargs):
        if os.getpid() == parent:
            raise AssertionError("the workbook is written in this process, not aside")
        raise OSError(errno.ENOSPC, "No space left on device")

    parent = os.getpid()
    monkeypatch.setattr(gpec.workbook, "write_workbook", full_disk)
    with pytest.raises(GpecError, match="No space left on device"):
        write_outputs(result, out, lang="fr")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".run.staging-*"))
