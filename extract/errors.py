"""Exit codes and the exceptions that carry them; each tells the user what to do next."""

import os
import re
from enum import IntEnum
from pathlib import PurePath


class ExitCode(IntEnum):
    ok = 0  # no error findings
    findings = 1  # error findings
    usage = 2  # bad command line
    input_unreadable = 3  # not a PDF, encrypted, no text layer, damaged, too large…
    no_report = 4  # readable, but no report figures in it
    output_unwritable = 5
    service_unavailable = 6  # the Prefect server (configured or temporary) does not answer, or died mid-run
    locked = 7  # OUT is held by another archive run (--no-wait)
    internal_error = 8  # a bug in jixiao met while processing an input (the message asks for a report)
    interrupted = 130  # Ctrl-C
    terminated = 143  # SIGTERM


class JixiaoError(Exception):
    """A pipeline failure (not a finding): a one-line Chinese message and a remedy."""

    exit_code = ExitCode.input_unreadable

    def __init__(self, message: str, remedy: str = ""):
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def __str__(self) -> str:
        return f"{self.message}；{self.remedy}" if self.remedy else self.message


class InputError(JixiaoError):
    """The input could not be read as a PDF report."""

    exit_code = ExitCode.input_unreadable


class NoReportError(JixiaoError):
    """The input was read, but holds no report figures."""

    exit_code = ExitCode.no_report


class OutputError(JixiaoError):
    """An output could not be written."""

    exit_code = ExitCode.output_unwritable


class InternalError(JixiaoError):
    """A bug met while processing one input; the message names the file and asks for a report.
    Exit 8, not 3: the input may be fine, and a script must not tell its sender to fix it."""

    exit_code = ExitCode.internal_error


class UsageError(JixiaoError):
    """The command line asks for something that cannot be done."""

    exit_code = ExitCode.usage


# Characters that must never reach a terminal, a page or a cell as they are when a name is
# shown: C0 and C1 controls and DEL (a newline forges a line of output), the bidirectional
# controls (U+202E shows "fdp.exe" as "exe.pdf") and the Unicode line separators.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def decoded(path: PurePath | str, whole: bool = True) -> str:
    """A path as text that can be stored anywhere (JSON, UTF-8 files): a name in GBK or other
    bytes that are not UTF-8 (os.fsdecode gives surrogates for those) is decoded as GB18030, the
    usual case on Chinese systems; bytes that are not GB18030 either are written `\\xNN`.
    Control characters are kept: this is the name, not its display (see `shown`)."""
    text = str(path) if whole else PurePath(path).name
    raw = os.fsencode(text)
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def visible(text: str) -> str:
    """Text with every control, bidirectional-control and line-separator character written as an
    escape (`\\n`, `\\x1b`, `\\u202e`), so that it shows as one line, in its own order."""
    return _UNSHOWABLE.sub(lambda m: _NAMED.get(m[0]) or (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                                                          else f"\\u{ord(m[0]):04x}"), text)


def shown(path: PurePath | str, whole: bool = False) -> str:
    """A file name fit to print: decoded as `decoded` does (never surrogates), with control and
    bidirectional characters escaped (`visible`): a name cannot forge a line or reorder one."""
    return visible(decoded(path, whole))
