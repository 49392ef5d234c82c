// Slack mrkdwn and Block Kit, rendered as Slack's client shows them, for what fal-bot sends:
// header, section (text, fields, button accessory), context, actions (buttons), divider, and in
// mrkdwn *bold*, _italics_, ~strike~, `code`, ```code blocks```, > quotes, <url|links>, <@U…>,
// <#C…|name>, <!channel> (shown as text) and <!date^…^…|fallback>.
"use strict";

const Mrkdwn = (() => {
  const USERS = { U1: "you", U2: "teammate", UFALBOT: "fal-bot" };
  const CHANNELS = { D1: "fal-bot", C1: "general", C2: "alerts" };

  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  // Slack escapes &, < and > in message text; show them as the characters they stand for.
  function unescapeSlack(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function plain(text) {
    return escapeHtml(unescapeSlack(text || ""));
  }

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

  function pad(n) { return String(n).padStart(2, "0"); }

  function formatDate(seconds, format) {
    const d = new Date(seconds * 1000);
    const now = new Date();
    const sameDay = (a, b) => a.toDateString() === b.toDateString();
    const yesterday = new Date(now.getTime() - 86400000);
    const pretty = (fallback) => sameDay(d, now) ? "Today" : sameDay(d, yesterday) ? "Yesterday" : fallback;
    const short = `${MONTHS[d.getMonth()].slice(0, 3)} ${d.getDate()}, ${d.getFullYear()}`;
    const long = `${DAYS[d.getDay()]}, ${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`;
    const plainDate = `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`;
    const ago = () => {
      const s = Math.round((now.getTime() - d.getTime()) / 1000);
      if (Math.abs(s) < 60) return "just now";
      const m = Math.round(s / 60);
      if (Math.abs(m) < 60) return m > 0 ? `${m} minutes ago` : `in ${-m} minutes`;
      const h = Math.round(m / 60);
      if (Math.abs(h) < 24) return h > 0 ? `${h} hours ago` : `in ${-h} hours`;
      const days = Math.round(h / 24);
      return days > 0 ? `${days} days ago` : `in ${-days} days`;
    };
    const tokens = {
      date_num: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
      date: plainDate,
      date_short: short,
      date_long: long,
      date_pretty: pretty(plainDate),
      date_short_pretty: pretty(short),
      date_long_pretty: pretty(long),
      time: `${pad(d.getHours())}:${pad(d.getMinutes())}`,
      time_secs: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
      ago: ago(),
    };
    return format.replace(/\{(\w+)\}/g, (all, name) => (name in tokens ? tokens[name] : all));
  }

  function safeUrl(url) {
    return /^(https?:|mailto:)/i.test(url) ? url : null;
  }

  // One <…> token of Slack's message formatting, as HTML.
  function angle(inner) {
    const bar = inner.indexOf("|");
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : null;
    if (target.startsWith("!date^")) {
      const parts = target.split("^");
      const seconds = Number(parts[1]);
      const text = Number.isFinite(seconds) ? formatDate(seconds, parts[2] || "{date}") : (label || "");
      return `<time class="slack-date" title="${plain(label || "")}">${plain(text)}</time>`;
    }
    if (target.startsWith("!")) {
      const name = target.slice(1).split("^")[0];
      return `<span class="mention">@${plain(label || name)}</span>`;
    }
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return `<span class="mention">@${plain(label || USERS[id] || id)}</span>`;
    }
    if (target.startsWith("#")) {
      const id = target.slice(1);
      return `<span class="mention">#${plain(label || CHANNELS[id] || id)}</span>`;
    }
    const url = safeUrl(unescapeSlack(target));
    if (!url) return plain(label || target);
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${plain(label || target)}</a>`;
  }

  // Bold, italics and strike as Slack reads them: the markers sit at word boundaries.
  function emphasis(html) {
    const around = (marker, tag) => new RegExp(
      `(^|[\\s(\\[{"'\\u0001])\\${marker}(?=\\S)([^${marker}\\n]*?\\S)\\${marker}(?=$|[\\s.,;:!?)\\]}"'\\u0001])`, "g");
    return html
      .replace(around("*", "b"), "$1<b>$2</b>")
      .replace(around("_", "i"), "$1<i>$2</i>")
      .replace(around("~", "s"), "$1<s>$2</s>");
  }

  // One line of mrkdwn (no code blocks, no quote marker) as HTML.
  function inline(line) {
    const kept = [];
    const keep = (html) => { kept.push(html); return `\u0001${kept.length - 1}\u0001`; };
    let text = line.replace(/`([^`\n]+)`/g, (all, code) => keep(`<code>${plain(code)}</code>`));
    text = text.replace(/<([^<>\n]+)>/g, (all, inner) => keep(angle(inner)));
    // Slack links bare URLs in messages too (trailing punctuation is not part of them).
    text = text.replace(/\bhttps?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]]/g, (url) => keep(angle(url)));
    let html = emphasis(plain(text));
    html = html.replace(/\u0001(\d+)\u0001/g, (all, n) => kept[Number(n)]);
    return html;
  }

  function lines(text) {
    const out = [];
    let quote = [];
    const flush = () => {
      if (quote.length) out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = [];
    };
    for (const line of text.split("\n")) {
      const m = line.match(/^(?:&gt;|>)\s?(.*)$/);
      if (m) { quote.push(inline(m[1])); continue; }
      flush();
      out.push(inline(line));
    }
    flush();
    // A blockquote is already a block: no line break right after it.
    return out.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
  }

  function mrkdwn(text) {
    const parts = (text || "").split("```");
    return parts.map((part, i) => {
      if (i % 2 === 1 && i < parts.length - 1) {
        return `<pre>${plain(part.replace(/^\n/, "").replace(/\n$/, ""))}</pre>`;
      }
      return lines(i % 2 === 1 ? "```" + part : part);
    }).join("");
  }

  function textObject(obj) {
    if (!obj) return "";
    return obj.type === "mrkdwn" ? mrkdwn(obj.text) : plain(obj.text).replace(/\n/g, "<br>");
  }

  function button(el, ctx) {
    const style = el.style === "primary" ? " primary" : el.style === "danger" ? " danger" : "";
    if (el.url) {
      const url = safeUrl(el.url);
      return `<a class="bk-button${style}" ${url ? `href="${escapeHtml(url)}"` : ""} target="_blank" rel="noopener noreferrer">${plain(el.text && el.text.text)}</a>`;
    }
    return `<button class="bk-button${style}" data-action-id="${escapeHtml(el.action_id || "")}" ` +
      `data-value="${escapeHtml(el.value || "")}" data-block-id="${escapeHtml(ctx.blockId || "")}" ` +
      `data-ts="${escapeHtml(ctx.ts || "")}">${plain(el.text && el.text.text)}</button>`;
  }

  function element(el, ctx) {
    if (!el) return "";
    if (el.type === "button") return button(el, ctx);
    if (el.type === "image") return `<span class="bk-image" title="${plain(el.alt_text)}">🖼</span>`;
    if (el.type === "mrkdwn" || el.type === "plain_text") return `<span>${textObject(el)}</span>`;
    return "";
  }

  function block(b, ctx) {
    const inner = { ...ctx, blockId: b.block_id || "" };
    switch (b.type) {
      case "header":
        return `<div class="bk-header">${plain(b.text && b.text.text)}</div>`;
      case "divider":
        return `<hr class="bk-divider">`;
      case "section": {
        let html = `<div class="bk-section"><div class="bk-section-body">`;
        if (b.text) html += `<div class="bk-text">${textObject(b.text)}</div>`;
        if (b.fields) {
          html += `<div class="bk-fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join("")}</div>`;
        }
        html += `</div>`;
        if (b.accessory) html += `<div class="bk-accessory">${element(b.accessory, inner)}</div>`;
        return html + `</div>`;
      }
      case "context":
        return `<div class="bk-context">${(b.elements || []).map((e) => element(e, inner)).join(" ")}</div>`;
      case "actions":
        return `<div class="bk-actions">${(b.elements || []).map((e) => element(e, inner)).join("")}</div>`;
      case "image":
        return `<div class="bk-context">🖼 ${plain(b.alt_text)}</div>`;
      default:
        return `<div class="bk-unknown muted">[${plain(b.type)} block]</div>`;
    }
  }

  // A message as Slack shows it: its blocks when it has them, else its text.
  function message(msg) {
    const ctx = { ts: msg.ts };
    if (msg.blocks && msg.blocks.length) return msg.blocks.map((b) => block(b, ctx)).join("");
    return `<div class="bk-text">${mrkdwn(msg.text)}</div>`;
  }

  function blocks(list, ctx) {
    return (list || []).map((b) => block(b, ctx || {})).join("");
  }

  return { mrkdwn, message, blocks, plain, formatDate, USERS };
})();
