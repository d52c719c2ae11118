"""Fix steps for the checks, and the pure text edits behind them.

Each module builds `Step`s from the host as it is now, so a step's file content is exactly the
file of today with one change, and a re-apply finds nothing left to do.
"""
