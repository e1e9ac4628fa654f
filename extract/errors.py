"""Exit codes and the exceptions that carry them; each tells the user what to do next."""

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0  # no error findings
    findings = 1  # error findings
    usage = 2  # bad command line
    input_unreadable = 3  # not a PDF, encrypted, no text layer, damaged, too large…
    no_report = 4  # readable, but no report figures in it
    output_unwritable = 5


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


class UsageError(JixiaoError):
    """The command line asks for something that cannot be done."""

    exit_code = ExitCode.usage
