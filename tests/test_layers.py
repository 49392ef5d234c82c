"""The package layout is the architecture: no module imports one of a higher layer.

Lowest first. A module belongs to the layer of the longest prefix that names it; it may import its
own layer and the ones below, never above (imports inside functions count too).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # `bot` itself is only its __version__
    ("foundation", ("bot", "bot.keys", "bot.linear_re", "bot.settings", "bot.logging_setup", "bot.metrics")),
    # Slack-free services and storage that never calls up
    ("services", ("bot.database", "bot.store", "bot.diagnosis", "bot.status", "bot.incidents")),
    # what any code that calls Slack's Web API shares: error codes, mrkdwn
    ("slack web api", ("bot.slack.errors", "bot.slack.text", "bot.slack.mrkdwn")),
    ("alerts", ("bot.alerts",)),
    ("slack surface", ("bot.slack",)),
    ("runtime", ("bot.runtime",)),
    # `fal-bot playground`: the runtime wired to a Slack stand-in and a simulated status page. Above
    # the runtime so no product code can know it is in a playground (only settings point it there).
    ("playground", ("bot.playground",)),
    ("command line", ("bot.cli", "bot.__main__")),
]


def layer_of(module: str) -> int:
    best, rank = "", -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module == prefix or (prefix != "bot" and module.startswith(prefix + "."))
            if inside and len(prefix) > len(best):
                best, rank = prefix, index
    assert rank >= 0, f"{module} is in no layer"
    return rank


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bot_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bot"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
            # `from bot.slack import blocks` imports bot.slack.blocks
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                module_path = REPO / Path(*candidate.split("."))
                is_module = module_path.with_suffix(".py").exists() or module_path.is_dir()
                found.add(candidate if is_module else node.module)
    return found


def test_every_module_has_a_layer() -> None:
    for path in sorted((REPO / "bot").rglob("*.py")):
        layer_of(module_name(path))


def test_no_module_imports_a_higher_layer() -> None:
    upward = []
    for path in sorted((REPO / "bot").rglob("*.py")):
        importer = module_name(path)
        for imported in sorted(bot_imports(path)):
            if layer_of(imported) > layer_of(importer):
                upward.append(
                    f"{importer} ({LAYERS[layer_of(importer)][0]}) imports {imported} "
                    f"({LAYERS[layer_of(imported)][0]})"
                )
    assert upward == []


def test_the_diagnoser_stays_pure_of_the_live_status() -> None:
    """Incident context joins a diagnosis with the status in bot.incidents, never inside bot.diagnosis."""
    mixed = []
    for path in sorted((REPO / "bot" / "diagnosis").rglob("*.py")):
        for imported in bot_imports(path):
            if imported.startswith(("bot.status", "bot.incidents", "bot.store")):
                mixed.append(f"{module_name(path)} imports {imported}")
    assert mixed == []
