"""`fal-bot diagnose`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser("diagnose" if "diagnose" != "keys" else "check-key", help="not implemented yet")
