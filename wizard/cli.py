"""The command line: the same core as the TUI, one subcommand per question or change.

Imports stay inside the commands so that `--version` and `--help` answer at once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from wizard import __version__

if TYPE_CHECKING:
    from wizard.checks.base import CheckResult
    from wizard.host.base import Host
    from wizard.model import WizardChoices
    from wizard.steps.applied import StartingChoices
    from wizard.steps.step import Step

SCREEN_NAMES = ("requirements", "network", "bridge", "runtime", "cgroups", "init", "review")
LESSON_NAMES = (*SCREEN_NAMES, "cluster")
"""Every screen with a lesson: the steps, and the Cluster screen `--inventory` opens."""


class UsageError(Exception):
    """Bad input from the operator: one line on stderr, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, no usage dump
        raise UsageError(f"{message} (see {self.prog} --help)")


def _add_host_options(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    default = argparse.SUPPRESS if nested else None
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--root", metavar="DIR", default=default,
                       help="work on the system under DIR (e.g. a mounted SD-card image)")
    where.add_argument("--demo", metavar="NAME", default=default,
                       help="work on a simulated host (see `kubeadm-wizard demos`)")
    parser.add_argument("--demo-reset", action="store_true", default=default,
                        help="start the demo host again from its original state")
    parser.add_argument("--netns", metavar="NAME", default=default,
                        help="inspect the network namespace NAME (as `ip netns` names it)")
    parser.add_argument("--answers", metavar="FILE", default=default,
                        help="load the operator's choices from an answers file")
    parser.add_argument("--role", choices=("control-plane", "worker"), default=default,
                        help="what this node will be (default: control-plane)")
    parser.add_argument("--kubernetes-version", metavar="1.N", default=default,
                        help="the Kubernetes minor version to prepare for")


def _add_top_level_options(parser: argparse.ArgumentParser) -> None:
    _add_host_options(parser, nested=False)
    parser.add_argument("--screen", choices=SCREEN_NAMES, help="open the TUI on this step")
    parser.add_argument("--inventory", metavar="FILE",
                        help="open the TUI on the Cluster screen for this Ansible inventory")
    parser.add_argument("--lang", choices=("en", "ko"),
                        help="language of the lessons (default: from LANG / LC_MESSAGES)")


Sub = Callable[[str, str], argparse.ArgumentParser]


def _add_host_commands(sub: Sub, _commands: argparse._SubParsersAction[Any]) -> None:
    check = sub("check", "check the host against kubeadm's preflight and more")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--facts", action="store_true",
                       help="with --json: add the facts `cluster check` compares between nodes")
    check.add_argument("--probe", metavar="HOST:PORT",
                       help="with --facts: the route to HOST and a TCP connect to HOST:PORT")
    plan = sub("plan", "show every fix the wizard would apply, with commands and diffs")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    apply = sub("apply", "apply the fixes (shows the plan first)")
    apply.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    apply.add_argument("--dry-run", action="store_true",
                       help="show what would change, change nothing")
    apply.add_argument("--step", action="store_true",
                       help="pause after each step: what ran, what changed, the verify output")
    apply.add_argument("--handout", metavar="FILE.md",
                       help="write the apply as a Markdown handout (commands, diffs, output)")
    undo = sub("undo", "restore every file the wizard changed and reverse its commands")
    undo.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    sub("demos", "list the simulated hosts")


def _add_demo_commands(sub: Sub, _commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_demo import add_demo_commands

    add_demo_commands(sub)


def _add_network_commands(sub: Sub, _commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_network import add_network_commands

    add_network_commands(sub, lambda parser: _add_host_options(parser, nested=True))


def _add_kubeadm_commands(sub: Sub, _commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_kubeadm import add_kubeadm_commands

    add_kubeadm_commands(sub, lambda parser: _add_host_options(parser, nested=True))


def _add_serve_command(sub: Sub, _commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_serve import add_serve_command

    add_serve_command(sub)


def _add_lesson_command(_sub: Sub, commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_lesson import add_lesson_command

    add_lesson_command(commands, LESSON_NAMES)


def _add_cluster_commands(_sub: Sub, commands: argparse._SubParsersAction[Any]) -> None:
    from wizard.cli_cluster import add_cluster_commands

    add_cluster_commands(lambda name, text: commands.add_parser(name, help=text,
                                                                description=text))


def _add_diagnose_command(_sub: Sub, commands: argparse._SubParsersAction[Any]) -> None:
    diagnose = commands.add_parser(
        "diagnose", help="explain the output of a kubeadm init or join run",
        description="Read kubeadm init/join output (a file, or - for standard input) and "
                    "say what happened and what fixes it.")
    diagnose.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    diagnose.add_argument("--json", action="store_true", help="machine-readable output")


_COMMAND_GROUPS: tuple[tuple[tuple[str, ...],
                             Callable[[Sub, argparse._SubParsersAction[Any]], None]], ...] = (
    (("check", "plan", "apply", "undo", "demos"), _add_host_commands),
    (("reboot",), _add_demo_commands),
    (("routes", "route", "links"), _add_network_commands),
    (("kubeadm",), _add_kubeadm_commands),
    (("serve",), _add_serve_command),
    (("lesson",), _add_lesson_command),
    (("cluster",), _add_cluster_commands),
    (("diagnose",), _add_diagnose_command),
)
"""Every subcommand, in the order `--help` lists them, by the module that defines it."""


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line, or only the groups that define the commands in ``only``.

    Building every subcommand imports every CLI module and formats a few hundred help
    texts: two thirds of a `route get`'s start-up. A parser with one command's group
    parses that command exactly as the whole one does; only the top-level `--help` (and
    an unknown command's error, which lists them) needs them all.
    """
    parser = _Parser(prog="kubeadm-wizard",
                     description="Prepare this host for kubeadm init / join, and learn why.")
    parser.add_argument("--version", action="version", version=f"kubeadm-wizard {__version__}")
    _add_top_level_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        parsed = commands.add_parser(name, help=help_text, description=help_text)
        _add_host_options(parsed, nested=True)
        return parsed

    for names, add_group in _COMMAND_GROUPS:
        if only is None or not set(only).isdisjoint(names):
            add_group(sub, commands)
    return parser


def needed_commands(argv: Sequence[str]) -> tuple[str, ...] | None:
    """The subcommands a parser for this command line needs: the one typed, none for the
    TUI (no command at all), or None, meaning all, when only the whole parser can answer
    (help, a version request, a typo, an option it does not know)."""
    probe = _Parser(add_help=False)
    _add_top_level_options(probe)
    probe.add_argument("command", nargs="?")
    try:
        known, rest = probe.parse_known_args(argv)
    except UsageError:
        return None
    if known.command is None:
        return None if rest else ()
    defined = any(known.command in names for names, _add in _COMMAND_GROUPS)
    return (known.command,) if defined else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(needed_commands(argv))
    try:
        _refuse_repeated_options(argv)
        args = parser.parse_args(argv)
        from wizard.i18n import default_language, set_language

        set_language(args.lang or default_language())
        return _dispatch(args)
    except UsageError as error:
        print(f"kubeadm-wizard: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kubeadm-wizard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kubeadm-wizard routes | head`: the reader has seen enough
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "demos":
            return _cmd_demos()
        if args.command == "diagnose":
            return _cmd_diagnose(args)
        if args.command == "cluster":
            from wizard.cli_cluster import cmd_cluster

            return cmd_cluster(args, UsageError)
        if args.command == "lesson":
            from wizard.cli_lesson import cmd_lesson

            return cmd_lesson(args)
        if args.command == "reboot":
            from wizard.cli_demo import cmd_reboot

            return cmd_reboot(args, UsageError)
        if args.command == "serve":
            from wizard.cli_serve import cmd_serve

            return cmd_serve(args, UsageError)
        host = make_host(args)
        if args.command in ("routes", "route", "links") and not any(
                getattr(args, key, None) for key in ("answers", "role", "kubernetes_version")):
            # No choices to read or check: the network commands do not use them, and the
            # answers machinery (YAML) is a fifth of a `routes` run's start-up.
            return _network_command(host, args)
        if args.command is None:
            return _run_tui(host, args)
        choices = make_choices(args, host).choices
        if args.command in ("routes", "route", "links"):
            return _network_command(host, args)
        if args.command == "kubeadm":
            from wizard.cli_kubeadm import cmd_kubeadm

            return cmd_kubeadm(host, choices, args, UsageError)
        handler = {"check": _cmd_check, "plan": _cmd_plan, "apply": _cmd_apply,
                   "undo": _cmd_undo}[args.command]
        return handler(host, choices, args)
    except BrokenPipeError:
        raise
    except OSError as error:  # a missing namespace, a refused netlink request, ...
        reason = error.strerror or str(error)
        # "Not a directory" alone does not say which: the path the system refused does.
        raise UsageError(f"{error.filename}: {reason}" if error.filename and error.strerror
                         else reason) from None
    except Exception as error:
        if isinstance(error, _operator_errors()):
            raise UsageError(str(error)) from None
        raise


def _network_command(host: Host, args: argparse.Namespace) -> int:
    from wizard import cli_network

    return {"routes": cli_network.cmd_routes, "route": cli_network.cmd_route,
            "links": cli_network.cmd_links}[args.command](host, args)


def _operator_errors() -> tuple[type[Exception], ...]:
    """An unknown demo, a bad answers file, or a kubeadm config the answers make invalid
    (a node name kubeadm would refuse, a pasted join command with a bad hash): the
    operator's to fix, said in one line.
    Imported only when something failed: the demo module alone costs a `routes` run
    tens of milliseconds of start-up."""
    from wizard.host.simulated import UnknownDemoError
    from wizard.kubeadm.config import InvalidConfig
    from wizard.model import AnswersError

    return (UnknownDemoError, AnswersError, InvalidConfig)


def make_host(args: argparse.Namespace) -> Host:
    from pathlib import Path

    from wizard.host.base import Host

    demo = getattr(args, "demo", None)
    root = getattr(args, "root", None)
    netns = getattr(args, "netns", None)
    _refuse_unclear_host(demo, root, netns, bool(getattr(args, "demo_reset", False)))
    if demo:
        from wizard.host.simulated import SimulatedHost

        return SimulatedHost(demo, reset=bool(getattr(args, "demo_reset", False)))
    if root:
        if not Path(root).is_dir():
            raise UsageError(f"--root {root}: not a directory")
        return Host(root)
    if netns is not None:
        _refuse_missing_namespace(netns)
    return Host("/", netns=netns)


_ONCE = ("--root", "--demo", "--netns", "--answers", "--role", "--kubernetes-version",
         "--lang")
"""Options a command takes before or after its name; given in both places, argparse keeps
the last unseen, so `--demo ready check --demo rpi4-bookworm` would check another host."""


def _refuse_repeated_options(argv: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    words = iter(argv)
    for word in words:
        if word == "--":
            return
        name, equals, value = word.partition("=")
        if name not in _ONCE:
            continue
        value = value if equals else next(words, "")
        if seen.get(name, value) != value:
            raise UsageError(f"{name} is given twice ({seen[name]!r} and {value!r}): give it once")
        seen[name] = value


def _refuse_missing_namespace(netns: str) -> None:
    """A namespace that is not there would leave every network check skipped and the
    command's exit 1 looking like a failed check: it is a typo, said at once."""
    from wizard.network.rtnetlink.netns_socket import require_netns

    try:
        require_netns(netns)
    except OSError as error:
        raise UsageError(error.strerror or str(error)) from None


def _refuse_unclear_host(demo: str | None, root: str | None, netns: str | None,
                         demo_reset: bool) -> None:
    """Which machine a command acts on must never be a guess: an empty `--demo "$DEMO"`
    from a classroom script would otherwise fall through to this machine, and an option
    given before the command and another after it would otherwise let one win unseen."""
    for option, value in (("--demo", demo), ("--root", root), ("--netns", netns)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} needs a value (an empty one would mean this machine)")
    if demo is not None and root is not None:
        raise UsageError("--demo and --root name two different hosts: give one")
    if netns is not None and (demo is not None or root is not None):
        raise UsageError("--netns is a namespace of this machine: it does not go with "
                         f"{'--demo' if demo is not None else '--root'}")
    if demo_reset and demo is None:
        raise UsageError("--demo-reset starts a demo host again: give it with --demo NAME")


def _run_tui(host: Host, args: argparse.Namespace) -> int:
    """The TUI. A bad answers file is not the end here, as it is for the subcommands: the
    wizard opens with its problems in a dialog and starts from the choices it would have
    without the file, and ctrl+s saves to the state directory, never over the bad file."""
    from pathlib import Path

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Textual would start and wait for keys that never come.
        raise UsageError("needs a terminal; use check, plan or apply")
    answers = getattr(args, "answers", None)
    start = make_choices(args, host, tolerant=True)
    from screens.app import run_app

    return run_app(host, start.choices, screen=args.screen,
                   answers_path=Path(answers) if answers and not start.problems else None,
                   inventory=Path(args.inventory) if args.inventory else None,
                   answers_problems="\n".join(start.problems), started_from=start.origin)


def make_choices(args: argparse.Namespace, host: Host, *,
                 tolerant: bool = False) -> StartingChoices:
    """The session's choices: --answers FILE, else what the last apply on this host used,
    else the defaults (wizard.steps.applied decides, for every face); then --role and
    --kubernetes-version on top. `tolerant`: see starting_choices."""
    from pathlib import Path

    from wizard.kube.versions import resolve_minor
    from wizard.steps.applied import starting_choices

    answers = getattr(args, "answers", None)
    scenario = _demo_answers(args)
    start = starting_choices(host, Path(answers) if answers else None, tolerant=tolerant,
                             fallback=Path(scenario) if scenario else None)
    choices = start.choices
    if getattr(args, "role", None):
        choices.role = args.role
    version = getattr(args, "kubernetes_version", None)
    if version:
        try:
            choices.kubernetes_version = f"1.{resolve_minor(version)}"
        except ValueError as error:
            raise UsageError(str(error)) from None
    return start


def _demo_answers(args: argparse.Namespace) -> str | None:
    """A scenario's answers.yml when --demo names one and --answers names none."""
    from wizard.resources import demo_answers

    demo = getattr(args, "demo", None)
    path = demo_answers(demo) if demo else None
    return str(path) if path else None


def _cmd_demos() -> int:
    import yaml

    from wizard.resources import asset, demo_names

    names = demo_names()
    width = max((len(name) for name in names), default=0)
    for name in names:
        data = yaml.safe_load(asset("demos", name, "host.yaml").read_text()) or {}
        summary = " ".join(str(data.get("description", "")).split())
        print(f"{name:{width}}  {summary}")
    return 0


def _cmd_diagnose(args: argparse.Namespace) -> int:
    from wizard.kubeadm.diagnose import diagnose
    from wizard.report import diagnosis_text

    if args.file == "-":
        if sys.stdin.isatty():
            print("Paste the kubeadm output, then press Ctrl-D.", file=sys.stderr)
        text = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as error:
            raise UsageError(f"cannot read {args.file}: {error.strerror}") from None
    result = diagnose(text)
    if not result.recognised:
        raise UsageError(f"{args.file if args.file != '-' else 'the input'} is not kubeadm "
                         "output: no phase, preflight result, error or join command in it")
    print(json.dumps(result.to_json(), indent=2) if args.json else diagnosis_text(result))
    return 0 if result.succeeded else 1


def _cmd_check(host: Host, choices: WizardChoices, args: argparse.Namespace) -> int:
    from wizard.checks.base import Status
    from wizard.checks.runner import run_checks
    from wizard.report import check_table, host_summary

    if (args.facts or args.probe) and not args.json:
        raise UsageError("--facts and --probe add to the JSON report: give --json too")
    if args.probe:
        from wizard.kubeadm.join_command import validate_endpoint

        problem = validate_endpoint(args.probe)
        if problem:
            raise UsageError(f"--probe {args.probe}: {problem}")
    results = run_checks(host, choices)
    if args.json:
        report = {"host": host_summary(host, choices), "checks": [r.to_json() for r in results]}
        if args.facts or args.probe:
            from wizard.cluster.facts import node_facts

            report["facts"] = node_facts(host, args.probe)
        print(json.dumps(report, indent=2))
    else:
        print(check_table(host, choices, results))
    return 1 if any(r.status is Status.FAIL for r in results) else 0


def _planned(host: Host, choices: WizardChoices) -> tuple[list[CheckResult], list[Step]]:
    from wizard.checks.runner import default_fixes, run_checks

    results = run_checks(host, choices)
    return results, default_fixes(results, choices.skipped_fixes)


def _unfixed(results: list[CheckResult], choices: WizardChoices) -> str:
    """The failures no planned step fixes, in a line (empty when there are none): a plan
    with nothing in it is not a host with nothing wrong."""
    from wizard.checks.base import Status
    from wizard.steps.summary import open_warnings

    failing = [r.id for r in open_warnings(results, choices.skipped_fixes)
               if r.status is Status.FAIL]
    return (f"Still failing, and no planned step fixes it ({len(failing)}; `check` says what "
            "to do): " + ", ".join(failing)) if failing else ""


def _cmd_plan(host: Host, choices: WizardChoices, args: argparse.Namespace) -> int:
    from wizard.report import plan_json, plan_text
    from wizard.steps import preview

    results, steps = _planned(host, choices)
    entries = preview(host, steps)
    if args.json:
        print(json.dumps(plan_json(entries), indent=2))
        return 0
    print(plan_text(entries))
    if unfixed := _unfixed(results, choices):
        print(unfixed)
    return 0


def _confirm(question: str, assume_yes: bool) -> bool:
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError("refusing to change the host without a terminal to confirm; add --yes")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def _refuse_read_only(host: Host) -> None:
    if host.read_only:
        raise UsageError("changing this host needs root: run it again with sudo")


def _cmd_apply(host: Host, choices: WizardChoices, args: argparse.Namespace) -> int:
    from pathlib import Path

    from wizard.checks.base import Status
    from wizard.checks.runner import run_checks
    from wizard.cli_narration import check_narration_options, narrator, write_handout
    from wizard.report import outcome_text, plan_text
    from wizard.steps import apply_steps, preview
    from wizard.steps.applied import record_applied

    check_narration_options(args, UsageError)
    results, steps = _planned(host, choices)
    entries = preview(host, steps)
    print(plan_text(entries))
    if not any(not e.already_done for e in entries):
        if args.handout:
            print("Nothing to apply: no handout written.")
        if unfixed := _unfixed(results, choices):
            print(unfixed)  # said, not an exit status: the nodes of `cluster apply` read 0 here
        return 0
    if not args.dry_run:
        _refuse_read_only(host)
        if not _confirm(f"Apply {len(steps)} step(s) to {host.label}?", args.yes):
            print("Nothing was changed.")
            return 1

    def progress(done: int, total: int, title: str) -> None:
        if done < total:
            print(f"[{done + 1}/{total}] {title}", file=sys.stderr)

    after_step = narrator(steps) if args.step and not args.dry_run else None
    outcomes = apply_steps(host, steps, dry_run=args.dry_run, progress=progress,
                           after_step=after_step)
    print(outcome_text(outcomes))
    if args.dry_run:
        return 0
    if len(outcomes) < len(steps) and not any(o.failed for o in outcomes):
        print(f"Stopped after step {len(outcomes)} of {len(steps)}: the rest was not run "
              "(apply again to go on; `undo` reverses what ran).")
    kept = record_applied(host, choices, outcomes)
    if kept is not None:
        print(f"The choices this apply used are kept in {kept}: the next session on this "
              "host starts from them.")
    if args.handout:
        write_handout(Path(args.handout), host, choices, steps, outcomes)
    after = run_checks(host, choices)
    reboot = [r.id for r in after if r.after_reboot]
    if reboot:
        print("Takes effect after a reboot: " + ", ".join(reboot))
    still = [r.id for r in after if r.status is Status.FAIL and not r.after_reboot]
    if still:  # the exit status is 1 for these: say so, not only by the number
        print(f"Still failing after the apply ({len(still)}; `check` says why): "
              + ", ".join(still))
    return 1 if still or any(o.failed for o in outcomes) else 0


def _cmd_undo(host: Host, choices: WizardChoices, args: argparse.Namespace) -> int:
    from wizard.steps import undo_all, undo_preview

    _refuse_read_only(host)
    planned = undo_preview(host)
    if not planned:
        print("The journal is empty: nothing to undo.")
        return 0
    print("Undo will, in this order:\n" + "\n".join(f"  {line}" for line in planned))
    if not _confirm(f"Undo every change the wizard journaled on {host.label}?", args.yes):
        print("Nothing was changed.")
        return 1
    print("\n".join(undo_all(host)))
    return 0
