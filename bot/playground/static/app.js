// The playground page: a Slack-like client over the playground's JSON API (see server.py).
"use strict";

const USER = "U1";
const CHANNEL_INFO = {
  D1: { title: "fal-bot", topic: "Direct message with the bot: paste a fal error, or type help or status." },
  C1: { title: "# general", topic: "Mention the bot with @fal-bot and a pasted error; try /fal diagnose <error>." },
  C2: { title: "# alerts", topic: "Try /fal subscribe here, then switch fal's status in the panel on the left." },
};

const state = {
  view: "channel", // or "home"
  channel: "D1",
  thread: null, // { channel, ts }
  data: {}, // channel -> { messages, edited }
  seen: {}, // channel -> number of messages seen
  rendered: {}, // what was last drawn, to redraw only on change
};

const $ = (sel) => document.querySelector(sel);

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function time(ts) {
  const d = new Date(Number(ts) * 1000);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function timeSecs(seconds) {
  return new Date(Number(seconds) * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function author(msg) {
  if (msg.bot) return `<span class="author">fal-bot</span><span class="app-tag">APP</span>`;
  return `<span class="author">${Mrkdwn.plain(Mrkdwn.USERS[msg.user] || msg.user || "someone")}</span>`;
}

function messageHtml(msg, replies, edited) {
  const avatar = msg.bot ? `<div class="avatar bot">f</div>` : `<div class="avatar">${Mrkdwn.plain((Mrkdwn.USERS[msg.user] || "?")[0].toUpperCase())}</div>`;
  const ephemeral = msg.ephemeral ? `<div class="ephemeral-note">👁 Only visible to you</div>` : "";
  const editedMark = edited ? ` <span class="edited muted">(edited)</span>` : "";
  const replyLink = replies && replies.length
    ? `<button class="replies" data-thread="${msg.ts}">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</button> <span class="muted">Last reply ${time(replies[replies.length - 1].ts)}</span>`
    : "";
  // Message shortcuts (Slack's "More actions" menu) exist on messages people wrote.
  const shortcut = !msg.bot && !msg.ephemeral
    ? `<button class="shortcut" data-shortcut="${msg.ts}" title="Message shortcut">🩺 Diagnose with fal-bot</button>`
    : "";
  return `<div class="message${msg.ephemeral ? " is-ephemeral" : ""}${msg.bot ? " from-bot" : ""}" data-ts="${msg.ts}">
    ${shortcut}
    ${avatar}
    <div class="message-body">
      <div class="message-meta">${author(msg)} <span class="muted">${time(msg.ts)}</span>${editedMark}</div>
      ${ephemeral}
      <div class="message-content">${Mrkdwn.message(msg)}</div>
      ${replyLink ? `<div class="thread-summary">${replyLink}</div>` : ""}
    </div>
  </div>`;
}

function drawChannel() {
  const data = state.data[state.channel];
  if (!data) return;
  const key = JSON.stringify(data);
  if (state.rendered.channel === state.channel + key) return;
  state.rendered.channel = state.channel + key;
  const edited = new Set(data.edited || []);
  const top = data.messages.filter((m) => !m.thread_ts);
  const replies = {};
  for (const m of data.messages) if (m.thread_ts) (replies[m.thread_ts] = replies[m.thread_ts] || []).push(m);
  const list = $("#messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  list.innerHTML = top.length
    ? top.map((m) => messageHtml(m, replies[m.ts], edited.has(m.ts))).join("")
    : `<div class="empty muted">No messages yet.</div>`;
  if (atBottom) list.scrollTop = list.scrollHeight;
  drawThread();
}

function drawThread() {
  const pane = $("#thread-pane");
  if (!state.thread) { pane.hidden = true; return; }
  const data = state.data[state.thread.channel];
  if (!data) return;
  const edited = new Set(data.edited || []);
  const parent = data.messages.find((m) => m.ts === state.thread.ts);
  const replies = data.messages.filter((m) => m.thread_ts === state.thread.ts);
  const key = JSON.stringify([state.thread, parent, replies, data.edited]);
  pane.hidden = false;
  if (state.rendered.thread === key) return;
  state.rendered.thread = key;
  $("#thread-channel").textContent = CHANNEL_INFO[state.thread.channel].title;
  const parts = [];
  if (parent) parts.push(messageHtml(parent, null, edited.has(parent.ts)));
  parts.push(`<div class="thread-divider muted">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>`);
  parts.push(...replies.map((m) => messageHtml(m, null, edited.has(m.ts))));
  $("#thread-messages").innerHTML = parts.join("");
}

function drawBadges() {
  for (const item of document.querySelectorAll(".nav-item[data-channel]")) {
    const channel = item.dataset.channel;
    const active = state.view === "channel" && channel === state.channel;
    item.classList.toggle("active", active);
    const count = (state.data[channel] || { messages: [] }).messages.length;
    if (active) state.seen[channel] = count;
    const unread = count - (state.seen[channel] || 0);
    const badge = item.querySelector(".badge");
    badge.hidden = unread <= 0;
    badge.textContent = String(unread);
  }
  $("#nav-home").classList.toggle("active", state.view === "home");
}

async function refresh(channel) {
  try {
    const data = await api("GET", `/api/messages?channel=${channel}&user=${USER}`);
    state.data[channel] = data;
    if (state.seen[channel] === undefined) state.seen[channel] = data.messages.length;
  } catch (error) {
    return;
  }
  if (state.view === "channel" && channel === state.channel) drawChannel();
  if (state.thread && state.thread.channel === channel) drawThread();
  drawBadges();
}

async function refreshAll() {
  await Promise.all(Object.keys(CHANNEL_INFO).map(refresh));
}

function show(channel) {
  state.view = "channel";
  state.channel = channel;
  state.rendered.channel = null;
  $("#home-view").hidden = true;
  $("#messages").hidden = false;
  $("#composer").hidden = false;
  $("#channel-title").textContent = CHANNEL_INFO[channel].title;
  $("#channel-topic").textContent = CHANNEL_INFO[channel].topic;
  drawChannel();
  drawBadges();
  refresh(channel);
  $("#composer-text").focus();
}

async function showHome() {
  state.view = "home";
  $("#messages").hidden = true;
  $("#composer").hidden = true;
  const home = $("#home-view");
  home.hidden = false;
  $("#channel-title").textContent = "fal-bot · Home";
  $("#channel-topic").textContent = "App Home: what the app published with views.publish when you opened it.";
  drawBadges();
  home.innerHTML = `<div class="muted">Opening App Home…</div>`;
  try {
    const answer = await api("POST", "/api/home", { user: USER });
    home.innerHTML = answer.view ? Mrkdwn.blocks(answer.view.blocks) : `<div class="muted">The app published no Home view.</div>`;
  } catch (error) {
    home.innerHTML = `<div class="error">${Mrkdwn.plain(error.message)}</div>`;
  }
}

async function send(event) {
  event.preventDefault();
  const box = $("#composer-text");
  const text = box.value;
  if (!text.trim()) return;
  box.value = "";
  const channel = state.channel;
  const button = $("#send");
  button.disabled = true;
  $("#composer-hint").textContent = text.trim().startsWith("/fal") ? `Running ${text.trim().split(/\s/).slice(0, 2).join(" ")}…` : "Sent; waiting for fal-bot…";
  const before = new Set(((state.data[channel] || {}).messages || []).map((m) => m.ts));
  try {
    const answer = await api("POST", "/api/say", { channel, user: USER, text });
    await refresh(channel);
    // The bot answers a paste in the message's thread: open it, as you would in Slack.
    const fresh = (state.data[channel].messages || []).filter((m) => !before.has(m.ts));
    const reply = fresh.find((m) => m.bot && m.thread_ts && m.thread_ts === answer.ts);
    if (reply) openThread(channel, reply.thread_ts);
    $("#composer-hint").textContent = answer.answered ? "fal-bot answered." : "Sent.";
  } catch (error) {
    box.value = text;
    $("#composer-hint").textContent = `Not sent: ${error.message}`;
  } finally {
    button.disabled = false;
  }
}

async function reply(event) {
  event.preventDefault();
  if (!state.thread) return;
  const box = $("#thread-text");
  const text = box.value;
  if (!text.trim()) return;
  box.value = "";
  const { channel, ts } = state.thread;
  $("#thread-send").disabled = true;
  $("#thread-hint").textContent = "Sent; waiting for fal-bot…";
  try {
    await api("POST", "/api/say", { channel, user: USER, text, thread_ts: ts });
    $("#thread-hint").textContent = "";
  } catch (error) {
    box.value = text;
    $("#thread-hint").textContent = `Not sent: ${error.message}`;
  } finally {
    $("#thread-send").disabled = false;
  }
  await refresh(channel);
}

async function useShortcut(button) {
  const inThread = state.thread && button.closest("#thread-pane");
  const channel = inThread ? state.thread.channel : state.channel;
  button.disabled = true;
  try {
    await api("POST", "/api/shortcut", { channel, user: USER, message_ts: button.dataset.shortcut });
  } catch (error) {
    alert(`The shortcut did not go through: ${error.message}`);
  } finally {
    button.disabled = false;
  }
  await refresh(channel);
  if (!inThread) openThread(channel, button.dataset.shortcut);
}

function openThread(channel, ts) {
  state.thread = { channel, ts };
  state.rendered.thread = null;
  drawThread();
}

async function click(button) {
  const message = button.closest(".message");
  const channel = state.thread && button.closest("#thread-pane") ? state.thread.channel : state.channel;
  button.disabled = true;
  try {
    await api("POST", "/api/action", {
      channel,
      user: USER,
      message_ts: message ? message.dataset.ts : button.dataset.ts,
      action_id: button.dataset.actionId,
      value: button.dataset.value,
      block_id: button.dataset.blockId,
    });
  } catch (error) {
    alert(`The click did not go through: ${error.message}`);
  } finally {
    button.disabled = false;
  }
  await refresh(channel);
}

async function setStatus() {
  const level = $("#status-level").value;
  const incident = $("#status-incident").value.trim() || null;
  const result = $("#status-result");
  $("#status-apply").disabled = true;
  result.textContent = `Switching to ${level.replace("_", " ")}; waiting for the poller…`;
  try {
    const answer = await api("POST", "/api/status", { level, incident });
    const saw = answer.poller_saw;
    result.textContent = saw ? `The poller read: ${saw.level.replace("_", " ")}` : "The poller has not read it yet.";
  } catch (error) {
    result.textContent = `Not switched: ${error.message}`;
  } finally {
    $("#status-apply").disabled = false;
  }
  refreshPoller();
  refreshAll();
}

async function refreshPoller() {
  let data;
  try { data = await api("GET", "/api/poller"); } catch (error) { return; }
  const key = JSON.stringify(data.polls.slice(0, 8));
  if (state.rendered.poller === key) return;
  state.rendered.poller = key;
  $("#poller-log").innerHTML = data.polls.slice(0, 8).map((p) => {
    const what = p.level === "unknown" ? `unknown: ${p.error || "unreadable"}` : p.level.replace("_", " ");
    const incidents = p.incidents.length ? ` — ${p.incidents.join(", ")}` : "";
    const count = p.polls > 1 ? ` <span class="muted">×${p.polls}, last ${timeSecs(p.last_at)}</span>` : "";
    return `<li class="poll level-${p.level}"><span class="muted">${timeSecs(p.at)}</span> ${Mrkdwn.plain(what + incidents)}${count}</li>`;
  }).join("");
}

function wire() {
  for (const item of document.querySelectorAll(".nav-item[data-channel]")) {
    item.addEventListener("click", () => show(item.dataset.channel));
  }
  $("#nav-home").addEventListener("click", showHome);
  $("#composer").addEventListener("submit", send);
  $("#thread-composer").addEventListener("submit", reply);
  $("#thread-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) reply(event);
  });
  $("#composer-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) send(event);
  });
  $("#status-apply").addEventListener("click", setStatus);
  $("#thread-close").addEventListener("click", () => { state.thread = null; drawThread(); });
  document.addEventListener("click", (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    if (target.dataset.actionId) { event.preventDefault(); click(target); }
    else if (target.dataset.shortcut) { event.preventDefault(); useShortcut(target); }
    else if (target.dataset.thread) {
      const channel = state.thread && target.closest("#thread-pane") ? state.thread.channel : state.channel;
      openThread(channel, target.dataset.thread);
    }
  });
}

wire();
show("D1");
refreshAll();
refreshPoller();
setInterval(refreshAll, 1000);
setInterval(refreshPoller, 2000);
setInterval(() => { if (state.view === "home") return; drawChannel(); }, 30000); // keep "Today" fresh
