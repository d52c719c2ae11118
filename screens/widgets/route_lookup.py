"""Where would a packet to X go? The kernel's answer, and the rule, table and route behind it.

`ip route get` names the interface and gateway but not the policy rule, the table or the
routing-table row that decided; the wizard replays the kernel's choice over the same snapshot
to name them, and highlights the row in the Routes tab. The ready-made questions are the ones
a cluster depends on: the API server, the first pod and Service addresses, the DNS servers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.widgets.route_rows import iproute_text, rule_text
from wizard.checks.network import AdvertiseFacts, api_server_address
from wizard.model import WizardChoices
from wizard.network.route_words import describe_route_get, not_an_address
from wizard.network.rtnetlink.route_table import Route


@dataclass(frozen=True)
class Question:
    """A ready-made lookup: what it is about (`kind`: api, pod, service, dns) and the address."""

    label: str
    kind: str
    address: str


def first_address(cidr: str) -> str | None:
    """The first usable address of a range (10.96.0.0/12 → 10.96.0.1), None if not a range."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return None
    return str(network.network_address + 1)


def ready_questions(choices: WizardChoices, facts: AdvertiseFacts | None,
                    dns_servers: Sequence[str]) -> list[Question]:
    """The lookups a cluster depends on, from the operator's choices and resolv.conf."""
    questions = []
    api = api_server_address(choices, facts) if facts else None
    if api:
        questions.append(Question(f"API server {api}", "api", api))
    for kind, label, ranges in (("pod", "pod", choices.pod_subnet),
                                ("service", "Service", choices.service_subnet)):
        for cidr in filter(None, ranges.split(",")):
            address = first_address(cidr)
            if address:
                questions.append(Question(f"first {label} address {address} ({cidr.strip()})",
                                          kind, address))
    questions += [Question(f"DNS server {server}", "dns", server) for server in dns_servers]
    return questions


def meaning(question: Question | None, answer: dict[str, Any]) -> str:
    """What the answer means for the cluster, for the ready-made questions."""
    route: Route | None = answer.get("route")
    local = answer.get("type") == "local" or answer.get("dev") == "lo"
    if question is None or answer.get("error"):
        return ""
    if question.kind in ("pod", "service"):
        if local:
            return "This range holds an address of this host: choose another range."
        if route is not None and route.dst_len == 0:
            return ("Nothing on this host claims this range; it would follow the default route. "
                    "Good: the cluster will route it itself.")
        return (f"This range is already routed here ({route.dst if route else '?'}): it overlaps "
                "a network the host uses. Choose another range on the Init step.")
    if question.kind == "dns":
        if local:
            return ("A resolver on this host (loopback): fine for the node, useless to pods; the "
                    "kubelet must hand pods the upstream servers.")
        return f"DNS queries leave through {answer.get('dev')}."
    if local:
        return "The API server is this host itself."
    return (f"Traffic to the API server leaves through {answer.get('dev')} from "
            f"{answer.get('prefsrc', '?')}.")


def answer_text(dst: str, answer: dict[str, Any], kernel: dict[str, Any] | None,
                question: Question | None) -> Text:
    """The kernel's answer (on a live host), and the rule, table and route that gave it."""
    shown = kernel or answer
    text = Text(describe_route_get(shown) + "\n", style="bold")
    route: Route | None = answer.get("route")
    rule = answer.get("rule")
    for label, value in (("Rule", rule_text(rule) if rule else "none matched"),
                         ("Table", route.table_name if route else "-"),
                         ("Route", iproute_text(route) if route else "none"),
                         ("Dev", shown.get("dev", "-")), ("Gateway", shown.get("gateway", "-")),
                         ("Source", _source(shown))):
        text.append(f"{label:8} ", style="bold")
        text.append(f"{value}\n")
    if kernel is not None and (kernel.get("dev"), kernel.get("gateway")) != (
            answer.get("dev"), answer.get("gateway")):
        text.append(f"The wizard's replay said {describe_route_get(answer)}; the kernel's answer "
                    "above is the one that counts.\n", style="yellow")
    explained = meaning(question, shown | {"route": route})
    if explained:
        text.append(explained + "\n", style="italic")
    text.append("How the kernel got there:\n", style="bold")
    text.append("\n".join(f"  {line}" for line in answer.get("trace", ())))
    return text


class RouteLookup(Vertical):
    """Destination and optional source, the ready-made questions, and the answer."""

    DEFAULT_CSS = """
    RouteLookup #lookup-inputs { height: 1; }
    RouteLookup #lookup-inputs Input { width: 1fr; margin: 0 1 0 0; }
    RouteLookup #lookup-questions { height: auto; max-height: 6; border: none; }
    RouteLookup #lookup-answer-box { height: 1fr; }
    """

    BINDINGS = [Binding("t", "show_in_table", "Show in table")]

    @dataclass
    class Asked(Message):
        dst: str
        src: str | None
        question: Question | None

    class ShowInTable(Message):
        """Switch to the Routes tab, on the highlighted route."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.questions: list[Question] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="lookup-inputs"):
            yield Input(placeholder="to address (Enter)", id="lookup-dst", compact=True)
            yield Input(placeholder="from (optional)", id="lookup-src", compact=True)
        yield OptionList(id="lookup-questions")
        with VerticalScroll(id="lookup-answer-box"):
            yield Static("Type an address, or pick a question above.", id="lookup-answer",
                         markup=False)

    def set_questions(self, questions: list[Question]) -> None:
        if questions == self.questions:
            return
        self.questions = questions
        options = self.query_one("#lookup-questions", OptionList)
        highlighted = options.highlighted
        options.set_options([Option(q.label) for q in questions])
        if questions:  # one is always highlighted, so Enter on the list asks it at once
            options.highlighted = min(highlighted or 0, len(questions) - 1)

    def ask(self, dst: str, src: str | None = None, question: Question | None = None) -> None:
        """Validate and send the question up to the page, which owns the host."""
        problem = _address_problem(dst, src)
        if problem:
            self.query_one("#lookup-answer", Static).update(Text(problem, style="red"))
            return
        self.query_one("#lookup-answer", Static).update(f"Looking up {dst}…")
        self.post_message(self.Asked(dst, src, question))

    def show_answer(self, dst: str, answer: dict[str, Any], kernel: dict[str, Any] | None,
                    question: Question | None, where: str) -> None:
        text = answer_text(dst, answer, kernel, question)
        text.append(f"\n{where}", style="dim")
        self.query_one("#lookup-answer", Static).update(text)

    def show_error(self, text: str) -> None:
        self.query_one("#lookup-answer", Static).update(Text(text, style="red"))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        dst = self.query_one("#lookup-dst", Input).value.strip()
        src = self.query_one("#lookup-src", Input).value.strip() or None
        self.ask(dst, src)

    @on(OptionList.OptionSelected, "#lookup-questions")
    def _question_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        question = self.questions[event.option_index]
        self.query_one("#lookup-dst", Input).value = question.address
        src = self.query_one("#lookup-src", Input).value.strip() or None  # the from typed
        self.ask(question.address, src, question)

    def action_show_in_table(self) -> None:
        self.post_message(self.ShowInTable())


def _address_problem(dst: str, src: str | None) -> str | None:
    if not dst:
        return "Type the destination address."
    problem = not_an_address(dst) or (not_an_address(src) if src is not None else None)
    if problem:
        return problem + "."
    if src is None:
        return None
    target, source = ipaddress.ip_address(dst), ipaddress.ip_address(src)
    if source.version != target.version:
        return "Source and destination must both be IPv4 or both IPv6."
    return None


def _source(answer: dict[str, Any]) -> str:
    """The source a packet leaves with: the one asked about, else the kernel's choice. `ip
    route get` says "from ::" for an IPv6 question without one: that is no address."""
    asked = answer.get("from")
    return asked if asked and asked != "::" else answer.get("prefsrc", "-")
