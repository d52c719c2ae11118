"""What a host is, read through its Host door and nothing else: no judgement, no fixes.

Checks decide what is wrong and fixes decide what to change; both start from the same facts so
the table a screen shows and the verdict a check gives can never disagree.
"""
