"""`fal-bot status`: placeholder until its issue lands."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser("status" if "status" != "keys" else "check-key", help="not implemented yet")
