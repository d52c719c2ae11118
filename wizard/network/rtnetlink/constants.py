"""Kernel ABI numbers and struct layouts, shared by every part of the reader.

They are spelled as in linux/netlink.h, linux/rtnetlink.h and linux/fib_rules.h so a
reader can grep the kernel headers for them.
"""

from __future__ import annotations

import socket
import struct

# --- netlink and rtnetlink constants (linux/netlink.h, linux/rtnetlink.h) -------------

NETLINK_ROUTE = 0
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1

RTM_GETLINK = 18
RTM_GETADDR = 22
RTM_GETROUTE = 26
RTM_GETRULE = 34

RTA_DST = 1
RTA_SRC = 2
RTA_IIF = 3
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_METRICS = 8
RTA_MULTIPATH = 9
RTA_FLOW = 11
RTA_CACHEINFO = 12
RTA_TABLE = 15
RTA_MARK = 16
RTA_VIA = 18
RTA_PREF = 20
RTA_UID = 25
RTA_TTL_PROPAGATE = 26
RTA_NH_ID = 30

RTN_UNICAST = 1
RTN_LOCAL = 2

RT_TABLE_DEFAULT = 253
RT_TABLE_MAIN = 254
RT_TABLE_LOCAL = 255
RTPROT_KERNEL = 2
RTPROT_BOOT = 3
RTPROT_REDIRECT = 1
RT_SCOPE_UNIVERSE = 0

RTNH_F_DEAD = 0x1
RTNH_F_LINKDOWN = 0x10
RTM_F_CLONED = 0x200
RTM_F_LOOKUP_TABLE = 0x1000

IFLA_IFNAME = 3
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_FLAGS = 8
IFA_F_DADFAILED = 0x08
IFA_F_TENTATIVE = 0x40

FRA_DST = 1
FRA_SRC = 2
FRA_IIFNAME = 3
FRA_GOTO = 4
FRA_PRIORITY = 6
FRA_FWMARK = 10
FRA_FLOW = 11
FRA_TUN_ID = 12
FRA_SUPPRESS_IFGROUP = 13
FRA_SUPPRESS_PREFIXLEN = 14
FRA_TABLE = 15
FRA_FWMASK = 16
FRA_OIFNAME = 17
FRA_L3MDEV = 19
FRA_UID_RANGE = 20
FRA_PROTOCOL = 21
FRA_IP_PROTO = 22
FRA_SPORT_RANGE = 23
FRA_DPORT_RANGE = 24

FR_ACT_TO_TBL = 1
FR_ACT_GOTO = 2
FR_ACT_NOP = 3
FIB_RULE_INVERT = 0x2
FIB_RULE_UNRESOLVED = 0x4
FIB_RULE_IIF_DETACHED = 0x8
FIB_RULE_OIF_DETACHED = 0x10

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"

_HOST_BITS: dict[int, int] = {socket.AF_INET: 32, socket.AF_INET6: 128}
_ADDR_BYTES: dict[int, int] = {socket.AF_INET: 4, socket.AF_INET6: 16}
_RECV_SIZE = 1 << 16  # the kernel never puts more than 32 KiB of a dump in one datagram

_NLMSGHDR = struct.Struct("=IHHII")
_RTMSG = struct.Struct("=BBBBBBBBI")
_RTATTR = struct.Struct("=HH")
_RTNEXTHOP = struct.Struct("=HBBi")
_IFINFOMSG = struct.Struct("=BxHiII")
_IFADDRMSG = struct.Struct("=BBBBI")
_CACHEINFO = struct.Struct("=IIiIIIII")
_U32 = struct.Struct("=I")
_U16_PAIR = struct.Struct("=HH")
_U32_PAIR = struct.Struct("=II")
_ZERO_8 = bytes(8)
_ZERO_12 = bytes(12)

# One route: family, dst_len, type, protocol, scope, pref, table, flags, metric (-1: none),
# oif, gateway and prefsrc (indexes into the interned address list, 0: none), destination
# (16 bytes, IPv4 left-aligned). Everything rarer lives in a per-row "extras" dict.
_RECORD = struct.Struct("=BBBBBBIIqIII16s")
_NO_PREF = 255
