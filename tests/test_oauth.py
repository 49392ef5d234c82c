"""Installing into many workspaces: the real `fal-bot run --mode http` with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET, driven as a browser and Slack drive it.

GET /slack/install redirects to Slack's authorize URL with the manifest's bot scopes and a state;
GET /slack/oauth_redirect exchanges the code with the loopback fake Slack's oauth.v2.access and keeps
the installation (its token encrypted) in the real SQLite file. Each workspace's requests are then
answered with its own token (the fake records the Authorization header of every call), its data is
kept apart, and app_uninstalled deletes it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.runtime.doctor import manifest_bot_scopes, manifest_path
from bot.store import Store
from tests.support import signing
from tests.support.alerts import now_iso
from tests.support.fake_slack import Call, FakeSlack
from tests.support.process import UNSET, BotProcess, bot_env, run_to_exit
from tests.support.slack_harness import wait_for
from tests.support.status_page import FakeStatusPage

pytestmark = pytest.mark.slow

STATE_COOKIE = "slack-app-oauth-state"


class OAuthBot:
    def __init__(self, fake: FakeSlack, page: FakeStatusPage, db: Path):
        env = bot_env(
            fake,
            db,
            page.url,
            SLACK_BOT_TOKEN=UNSET,
            SLACK_CLIENT_ID=fake.client_id,
            SLACK_CLIENT_SECRET=fake.client_secret,
            LOG_LEVEL="DEBUG",
        )
        self.process = BotProcess(env, "--mode", "http")
        try:
            self.process.start().wait_until_serving(healthy=True)
        except BaseException:
            self.process.stop_quietly()
            raise
        self.page = page
        self.http = httpx.Client(base_url=self.process.base, timeout=10.0, follow_redirects=False)
        self.sender = signing.SlackSender(self.process.events_url)

    def start_install(self) -> tuple[httpx.Response, str, str]:
        """GET /slack/install: (answer, state in the authorize URL, state cookie)."""
        answer = self.http.get("/slack/install")
        location = answer.headers.get("location", "")
        state = parse_qs(urlsplit(location).query).get("state", [""])[0]
        cookie = answer.cookies.get(STATE_COOKIE) or ""
        return answer, state, cookie

    def finish_install(self, code: str, state: str | None, cookie: str | None) -> httpx.Response:
        params = {"code": code} | ({"state": state} if state is not None else {})
        headers = {"Cookie": f"{STATE_COOKIE}={cookie}"} if cookie else {}
        return self.http.get("/slack/oauth_redirect", params=params, headers=headers)

    def install(self, fake: FakeSlack, team_id: str) -> str:
        """The whole flow for `team_id`; returns the token Slack issued it."""
        _, state, cookie = self.start_install()
        answer = self.finish_install(fake.authorization_code(team_id), state, cookie)
        assert answer.status_code == 200, answer.text
        return fake.issued_tokens(team_id)[-1]

    def install_org(self, fake: FakeSlack, enterprise_id: str) -> str:
        """An Enterprise Grid org admin installs the app for the whole org; returns its token."""
        _, state, cookie = self.start_install()
        answer = self.finish_install(fake.org_authorization_code(enterprise_id), state, cookie)
        assert answer.status_code == 200, answer.text
        return fake.issued_tokens(enterprise_id)[-1]

    def stop(self) -> None:
        self.http.close()
        self.sender.close()
        self.process.stop()


@pytest.fixture
def bot(fake: FakeSlack, status_page: object, tmp_path: Path) -> Iterator[OAuthBot]:
    page = status_page(flavour="instatus")  # type: ignore[operator]
    started = OAuthBot(fake, page, tmp_path / "bot.db")
    yield started
    started.stop()


def bearer(call: Call) -> str:
    """The token a recorded Web API call was made with."""
    found = [value for name, value in call.headers.items() if name.lower() == "authorization"]
    return found[0].removeprefix("Bearer ") if found else ""


def test_install_redirects_to_slack_with_the_manifest_scopes_and_a_state(
    bot: OAuthBot, fake: FakeSlack
) -> None:
    answer, state, cookie = bot.start_install()
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://slack.com/oauth/v2/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [fake.client_id]
    manifest = manifest_path()
    assert manifest is not None
    assert set(query["scope"][0].split(",")) == manifest_bot_scopes(manifest)
    assert len(state) >= 20 and cookie == state
    # Each visit gets a state of its own.
    assert bot.start_install()[1] != state


def test_two_workspaces_installed_each_answered_with_its_own_token_and_kept_apart(
    bot: OAuthBot, fake: FakeSlack, tmp_path: Path
) -> None:
    first = bot.install(fake, "T111")
    second = bot.install(fake, "T222")
    assert first != second
    exchanges = fake.ok_calls("oauth.v2.access")
    assert len(exchanges) == 2

    store = Store(tmp_path / "bot.db")
    assert store.installation(None, "T111") is not None and store.installation(None, "T222") is not None
    # The tokens are kept encrypted: neither is in the database file or its WAL.
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("bot.db*"))
    assert first.encode() not in stored and second.encode() not in stored
    # Nor in the log, at DEBUG (slack_sdk logs oauth.v2.access's answer, token included).
    assert first not in bot.process.stderr() and second not in bot.process.stderr()

    for team, channel in (("T111", "C1"), ("T222", "C2")):
        request = signing.slash_command(
            "subscribe", response_url=fake.new_response_url(), team_id=team, channel_id=channel
        )
        assert bot.sender.send(request).status_code == 200
    in_c1 = wait_for(lambda: fake.calls("chat.postMessage", channel="C1"))
    in_c2 = wait_for(lambda: fake.calls("chat.postMessage", channel="C2"))
    assert bearer(in_c1[0]) == first
    assert bearer(in_c2[0]) == second

    # One workspace cannot see or touch the other's subscriptions: T222 unsubscribing "C1" leaves
    # T111's C1 alone.
    answered = fake.new_response_url()
    bot.sender.send(
        signing.slash_command("unsubscribe", response_url=answered, team_id="T222", channel_id="C1")
    )
    wait_for(lambda: fake.responses(answered))
    assert [s.channel_id for s in store.subscriptions("T111")] == ["C1"]
    assert [s.channel_id for s in store.subscriptions("T222")] == ["C2"]

    # T222 removes the app: its installation and data go, T111's stay.
    store.record_gap("T222", "dm", "some paste", "no_match")
    uninstall = signing.fixture_json("app_uninstalled.slack_docs.json")
    uninstall.update(team_id="T222", event_id="EvUninstall1", api_app_id="AFAKEAPP")
    request = signing.SlackRequest(json.dumps(uninstall).encode(), signing.JSON)
    assert bot.sender.send(request).status_code == 200
    wait_for(lambda: store.installation(None, "T222") is None)
    assert store.subscriptions("T222") == [] and store.gaps(86400, "T222") == []
    assert store.installation(None, "T111") is not None
    assert [s.channel_id for s in store.subscriptions("T111")] == ["C1"]

    # T222's requests are no longer answered with any token; T111's still are, with its own.
    before = len(fake.calls("chat.postMessage"))
    bot.sender.send(
        signing.slash_command(
            "subscribe", response_url=fake.new_response_url(), team_id="T111", channel_id="C3"
        )
    )
    reply = wait_for(lambda: fake.calls("chat.postMessage", channel="C3"))[0]
    assert bearer(reply) == first and len(fake.calls("chat.postMessage")) == before + 1


ORG = "E777"


def org_command(text: str, response_url: str, team_id: str, channel_id: str) -> signing.SlackRequest:
    """A slash command from workspace `team_id` of the org, served by the org-wide install."""
    return signing.slash_command(
        text,
        response_url=response_url,
        team_id=team_id,
        channel_id=channel_id,
        enterprise_id=ORG,
        enterprise_name="Starship",
        is_enterprise_install="true",
    )


def org_event(fixture: str, event_id: str, org: str = ORG, team_id: str = "T501") -> signing.SlackRequest:
    """app_uninstalled / tokens_revoked as an org-wide install gets them: the envelope names a
    workspace of the org, its authorization is the org's (no team)."""
    body = signing.fixture_json(fixture)
    body.update(
        team_id=team_id,
        enterprise_id=org,
        event_id=event_id,
        api_app_id="AFAKEAPP",
        is_ext_shared_channel=False,
        authorizations=[
            {
                "enterprise_id": org,
                "team_id": None,
                "user_id": f"U{org}BOT",
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ],
    )
    return signing.SlackRequest(json.dumps(body).encode(), signing.JSON)


def test_an_enterprise_grid_org_wide_install_serves_every_workspace_of_the_org(
    bot: OAuthBot, fake: FakeSlack, tmp_path: Path
) -> None:
    """An org admin installs the app for the whole org (oauth.v2.access: is_enterprise_install,
    enterprise, team null). Workspaces of the org have no installation of their own: their
    requests and their alerts both use the org's token; their data stays apart; the org's
    uninstall deletes the org's installation and its workspaces' data, and nothing else."""
    org_token = bot.install_org(fake, ORG)
    own_token = bot.install(fake, "T111")  # a workspace with an installation of its own
    store = Store(tmp_path / "bot.db")
    org_install = store.installation(ORG, None)
    assert org_install is not None and org_install["is_enterprise_install"] == 1
    assert org_install["team_id"] == "" and org_install["team_name"] is None
    assert org_token.encode() not in b"".join(path.read_bytes() for path in tmp_path.glob("bot.db*"))

    for team, channel in (("T501", "C501"), ("T502", "C502")):
        assert (
            bot.sender.send(org_command("subscribe", fake.new_response_url(), team, channel)).status_code
            == 200
        )
    bot.sender.send(
        signing.slash_command(
            "subscribe", response_url=fake.new_response_url(), team_id="T111", channel_id="C111"
        )
    )
    wait_for(lambda: all(fake.calls("chat.postMessage", channel=c) for c in ("C501", "C502", "C111")))
    # Requests (Bolt's authorize, with enterprise_id + team_id) are answered with the org's token.
    assert bearer(fake.calls("chat.postMessage", channel="C501")[0]) == org_token
    assert bearer(fake.calls("chat.postMessage", channel="C111")[0]) == own_token
    assert [(s.enterprise_id, s.channel_id) for s in store.subscriptions("T501")] == [(ORG, "C501")]

    # One workspace of the org cannot touch another's subscription.
    answered = fake.new_response_url()
    bot.sender.send(org_command("unsubscribe", answered, "T502", "C501"))
    wait_for(lambda: fake.responses(answered))
    assert [s.channel_id for s in store.subscriptions("T501")] == ["C501"]

    # An incident: alerts (the sender, outside any request) reach the org's channels with the
    # org's token, and the other workspace's with its own.
    before = {c: len(fake.calls("chat.postMessage", channel=c)) for c in ("C501", "C502", "C111")}
    bot.page.open_incident(id="grid", name="Queue API slow", impact="major_outage", started=now_iso())
    wait_for(
        lambda: all(len(fake.calls("chat.postMessage", channel=c)) > n for c, n in before.items()), timeout=15
    )
    for channel, token in (("C501", org_token), ("C502", org_token), ("C111", own_token)):
        alert = fake.calls("chat.postMessage", channel=channel)[before[channel]]
        assert (alert.answer.get("ok"), bearer(alert)) == (True, token)
        assert alert.params.get("metadata"), "an alert carries its outbox key"

    # The org removes the app: its installation and its workspaces' data go; T111 keeps its own.
    store.record_gap("T501", "dm", "some paste", "no_match")
    assert bot.sender.send(org_event("app_uninstalled.slack_docs.json", "EvOrgGone")).status_code == 200
    wait_for(lambda: store.installation(ORG, None) is None)
    wait_for(lambda: store.subscriptions("T501") == [] and store.subscriptions("T502") == [])
    assert store.gaps(86400, "T501") == []
    assert store.query("SELECT COUNT(*) FROM alert_outbox WHERE team_id IN ('T501', 'T502')") == [(0,)]
    assert store.installation(None, "T111") is not None
    assert [s.channel_id for s in store.subscriptions("T111")] == ["C111"]
    # The org's workspaces are no longer answered with any token.
    posts = len(fake.calls("chat.postMessage"))
    bot.sender.send(org_command("subscribe", fake.new_response_url(), "T501", "C503"))
    time.sleep(1.0)
    assert len(fake.calls("chat.postMessage")) == posts and store.subscriptions("T501") == []


def test_tokens_revoked_for_an_org_wide_install_deletes_it_and_its_workspaces_data(
    bot: OAuthBot, fake: FakeSlack, tmp_path: Path
) -> None:
    bot.install_org(fake, "E888")
    bot.install_org(fake, ORG)  # another org, untouched
    store = Store(tmp_path / "bot.db")
    requests = [("E888", "T601", "C601"), (ORG, "T501", "C501")]
    for org, team, channel in requests:
        command = signing.slash_command(
            "subscribe",
            response_url=fake.new_response_url(),
            team_id=team,
            channel_id=channel,
            enterprise_id=org,
            is_enterprise_install="true",
        )
        assert bot.sender.send(command).status_code == 200
    wait_for(lambda: all(store.subscriptions(team) for _, team, _ in requests))
    revoked = org_event("tokens_revoked.slack_docs.json", "EvOrgRevoked", org="E888", team_id="T601")
    assert bot.sender.send(revoked).status_code == 200
    wait_for(lambda: store.installation("E888", None) is None)
    wait_for(lambda: store.subscriptions("T601") == [])
    assert store.installation(ORG, None) is not None
    assert [s.channel_id for s in store.subscriptions("T501")] == ["C501"]


def test_a_wrong_or_missing_state_is_refused_and_nothing_is_installed(
    bot: OAuthBot, fake: FakeSlack, tmp_path: Path
) -> None:
    _, state, cookie = bot.start_install()
    refused = [
        bot.finish_install(fake.authorization_code("T333"), "forged-state", "forged-state"),
        bot.finish_install(fake.authorization_code("T333"), None, cookie),
        bot.finish_install(fake.authorization_code("T333"), state, None),  # not the browser that began
    ]
    assert all(answer.status_code >= 400 for answer in refused), [a.status_code for a in refused]
    assert fake.calls("oauth.v2.access") == []
    # The state is good once: a second use of a completed install's state is refused too.
    assert bot.finish_install(fake.authorization_code("T333"), state, cookie).status_code == 200
    again = bot.finish_install(fake.authorization_code("T444"), state, cookie)
    assert again.status_code >= 400
    store = Store(tmp_path / "bot.db")
    assert store.installation(None, "T333") is not None and store.installation(None, "T444") is None


def test_a_bot_token_beside_oauth_or_socket_mode_with_oauth_exits_2(fake: FakeSlack, tmp_path: Path) -> None:
    oauth = {"SLACK_CLIENT_ID": fake.client_id, "SLACK_CLIENT_SECRET": fake.client_secret}
    both = run_to_exit(bot_env(fake, tmp_path / "a.db", "http://127.0.0.1:9", **oauth), "--mode", "http")
    assert both.returncode == 2
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set" in both.stderr
    assert fake.client_secret not in both.stderr
    socket = run_to_exit(
        bot_env(fake, tmp_path / "b.db", "http://127.0.0.1:9", SLACK_BOT_TOKEN=UNSET, **oauth),
        "--mode",
        "socket",
    )
    assert socket.returncode == 2 and "need HTTP mode" in socket.stderr
    half = run_to_exit(
        bot_env(fake, tmp_path / "c.db", "http://127.0.0.1:9", SLACK_BOT_TOKEN=UNSET, SLACK_CLIENT_ID="1.2"),
        "--mode",
        "http",
    )
    assert half.returncode == 2 and "SLACK_CLIENT_SECRET is not set" in half.stderr
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()


def test_alerts_go_to_each_workspace_with_its_own_token_and_none_to_an_uninstalled_one(
    fake: FakeSlack, tmp_path: Path
) -> None:
    """The alert sender in OAuth mode: one incident, channels in two installed workspaces and one
    whose installation is gone; each post carries its workspace's token."""
    from slack_sdk import WebClient
    from slack_sdk.oauth.installation_store import Bot

    from bot.alerts.outbox import AlertEngine, Outbox
    from bot.alerts.sender import AlertSender
    from bot.slack.installations import StoreInstallations, TokenBox, team_clients
    from bot.status.models import Incident, StatusSnapshot
    from bot.store import Subscription

    store = Store(tmp_path / "alerts.db")
    installations = StoreInstallations(store, TokenBox(fake.client_secret))
    tokens = {"T111": "xoxb-T111-one", "T222": "xoxb-T222-two"}
    for team, token in tokens.items():
        installations.save_bot(
            Bot(
                team_id=team,
                bot_token=token,
                bot_id=f"B{team}",
                bot_user_id=f"U{team}",
                installed_at=time.time(),
            )
        )
    for team, channel in (("T111", "C1"), ("T222", "C2"), ("T999", "C9")):
        store.subscribe(Subscription(team, channel))

    def build(token: str) -> WebClient:
        return WebClient(token=token, base_url=fake.api_url, retry_handlers=[])

    sender = AlertSender(
        store,
        WebClient(base_url=fake.api_url, retry_handlers=[]),
        workers=2,
        per_channel_interval=0.1,
        team_client=team_clients(installations, build),
    )
    incident = Incident(
        id="i1",
        name="Queue API slow",
        status="investigating",
        impact="critical",
        level="major_outage",
        started="2026-01-01T00:00:00Z",
        url="https://status.fal.ai/incidents/i1",
        updates=[],
    )
    AlertEngine(store, unknown_note_after_seconds=60).observe(
        StatusSnapshot(
            level="major_outage",
            source="https://status.fal.ai",
            provider="statuspage",
            checked_at=datetime.now(UTC),
            incidents=[incident],
        )
    )
    sender.start()
    try:
        wait_for(lambda: all(row.status in ("sent", "dropped") for row in Outbox(store).rows()), timeout=10)
    finally:
        sender.stop(2.0)
    assert bearer(fake.calls("chat.postMessage", channel="C1")[0]) == tokens["T111"]
    assert bearer(fake.calls("chat.postMessage", channel="C2")[0]) == tokens["T222"]
    assert fake.calls("chat.postMessage", channel="C9") == []
    assert {row.team_id: row.status for row in Outbox(store).rows()}["T999"] == "dropped"


def test_the_store_keeps_installations_and_states_and_forgets_a_workspace_on_both_engines(
    db_location: Path | str,
) -> None:
    from slack_sdk.oauth.installation_store import Bot

    from bot.slack.installations import StoreInstallations, StoreOAuthStates, TokenBox
    from bot.store import Subscription

    now = [1_000_000.0]
    store = Store(db_location, clock=lambda: now[0])
    installations = StoreInstallations(store, TokenBox("secret"))
    for team in ("TA", "TB"):
        installations.save_bot(
            Bot(team_id=team, bot_token=f"xoxb-{team}-x", bot_id="B", bot_user_id="U", installed_at=now[0])
        )
        store.subscribe(Subscription(team, "C1"))
        store.record_gap(team, "dm", "paste", "no_match")
        store.record_feedback(team, "U1", "entry", "down")
    found = installations.find_bot(enterprise_id="E1", team_id="TA")  # a workspace that joined a Grid
    assert found is not None and found.bot_token == "xoxb-TA-x"
    assert StoreInstallations(store, TokenBox("another secret")).token_for("TA") is None

    states = StoreOAuthStates(store)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)  # once
    late = states.issue()
    now[0] += 601
    assert not states.consume(late) and not states.consume("never-issued")

    assert store.forget_workspace("TB") > 0
    assert installations.token_for("TB") is None and installations.token_for("TA") == "xoxb-TA-x"
    assert [s.team_id for s in store.subscriptions()] == ["TA"]
    assert {g["team_id"] for g in store.gaps(10**9)} == {"TA"}
    assert {v["team_id"] for v in store.feedback_votes()} == {"TA"}


def test_an_org_wide_install_serves_the_org_s_workspaces_and_its_uninstall_forgets_them_on_both_engines(
    db_location: Path | str,
) -> None:
    from slack_sdk.oauth.installation_store import Bot

    from bot.slack.installations import StoreInstallations, TokenBox
    from bot.store import Subscription

    store = Store(db_location)
    installations = StoreInstallations(store, TokenBox("secret"))
    installed = time.time()
    installations.save_bot(  # org-wide: no team
        Bot(
            enterprise_id="E1",
            team_id=None,
            is_enterprise_install=True,
            bot_token="xoxb-E1-org",
            bot_id="B",
            bot_user_id="U",
            installed_at=installed,
        )
    )
    installations.save_bot(  # a workspace of the org with an installation of its own
        Bot(
            enterprise_id="E1",
            team_id="TA",
            bot_token="xoxb-TA-own",
            bot_id="B",
            bot_user_id="U",
            installed_at=installed,
        )
    )
    installations.save_bot(
        Bot(team_id="TZ", bot_token="xoxb-TZ-own", bot_id="B", bot_user_id="U", installed_at=installed)
    )
    for team, channel, org in (("TB", "C1", "E1"), ("TA", "C2", "E1"), ("TZ", "C3", None)):
        store.subscribe(Subscription(team, channel, enterprise_id=org))
        store.record_gap(team, "dm", "paste", "no_match")
    assert store.subscription("TB", "C1") == Subscription("TB", "C1", enterprise_id="E1", created_by=None)

    # Outside a request (the alert sender has only the team): the org's token for a workspace of
    # the org with none of its own, found through the org its subscriptions name.
    assert installations.token_for("TB") == "xoxb-E1-org" == installations.token_for("TB", "E1")
    assert installations.token_for("TA") == "xoxb-TA-own" and installations.token_for("TZ") == "xoxb-TZ-own"
    assert installations.token_for("TX") is None  # a workspace of no known org, never installed
    # Bolt's authorize for a request of the org-wide install (enterprise_id + team_id).
    found = installations.find_bot(enterprise_id="E1", team_id="TB", is_enterprise_install=True)
    assert found is not None and found.bot_token == "xoxb-E1-org" and found.is_enterprise_install

    assert store.forget_org("E1") > 0
    assert store.installation("E1", None) is None and installations.token_for("TB") is None
    assert [s.team_id for s in store.subscriptions()] == ["TA", "TZ"]  # TA keeps its own install
    assert {g["team_id"] for g in store.gaps(10**9)} == {"TA", "TZ"}
    assert installations.token_for("TA") == "xoxb-TA-own"


def test_the_scopes_come_from_the_first_manifest_found_and_none_found_is_said(tmp_path: Path) -> None:
    from bot.slack.installations import ManifestNotFound, manifest_candidates, manifest_scopes

    # The image's working folder is /app, where the Dockerfile copies app_manifest.yml.
    assert Path("/app/app_manifest.yml") in manifest_candidates()
    image = tmp_path / "app_manifest.yml"
    image.write_text("oauth_config:\n  scopes:\n    bot: [commands, chat:write]\n", encoding="utf-8")
    assert manifest_scopes([tmp_path / "missing.yml", image]) == ["chat:write", "commands"]
    with pytest.raises(ManifestNotFound, match=r"app_manifest\.yml not found"):
        manifest_scopes([tmp_path / "missing.yml"])


def test_two_processes_refreshing_one_rotating_token_at_once_refresh_it_once(
    fake: FakeSlack, db_location: Path | str
) -> None:
    """Token rotation: Slack's refresh token is good once. Two replicas (two stores on one database)
    that both find the token expiring refresh it once; both then use the new token."""
    import threading

    from slack_sdk import WebClient
    from slack_sdk.oauth.installation_store import Bot

    from bot.slack.installations import LockedTokenRotator, StoreInstallations, TokenBox

    fake.token_rotation = True
    replicas = [StoreInstallations(Store(db_location), TokenBox(fake.client_secret)) for _ in range(2)]
    replicas[0].save_bot(
        Bot(
            team_id="T111",
            bot_token="xoxb-T111-old",
            bot_id="B",
            bot_user_id="U",
            bot_refresh_token=fake.refresh_token("T111"),
            bot_token_expires_at=int(time.time()) + 60,  # inside the 120 minutes Bolt refreshes ahead
            installed_at=time.time(),
        )
    )
    stale = [replica.find_bot(enterprise_id=None, team_id="T111") for replica in replicas]
    start = threading.Barrier(2)
    results: list[Bot | None] = [None, None]

    def refresh(index: int) -> None:
        rotator = LockedTokenRotator(
            replicas[index],
            client_id=fake.client_id,
            client_secret=fake.client_secret,
            client=WebClient(base_url=fake.api_url, retry_handlers=[]),
        )
        bot = stale[index]
        assert bot is not None
        start.wait(5)
        results[index] = rotator.perform_bot_token_rotation(bot=bot)

    threads = [threading.Thread(target=refresh, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    refreshes = fake.calls("oauth.v2.access")
    assert len(refreshes) == 1 and refreshes[0].answer["ok"]
    new_token = refreshes[0].answer["access_token"]
    assert [bot.bot_token if bot else None for bot in results] == [new_token, new_token]
    assert replicas[1].token_for("T111") == new_token


def test_a_rotating_token_about_to_expire_is_refreshed_before_the_request_is_answered(
    bot: OAuthBot, fake: FakeSlack
) -> None:
    fake.token_rotation = True
    fake.token_seconds = 60  # inside the 120 minutes Bolt refreshes ahead: the next request refreshes
    installed = bot.install(fake, "T111")
    request = signing.slash_command(
        "subscribe", response_url=fake.new_response_url(), team_id="T111", channel_id="C1"
    )
    assert bot.sender.send(request).status_code == 200
    posted = wait_for(lambda: fake.calls("chat.postMessage", channel="C1"))[0]
    refreshed = [c for c in fake.ok_calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
    assert len(refreshed) == 1
    assert bearer(posted) == refreshed[0].answer["access_token"] != installed
