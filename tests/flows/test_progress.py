"""flows.progress: done/total, rate, ETA and failures on a terminal; nothing elsewhere."""

import io

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
