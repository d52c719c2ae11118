"""A command line is parsed by a parser holding only its command's group: the same answer
as the whole parser gives, without importing or building the others."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wizard.cli import _COMMAND_GROUPS, UsageError, build_parser, needed_commands

COMMAND_LINES = [
    ["check", "--json", "--demo", "ready"],
    ["--demo", "ready", "check", "--facts", "--json"],
    ["plan", "--root", "/tmp", "--kubernetes-version", "1.35"],
    ["--roo", "/tmp", "check"],  # an abbreviation, as argparse allows
    ["apply", "--yes", "--dry-run", "--answers", "a.yaml"],
    ["undo", "--yes"],
    ["demos"],
    ["reboot", "--demo", "ready"],
    ["routes", "--json", "--netns", "ns1"],
    ["--netns", "ns1", "route", "get", "192.0.2.1", "2001:db8::1", "--from", "192.0.2.9"],
    ["route", "add", "10.0.0.0/8", "via", "192.0.2.1"],
    ["links", "--json"],
    ["kubeadm", "init", "--demo", "ready"],
    ["serve", "--demo", "ready"],
    ["--lang", "ko", "lesson", "network"],
    ["lesson", "bridge", "--lang", "en"],
    ["cluster", "check", "-i", "inventory.yaml", "--json"],
    ["diagnose", "-", "--json"],
    ["--demo", "ready", "--screen", "network"],
    [],
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=lambda argv: " ".join(argv) or "tui")
def test_the_command_alone_parses_as_the_whole_parser_does(argv):
    needed = needed_commands(argv)
    assert needed is not None and len(needed) <= 1
    try:
        whole = vars(build_parser().parse_args(argv))
    except UsageError as error:  # a command whose own checks refuse these words
        with pytest.raises(UsageError) as alone:
            build_parser(needed).parse_args(argv)
        assert str(alone.value) == str(error)
    else:
        assert vars(build_parser(needed).parse_args(argv)) == whole


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"], ["bogus"],
                                  ["--lang", "xx", "check"]])
def test_help_versions_and_mistakes_get_the_whole_parser(argv):
    assert needed_commands(argv) is None


def test_each_command_alone_has_the_whole_parsers_help():
    whole = build_parser()
    every = [name for names, _add in _COMMAND_GROUPS for name in names]
    assert len(every) == 14
    for name in every:
        alone = build_parser((name,))
        assert _subcommand_help(alone, name) == _subcommand_help(whole, name)


def _subcommand_help(parser, name):
    commands = next(action for action in parser._actions if action.dest == "command")
    return commands.choices[name].format_help()


def test_route_get_imports_no_other_commands_module():
    code = ("import sys\n"
            "from wizard.cli import main\n"
            "main(['--demo', 'ready', 'route', 'get', '192.0.2.1'])\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith('wizard.cli_'))),"
            " file=sys.stderr)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stderr.strip() == "wizard.cli_network"
    assert out.stdout.startswith("192.0.2.1 ")
