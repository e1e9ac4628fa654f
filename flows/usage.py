"""What every command's --help ends with: examples and the exit codes it can give (imports nothing of flows/)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

# The exit status of every command (README "Exit status"), for --help; each command shows its own.
EXIT_CODES = {
    0: "没有错误发现（或都已被复核排除） no error findings",
    1: "有未排除的错误发现（--fail-on warning：警告也算） error findings",
    2: "用法错误：命令行、配置文件或复核文件有误 usage error",
    3: "输入无法读取：不存在、不是 PDF、加密、损坏、没有文字层 input unreadable",
    4: "可以读取，但没有找到报告数字 no report figures",
    5: "输出无法写入 output unwritable",
    6: "Prefect 服务器无响应，或临时服务器中途退出 service unavailable",
    7: "OUT 正被另一次归档运行占用（--no-wait） OUT locked",
    8: "内部错误（jixiao 的缺陷，请报告） internal error",
    130: "已中断（Ctrl-C） interrupted",
    143: "被 SIGTERM 终止 terminated",
}


def epilog(examples: Sequence[str], codes: Sequence[int] = tuple(EXIT_CODES)) -> str:
    """A command's --help epilog: examples, then the exit codes it can give."""
    lines = ["示例（examples）:", *(f"  {e}" for e in examples), "", "退出码（exit status）:"]
    lines += [f"  {code:<4} {EXIT_CODES[code]}" for code in codes]
    return "\n".join(lines)


def command(sub, name: str, summary: str, examples: Sequence[str], codes: Sequence[int]) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with its examples and exit codes."""
    return sub.add_parser(name, help=summary, description=summary, epilog=epilog(examples, codes), allow_abbrev=False,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
