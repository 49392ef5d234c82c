"""`fal-bot run`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser("run" if "run" != "keys" else "check-key", help="not implemented yet")
