"""A route lookup's answer phrased in words, shared by the checks, the plans and both front ends."""

from __future__ import annotations

from typing import Any

REJECT_MEANING = {
    "blackhole": "dropped without a word (a blackhole route)",
    "unreachable": "refused: the sender is told the host is unreachable",
    "prohibit": "refused: the sender is told it is administratively prohibited",
    "throw": "no route in this table, and no later rule had one",
}

SOURCE_MEANING = {  # by the kernel's error text (strerror), for a refused source
    "Network is unreachable": "refused: the source is not an address of this host",
    "Invalid argument": "refused: no packet may leave with this source (loopback, multicast, "
                        "broadcast or 0.0.0.0/8)",
}


def describe_route_get(answer: dict[str, Any]) -> str:
    """One line as `ip route get` would say it, or why the kernel refused, in words."""
    if answer.get("error"):
        kind = answer.get("type", "unreachable")
        meaning = REJECT_MEANING.get(kind, "no route")
        if answer.get("cause") == "source":
            meaning = SOURCE_MEANING.get(answer["error"], "refused: the source is not allowed")
        source = f" from {answer['from']}" if answer.get("from") else ""
        return f"{answer['dst']}{source}: {meaning} (kernel: {answer['error']})"
    parts = [answer["dst"]]
    if answer.get("from"):  # the source asked about: `ip route get DST from SRC` prints it too
        parts.append(f"from {answer['from']}")
    if answer.get("gateway"):
        parts.append(f"via {answer['gateway']}")
    if answer.get("dev"):
        parts.append(f"dev {answer['dev']}")
    if answer.get("prefsrc"):
        parts.append(f"src {answer['prefsrc']}")
    if answer.get("table"):
        parts.append(f"table {answer['table']}")
    if answer.get("type") and answer["type"] != "unicast":
        parts.insert(0, answer["type"])
    return " ".join(parts)


def not_an_address(text: str) -> str | None:
    """None for an IP address; else why a lookup cannot take it, in words that fit what was
    typed (a prefix, a dotted number out of range, a name)."""
    import ipaddress  # here: `route get` imports this module and judges with inet_pton

    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return f"{text!r} is not an IP address"
        return (f"{text!r} is a prefix: a lookup takes one address, such as "
                f"{next(network.hosts(), network.network_address)}")
    if ":" in text:
        return f"{text!r} is not an IPv6 address"
    if text.replace(".", "").isdigit():
        return f"{text!r} is not an IPv4 address: four numbers from 0 to 255"
    return f"{text!r} is not an IP address (the lookup does not resolve names)"
