"""deploy/docker-compose.replicas.yml: PostgreSQL and two fal-bot replicas behind one port. Docker is
not run here; what is checked is what would make the file wrong: the replicas share one database
URL that fal-bot accepts, the proxy sends to every replica, and only it publishes a port."""

from __future__ import annotations

from typing import Any

import yaml

from bot.settings import Settings
from tests.conftest import REPO

DEPLOY = REPO / "deploy"


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((DEPLOY / "docker-compose.replicas.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def with_defaults(value: str) -> str:
    """${NAME:-default} -> default, as docker compose would without NAME set."""
    out, rest = "", value
    while "${" in rest:
        before, _, after = rest.partition("${")
        inner, _, rest = after.partition("}")
        out += before + (inner.split(":-", 1)[1] if ":-" in inner else f"<{inner}>")
    return out + rest


def test_two_replicas_share_one_postgresql_database() -> None:
    services = compose()["services"]
    replicas = {name: s for name, s in services.items() if name.startswith("fal-bot")}
    assert len(replicas) == 2
    urls = {with_defaults(s["environment"]["FAL_BOT_DB"]) for s in replicas.values()}
    assert len(urls) == 1
    [url] = urls
    assert Settings(fal_bot_db=url).fal_bot_db == url  # a postgresql:// URL fal-bot accepts
    assert "@postgres:5432/" in url and "postgres" in services
    postgres_env = services["postgres"]["environment"]
    assert f"{postgres_env['POSTGRES_USER']}:" in url and url.endswith("/" + postgres_env["POSTGRES_DB"])
    for replica in replicas.values():
        assert replica["command"][:3] == ["run", "--mode", "http"]
        assert "ports" not in replica  # only the proxy is published
        assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_proxy_publishes_one_port_and_sends_to_every_replica() -> None:
    services = compose()["services"]
    proxy = services["proxy"]
    assert proxy["ports"] == ["3000:3000"]
    conf = (DEPLOY / "nginx-replicas.conf").read_text(encoding="utf-8")
    for name in services:
        if name.startswith("fal-bot"):
            assert f"server {name}:3000" in conf, name
    assert "listen 3000;" in conf and "proxy_pass http://fal_bot;" in conf
    assert any(v.startswith("./nginx-replicas.conf:") for v in proxy["volumes"])
