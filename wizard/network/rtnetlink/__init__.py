"""Read routes, policy rules, links and addresses straight from the kernel over rtnetlink.

Why this exists instead of pyroute2: pyroute2's generic message decoding builds a tree of
Python objects per route (measured ~10 s and ~500 MB for 100k routes, against 0.11 s for
``ip -j route show``). Hosts that carry full BGP tables or big overlay networks have that
many routes, and the wizard has to show them. Here a route dump is parsed with
:mod:`struct` while it streams in, and every route is packed into a fixed 50-byte record
in one ``bytearray``: a million routes cost ~50 MB, and nothing is decoded into Python
objects until somebody looks at that row.

What comes out mirrors iproute2, field for field, because that is what an operator
compares it with: :mod:`.iproute_format` produces exactly the keys and value formats of
``ip -j route show table all`` (and :mod:`.route_get` those of ``ip -j route get``,
:mod:`.rules` those of ``ip -j rule show``).

Not rendered (they are skipped, never misread): MPLS labels (``as to``), lightweight
tunnel encapsulation (``encap``), multicast forwarding cache entries and families other
than IPv4 / IPv6.

Nothing is re-exported here: import each name from the module that owns it.
"""
