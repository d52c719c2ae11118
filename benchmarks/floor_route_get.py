"""The least a Python `route get` can do: the floor row of bench_route_get.py.

    python benchmarks/floor_route_get.py NAMESPACE ADDRESS [ADDRESS ...]

It enters the namespace, sends one RTM_GETROUTE per IPv4 address in batches of 128 (as
the wizard does), and reads every answer's header, counting answers and refusals. It
decodes no route, names no device, checks no argument and prints one line of counts: what
is left of any Python command line that asks the kernel, once everything a person reads
is taken away. Only C modules of the standard library are imported (`socket` itself pulls
in enum and selectors, a third of this program's start-up), so the figure is the
interpreter plus the kernel's work, not a library's.
"""

import _socket
import os
import struct
import sys
from ctypes import CDLL, get_errno

AF_NETLINK, NETLINK_ROUTE, CLONE_NEWNET = 16, 0, 0x40000000
RTM_GETROUTE, NLM_F_REQUEST, NLMSG_ERROR, RTM_F_LOOKUP_TABLE, RTA_DST = 26, 1, 2, 0x1000, 1
BATCH = 128

HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, sequence, port
RTMSG = struct.Struct("=BBBBBBBBI")  # rtmsg: family, lengths, tos, table, proto, scope, type, flags
ERROR_CODE = struct.Struct("=i")


def enter_namespace(name: str) -> None:
    descriptor = os.open(f"/run/netns/{name}", os.O_RDONLY)
    if CDLL(None, use_errno=True).setns(descriptor, CLONE_NEWNET) != 0:
        raise OSError(get_errno(), f"setns {name}")
    os.close(descriptor)


def request(sequence: int, address: str) -> bytes:
    body = (RTMSG.pack(_socket.AF_INET, 32, 0, 0, 0, 0, 0, 0, RTM_F_LOOKUP_TABLE)
            + struct.pack("=HH", 8, RTA_DST) + _socket.inet_pton(_socket.AF_INET, address))
    return HEADER.pack(HEADER.size + len(body), RTM_GETROUTE, NLM_F_REQUEST, sequence, 0) + body


def main(namespace: str, addresses: list[str]) -> None:
    enter_namespace(namespace)
    netlink = _socket.socket(AF_NETLINK, _socket.SOCK_RAW, NETLINK_ROUTE)
    netlink.bind((0, 0))
    requests = [request(sequence, address) for sequence, address in enumerate(addresses, 1)]
    answers = refusals = 0
    for start in range(0, len(requests), BATCH):
        netlink.send(b"".join(requests[start:start + BATCH]))
        awaited = min(BATCH, len(requests) - start)
        while awaited:
            data = netlink.recv(1 << 16)
            offset = 0
            while offset < len(data):
                length, kind = HEADER.unpack_from(data, offset)[:2]
                if kind == NLMSG_ERROR and ERROR_CODE.unpack_from(data, offset + HEADER.size)[0]:
                    refusals += 1
                else:
                    answers += 1
                awaited -= 1
                offset += (length + 3) & ~3
    print(f"{answers} answers, {refusals} refusals")
    if answers + refusals != len(addresses):
        sys.exit("the kernel did not answer every request")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
