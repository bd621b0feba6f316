"""Safeguards: data assertions and comparisons with the previous successful run.

A failed safeguard raises `CheckFailedError`, which ends the run `check_failed`.
"""
