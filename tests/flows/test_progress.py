"""flows.progress: done/total, rate, ETA and failures on a terminal; nothing elsewhere."""

import io
import re

import pytest

from flows.progress import Progress, wanted


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_bar_shows_done_rate_eta_and_failures():
    stream, clock = io.StringIO(), Clock()
    bar = Progress(10, stream, clock=clock)
    clock.now = 2.0
    bar.advance(4, failed=1)
    assert "4/10" in stream.getvalue() and "2.0 份/秒" in stream.getvalue()
    assert "剩余 00:03" in stream.getvalue() and "失败 1" in stream.getvalue()
    clock.now = 5.0
    bar.advance(6)
    bar.close()
    assert stream.getvalue().endswith("10/10  2.0 份/秒  剩余 00:00  失败 1\n")


def test_quiet_off_a_terminal_or_when_asked():
    stream = io.StringIO()
    assert not wanted(stream)
    bar = Progress(3, stream, enabled=False)
    bar.advance(3)
    bar.close()
    assert stream.getvalue() == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert wanted(Tty()) and not wanted(Tty(), quiet=True)


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_time_left_weighs_files_by_their_pages():
    """Two 1-page files done in 2 s; the third has 8 pages: 8 s left, not the 1 s files alone say."""
    stream, clock = io.StringIO(), Clock()
    weights = {"a": 1, "b": 1, "c": 8}
    bar = Progress(3, stream, clock=clock, weights=weights)
    assert bar.line().endswith("剩余 --:--  失败 0")  # nothing done yet: no pace to go by
    clock.now = 2.0
    bar.advance(key="a")
    bar.advance(key="b")
    assert "2/3" in bar.line() and "剩余 00:08" in bar.line()
    files = Progress(3, io.StringIO(), clock=Clock())  # the same run counted in files
    files.advance(2)
    assert "剩余 00:01" in files.line(2.0)
    # while the long file holds up the run, the time left grows instead of standing still
    clock.now = 4.0
    assert "剩余 00:16" in bar.line()
    # the 8-page file done first: most of the work is behind
    other = Progress(3, io.StringIO(), clock=Clock(), weights=weights)
    other.advance(key="c")
    assert "剩余 00:01" in other.line(4.0)  # 8 of 10 pages in 4 s: 2 pages left, 1 s


def test_pages_not_yet_counted_weigh_the_mean_of_those_counted():
    clock = Clock()
    weights = {"a": 2, "b": None, "c": 6, "d": None}  # b and d: 4 pages each, until counted
    bar = Progress(4, io.StringIO(), clock=clock, weights=weights)
    clock.now = 4.0
    bar.advance(key="a")  # 2 of 16 pages in 4 s
    assert "剩余 00:28" in bar.line()
    weights["b"], weights["d"] = 10, 10  # counted meanwhile: 2 of 28 pages
    assert "剩余 00:52" in bar.line()
    bar.advance(key="zzz")  # a key never weighed: the mean (28/4 = 7 pages; 9 of 28 in 4 s)
    assert abs(bar.share() - 9 / 28) < 1e-9


def test_bar_replaces_the_status_line_and_ticks_while_nothing_finishes():
    from flows import progress

    stream, clock = Tty(), Clock()
    status = progress.begin(stream, progress.wanted(stream))
    status.show("正在预热…")
    assert stream.getvalue() == "\r\x1b[K正在预热…"
    clock_status = progress.Status(Tty(), clock=clock, tick=None)
    clock_status.show("正在启动临时 Prefect 服务器…")
    clock.now = 3.2
    clock_status.redraw()
    assert clock_status.stream.getvalue().endswith("正在启动临时 Prefect 服务器…  3 秒")
    bar = Progress(2, stream, clock=clock, tick=0.05)  # a bar on the same terminal ends the status line
    progress.say("正在查找 PDF…")  # nothing while the bar shows
    text = stream.getvalue()
    assert text.startswith("\r\x1b[K正在预热…\r\x1b[K\r\x1b[K") and "正在查找" not in text
    assert text.endswith("0/2  0.0 份/秒  剩余 --:--  失败 0")
    import time

    time.sleep(0.5)  # ticks: the bar is drawn again with no file done
    assert stream.getvalue().count("0/2") >= 3
    clock.now = 5.0
    bar.advance()
    bar.advance()
    bar.close()
    after = stream.getvalue()
    time.sleep(0.2)
    assert stream.getvalue() == after  # closed: no more ticks
    assert after.endswith("\r\x1b[K" + "█" * 24 + " 2/2  1.1 份/秒  剩余 00:00  失败 0\n")  # 2 files in 5.0 − 3.2 s
    progress.say("正在写出汇总…")  # the bar is done: the status line speaks again, on the next line
    progress.end()
    assert stream.getvalue() == after + "\r\x1b[K正在写出汇总…\r\x1b[K"
    progress.begin(stream, enabled=False)


def test_count_pages_with_pypdf_and_size_for_what_it_cannot_read(tmp_path):
    from flows.progress import BYTES_PER_PAGE, count_pages
    from tests.conftest import FIXTURES

    junk = tmp_path / "scan.pdf"
    junk.write_bytes(b"%PDF-1.4 not really" + b"x" * (3 * BYTES_PER_PAGE))
    sample = FIXTURES / "sample" / "report.pdf"
    pages = count_pages([("s", str(sample)), ("j", str(junk)), ("gone", str(tmp_path / "gone.pdf"))])
    import time

    deadline = time.monotonic() + 30
    while any(pages[k] is None for k in ("s", "j")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pages["s"] == 9  # the sample report's pages
    # weighed by its size at the bytes a page of the files counted (the sample's)
    assert pages["j"] == max(junk.stat().st_size / (sample.stat().st_size / 9), 1.0)
    assert pages["gone"] is None  # the mean
    assert count_pages([]) == {}


# ---------------------------------------------------------------------------- a real run
FIRST_SECOND = 3.0  # "within the first second", with room for a loaded 2-core machine


def _archive_of_one(tmp_path):
    import shutil

    from tests.conftest import FIXTURES

    root = tmp_path / "archive"
    root.mkdir()
    shutil.copyfile(FIXTURES / "sample" / "report.pdf", root / "sample.pdf")
    return root


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory):
    """One Prefect home for these runs, one after the other: its database is created once."""
    return tmp_path_factory.mktemp("prefect-home")


def _env(home) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(home)
    return env


def _run_in_terminal(args: list[str], env: dict, timeout: float = 300) -> tuple[int, list[tuple[float, bytes]]]:
    """Run `python -m flows.cli ARGS` with stdout and stderr on a pseudo-terminal; its exit
    status and what it wrote, each read with the seconds since it was started."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    master, slave = pty.openpty()
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    got: list[tuple[float, bytes]] = []
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the process and its children closed the terminal
                    break
                if not data:
                    break
                got.append((time.monotonic() - start, data))
            elif proc.poll() is not None and not select.select([master], [], [], 0.2)[0]:
                break
        return proc.wait(timeout=60), got
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)


def test_a_first_run_talks_from_its_first_second_then_shows_the_bar(tmp_path, prefect_home):
    root, out = _archive_of_one(tmp_path), tmp_path / "out"
    code, got = _run_in_terminal(["archive", str(root), "--out", str(out), "--formats", "json"], _env(prefect_home))
    text = b"".join(data for _, data in got).decode("utf-8", "replace")
    assert code == 1, text  # the sample has two errors
    first = next(t for t, data in got if "正在".encode() in data)
    assert first < FIRST_SECOND, got[:3]
    assert "正在查找 PDF…" in text and "临时 Prefect 服务器" in text
    # the bar replaced the status line; after it, what is left to do, erased before the closing line
    bar = text.rindex("1/1")
    assert "█" * 24 in text[bar - 40:bar] and "正在写出汇总" in text[bar:]
    assert re.search(r"1/1[^\n]*\n\r?\x1b\[K正在写出汇总[^\n]*\r\x1b\[K1 个文件：已核对 1", text[bar:]), text[bar:]
    # not a terminal: nothing of it (a second run over the same OUT: nothing to check, no server;
    # tests/flows/test_archive.py's CLI run, stderr a pipe, checks a whole first run says one line)
    import subprocess
    import sys

    from tests.conftest import ROOT

    again = subprocess.run([sys.executable, "-m", "flows.cli", "archive", str(root), "--out", str(out),
                            "--formats", "json"], cwd=ROOT, env=_env(prefect_home), capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 1 and "1 个文件：已核对 0，沿用 1" in again.stdout
    assert again.stderr == "" and "\x1b" not in again.stdout and "正在" not in again.stdout


def test_quiet_shows_no_status_line_and_no_bar_on_a_terminal(tmp_path, prefect_home):
    root, out = _archive_of_one(tmp_path), tmp_path / "out"
    code, got = _run_in_terminal(["archive", str(root), "--out", str(out), "--formats", "json", "--quiet"],
                                 _env(prefect_home))
    text = b"".join(data for _, data in got).decode("utf-8", "replace")
    assert code == 1 and (out / "summary.json").is_file()
    assert "正在" not in text and "\x1b[K" not in text and "1/1" not in text, text
