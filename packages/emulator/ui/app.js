// The emulator's chat window. It talks only to /ui/api/* (never to /bot<token>/...):
// it reads the state, acts as the chosen user, and follows the emulator's events live.
import { el, renderText, safeUrl } from "./render.js";

const $ = (id) => document.getElementById(id);

/** What the page shows: the world, and the chosen bot, user and chat. */
const state = {
  bots: [],
  users: [],
  chats: [],
  botId: undefined,
  userId: undefined,
  chatId: undefined,
  commands: [],
  /** The newest inline query this page typed, whose answer it shows. */
  inlineQuery: undefined,
  /** The message the next text replies to. */
  replyTo: undefined,
  /** Callback queries this page sent, and answers that came before the click's response. */
  myQueries: new Set(),
  earlyAnswers: new Map(),
};

function showAnswer(answer) {
  if (answer.text) toast(answer.text, answer.showAlert);
}

// ---- the API ----

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : body instanceof FormData
        ? { method: "POST", headers: { "x-emulator-ui": "1" }, body }
        : {
            method: "POST",
            headers: { "content-type": "application/json", "x-emulator-ui": "1" },
            body: JSON.stringify(body),
          };
  const res = await fetch(`/ui/api/${path}`, init);
  const data = await res.json();
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

function toast(text, alert = false) {
  const node = el("div", { class: alert ? "toast alert" : "toast", role: "status" }, text);
  $("toasts").append(node);
  setTimeout(() => node.remove(), alert ? 6000 : 3000);
}

function fail(error) {
  toast(error instanceof Error ? error.message : String(error), true);
}

// ---- sidebar ----

const userName = (u) => [u.first_name, u.last_name].filter(Boolean).join(" ");
const currentBot = () => state.bots.find((b) => b.id === state.botId);
const currentUser = () => state.users.find((u) => u.id === state.userId);

function fillSelect(select, items, selected, label) {
  select.replaceChildren(
    ...items.map((item) => {
      const option = el("option", { value: String(item.id) }, label(item));
      option.selected = item.id === selected;
      return option;
    }),
  );
}

/** The chats the chosen user can open with the chosen bot: the private one and shared groups. */
function visibleChats() {
  const user = currentUser();
  const bot = currentBot();
  if (user === undefined || bot === undefined) return [];
  const inChat = (chat, id) => chat.members.some((m) => m.id === id);
  const groups = state.chats.filter((c) => inChat(c, user.id) && inChat(c, bot.id));
  return [
    { id: user.id, title: `${bot.first_name} (@${bot.username})`, kind: "private" },
    ...groups.map((c) => ({ id: c.id, title: c.title, kind: c.type })),
  ];
}

function renderSidebar() {
  fillSelect($("bot-select"), state.bots, state.botId, (b) => `@${b.username}`);
  fillSelect($("user-select"), state.users, state.userId, (u) =>
    u.username ? `${userName(u)} (@${u.username})` : userName(u),
  );
  const chats = visibleChats();
  if (!chats.some((c) => c.id === state.chatId)) state.chatId = chats[0]?.id;
  $("chat-list").replaceChildren(
    ...chats.map((c) => {
      const button = el(
        "button",
        { type: "button", class: "chat-item", "data-chat-id": String(c.id) },
        el("span", { class: "chat-name" }, c.title),
        el("span", { class: "chat-kind" }, c.kind),
      );
      if (c.id === state.chatId) button.classList.add("active");
      button.addEventListener("click", () => {
        state.chatId = c.id;
        void openChat();
      });
      return el("li", {}, button);
    }),
  );
}

async function loadState() {
  const data = await api("state");
  state.bots = data.bots;
  state.users = data.users;
  state.chats = data.chats;
  if (!state.bots.some((b) => b.id === state.botId))
    state.botId = data.defaultBot ?? state.bots[0]?.id;
  if (!state.users.some((u) => u.id === state.userId)) state.userId = state.users[0]?.id;
  renderSidebar();
}

// ---- messages ----

const MEDIA_LABELS = {
  sticker: "Sticker",
  video: "Video",
  animation: "GIF",
  audio: "Audio",
  voice: "Voice message",
  video_note: "Video message",
  location: "Location",
  venue: "Venue",
  contact: "Contact",
  dice: "Dice",
  invoice: "Invoice",
};

function time(date) {
  return new Date(date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function serviceText(m) {
  if (m.new_chat_members) return `${m.new_chat_members.map(userName).join(", ")} joined`;
  if (m.left_chat_member) return `${userName(m.left_chat_member)} left`;
  if (m.pinned_message) return `${userName(m.from ?? { first_name: "Someone" })} pinned a message`;
  if (m.new_chat_title) return `Title changed to ${m.new_chat_title}`;
  return undefined;
}

function media(m) {
  const parts = [];
  if (m.photo?.length) {
    const largest = m.photo[m.photo.length - 1];
    parts.push(
      el("img", {
        class: "photo",
        alt: "Photo",
        src: `/ui/api/files/${encodeURIComponent(largest.file_id)}`,
      }),
    );
  }
  if (m.document) {
    parts.push(
      el(
        "a",
        {
          class: "document",
          href: `/ui/api/files/${encodeURIComponent(m.document.file_id)}`,
          download: m.document.file_name ?? "file",
        },
        el("span", { class: "document-icon" }, "📄"),
        el("span", {}, m.document.file_name ?? "file"),
      ),
    );
  }
  for (const [key, label] of Object.entries(MEDIA_LABELS)) {
    if (m[key] === undefined) continue;
    let detail = "";
    if (key === "location") detail = `${m.location.latitude}, ${m.location.longitude}`;
    else if (key === "contact") detail = `${m.contact.first_name} ${m.contact.phone_number}`;
    else if (key === "dice") detail = `${m.dice.emoji} ${m.dice.value}`;
    parts.push(el("div", { class: "media-label" }, `[${label}] ${detail}`.trim()));
  }
  if (m.poll) parts.push(pollNode(m));
  return parts;
}

/** A poll: its question and options with counts; tapping options votes as the chosen user. */
function pollNode(m) {
  const poll = m.poll;
  const closed = poll.is_closed === true;
  const total = poll.total_voter_count ?? 0;
  const kind = `${poll.is_anonymous === false ? "Public" : "Anonymous"} ${poll.type === "quiz" ? "quiz" : "poll"}`;
  const node = el(
    "div",
    { class: "poll" },
    el("div", { class: "poll-question" }, poll.question),
    el("div", { class: "poll-kind" }, closed ? `${kind}, closed` : kind),
  );
  const multiple = poll.allows_multiple_answers === true;
  const chosen = new Set();
  const voteButton = el("button", { type: "button", class: "poll-vote", disabled: "" }, "Vote");
  poll.options.forEach((o, i) => {
    const count = o.voter_count ?? 0;
    const share = total > 0 ? Math.round((count / total) * 100) : 0;
    const option = el(
      "button",
      { type: "button", class: "poll-option" },
      el("span", { class: "poll-option-text" }, o.text),
      el("span", { class: "poll-count" }, `${count} · ${share}%`),
    );
    option.disabled = closed;
    option.addEventListener("click", () => {
      if (!multiple) return void vote(m, [i]);
      if (chosen.has(i)) chosen.delete(i);
      else chosen.add(i);
      option.classList.toggle("chosen", chosen.has(i));
      voteButton.disabled = chosen.size === 0;
    });
    node.append(option);
  });
  if (multiple && !closed) {
    voteButton.addEventListener("click", () => void vote(m, [...chosen]));
    node.append(voteButton);
  }
  node.append(el("div", { class: "poll-total" }, `${total} voted`));
  return node;
}

function inlineKeyboard(m) {
  const rows = m.reply_markup?.inline_keyboard;
  if (!Array.isArray(rows) || rows.length === 0) return [];
  const keyboard = el("div", { class: "inline-keyboard" });
  for (const row of rows) {
    const line = el("div", { class: "keyboard-row" });
    for (const b of row) {
      if (b.url !== undefined && safeUrl(b.url) !== undefined) {
        line.append(
          el(
            "a",
            {
              class: "inline-button url",
              href: safeUrl(b.url),
              target: "_blank",
              rel: "noopener noreferrer",
            },
            `${b.text} ↗`,
          ),
        );
        continue;
      }
      const button = el("button", { type: "button", class: "inline-button" }, b.text);
      if (typeof b.callback_data === "string") {
        button.dataset.callbackData = b.callback_data;
        button.addEventListener("click", () => void click(m, b.callback_data, button));
      } else if (typeof b.copy_text?.text === "string") {
        button.addEventListener("click", () => {
          void navigator.clipboard?.writeText(b.copy_text.text);
          toast("Copied");
        });
      } else {
        button.disabled = true;
        button.title = "This kind of button is not supported in the chat window";
      }
      line.append(button);
    }
    keyboard.append(line);
  }
  return [keyboard];
}

async function toggleRaw(m, bubble, button) {
  const open = bubble.querySelector(".raw");
  if (open) {
    open.remove();
    button.classList.remove("active");
    return;
  }
  button.classList.add("active");
  const q = new URLSearchParams({
    bot: String(state.botId),
    chat: String(m.chat.id),
    message: String(m.message_id),
  });
  try {
    const trace = await api(`trace?${q}`);
    const shown = {};
    if (trace.updates.length > 0) shown.updates = trace.updates;
    if (trace.calls.length > 0) shown.api_calls = trace.calls;
    if (trace.updates.length === 0 && trace.calls.length === 0) shown.message = m;
    bubble.append(el("pre", { class: "raw" }, JSON.stringify(shown, null, 2)));
  } catch (error) {
    fail(error);
  }
}

function messageNode(m) {
  const service = serviceText(m);
  if (service !== undefined) {
    return el("li", { class: "service", "data-message-id": String(m.message_id) }, service);
  }
  const mine = m.from?.id === state.userId;
  const fromBot = m.from?.is_bot === true;
  const li = el("li", {
    class: `message ${mine ? "out" : "in"}${fromBot ? " bot" : ""}`,
    "data-message-id": String(m.message_id),
  });
  const bubble = el("div", { class: "bubble" });
  const isGroup = m.chat.type !== "private";
  if (!mine && isGroup && m.from) bubble.append(el("div", { class: "sender" }, userName(m.from)));
  if (m.reply_to_message) {
    const r = m.reply_to_message;
    bubble.append(
      el(
        "div",
        { class: "reply-to" },
        el("strong", {}, r.from ? userName(r.from) : "Message"),
        el("span", {}, (r.text ?? r.caption ?? "[media]").slice(0, 80)),
      ),
    );
  }
  bubble.append(...media(m));
  const text = m.text ?? m.caption;
  if (text !== undefined) {
    const body = el("div", { class: "text" });
    body.append(
      renderText(text, m.entities ?? m.caption_entities ?? [], {
        onCommand: (c) => void sendText(c),
      }),
    );
    bubble.append(body);
  }
  const raw = el(
    "button",
    { type: "button", class: "raw-toggle", title: "Raw update / API call" },
    "{ }",
  );
  raw.addEventListener("click", () => void toggleRaw(m, bubble, raw));
  const reply = el("button", { type: "button", class: "reply-action", title: "Reply" }, "↩");
  reply.addEventListener("click", () => replyTo(m));
  const meta = el("div", { class: "meta" });
  if (m.edit_date) meta.append(el("span", { class: "edited" }, "edited"));
  meta.append(el("time", {}, time(m.date)), reply, raw);
  bubble.append(meta);
  li.append(bubble, ...inlineKeyboard(m));
  return li;
}

function showMessage(m) {
  const list = $("messages");
  const node = messageNode(m);
  const old = list.querySelector(`[data-message-id="${m.message_id}"]`);
  if (old) {
    const rawOpen = old.querySelector(".raw");
    old.replaceWith(node);
    if (rawOpen) node.querySelector(".raw-toggle")?.click();
    return;
  }
  const after = [...list.children].find((c) => Number(c.dataset.messageId) > m.message_id);
  list.insertBefore(node, after ?? null);
  list.scrollTop = list.scrollHeight;
}

function markDeleted(id) {
  const node = $("messages").querySelector(`[data-message-id="${id}"]`);
  if (!node) return;
  node.classList.add("deleted");
  const bubble = node.querySelector(".bubble") ?? node;
  bubble.replaceChildren(el("em", {}, "Message deleted"));
  for (const k of node.querySelectorAll(".inline-keyboard")) k.remove();
}

// ---- keyboards and commands ----

function showReplyKeyboard(markup) {
  const box = $("reply-keyboard");
  if (!markup || !Array.isArray(markup.keyboard)) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  box.replaceChildren(
    ...markup.keyboard.map((row) =>
      el(
        "div",
        { class: "keyboard-row" },
        ...row.map((b) => {
          const label = typeof b === "string" ? b : b.text;
          const share = b.request_contact ? "contact" : b.request_location ? "location" : undefined;
          const button = el("button", { type: "button", class: "reply-button" }, label);
          if (share !== undefined) button.title = `Shares your ${share}`;
          button.addEventListener("click", () => {
            void (share === undefined ? sendText(label) : shareWith(share));
            if (markup.one_time_keyboard) showReplyKeyboard(null);
          });
          return button;
        }),
      ),
    ),
  );
  box.hidden = false;
}

function showCommands(commands) {
  state.commands = commands;
  $("menu-button").hidden = commands.length === 0;
  const menu = $("command-menu");
  menu.replaceChildren(
    ...commands.map((c) => {
      const item = el(
        "button",
        { type: "button", class: "command-item" },
        el("span", { class: "command-name" }, `/${c.command}`),
        el("span", { class: "command-description" }, c.description),
      );
      item.addEventListener("click", () => {
        menu.hidden = true;
        void sendText(`/${c.command}`);
      });
      return item;
    }),
  );
  if (commands.length === 0) menu.hidden = true;
}

// ---- the open chat ----

function chatQuery() {
  return new URLSearchParams({
    bot: String(state.botId),
    chat: String(state.chatId),
    user: String(state.userId),
  });
}

/** Counts chat openings, so a slow answer for a chat left meanwhile is dropped. */
let openSeq = 0;

async function openChat() {
  const seq = ++openSeq;
  replyTo(undefined);
  renderSidebar();
  const chat = visibleChats().find((c) => c.id === state.chatId);
  $("chat-title").textContent = chat?.title ?? "No chat";
  $("chat-status").textContent = chat?.kind === "private" ? "bot" : (chat?.kind ?? "");
  $("messages").replaceChildren();
  if (chat === undefined) return;
  const data = await api(`chat?${chatQuery()}`);
  if (seq !== openSeq) return;
  for (const m of data.messages) showMessage(m);
  showReplyKeyboard(data.keyboard);
  showCommands(data.commands);
}

async function refreshCommands() {
  if (state.chatId === undefined) return;
  const seq = openSeq;
  const data = await api(`chat?${chatQuery()}`);
  if (seq === openSeq) showCommands(data.commands);
}

function target() {
  return { bot: state.botId, user: state.userId, chat: state.chatId };
}

/** Makes the next text a reply to `m` (`undefined` cancels). */
function replyTo(m) {
  state.replyTo = m?.message_id;
  $("replying").hidden = m === undefined;
  if (m === undefined) return;
  const who = m.from ? userName(m.from) : "message";
  $("replying-text").textContent =
    `Reply to ${who}: ${(m.text ?? m.caption ?? "[media]").slice(0, 60)}`;
  $("text").focus();
}

async function sendText(text) {
  if (state.chatId === undefined) return;
  const reply = state.replyTo === undefined ? {} : { replyTo: state.replyTo };
  replyTo(undefined);
  try {
    await api("send", { ...target(), ...reply, text });
  } catch (error) {
    fail(error);
  }
}

async function shareWith(what) {
  try {
    await api("share", { ...target(), what });
  } catch (error) {
    fail(error);
  }
}

async function vote(m, options) {
  try {
    await api("vote", { ...target(), chat: m.chat.id, message: m.message_id, options });
  } catch (error) {
    fail(error);
  }
}

async function click(m, data, button) {
  button.classList.add("pressed");
  try {
    const { queryId } = await api("click", {
      ...target(),
      chat: m.chat.id,
      message: m.message_id,
      data,
    });
    const early = state.earlyAnswers.get(queryId);
    if (early !== undefined) showAnswer(early);
    else state.myQueries.add(queryId);
  } catch (error) {
    fail(error);
  } finally {
    setTimeout(() => button.classList.remove("pressed"), 300);
  }
}

async function upload(file) {
  const form = new FormData();
  for (const [k, v] of Object.entries(target())) form.append(k, String(v));
  const caption = $("text").value.trim();
  if (caption !== "") form.append("caption", caption);
  form.append("file", file, file.name);
  try {
    await api("upload", form);
    $("text").value = "";
  } catch (error) {
    fail(error);
  }
}

// ---- inline mode ----

let inlineTimer;
/** Counts typed queries, so only the newest one's answer is shown. */
let inlineSeq = 0;
/** Recent answers by query id: an answer can arrive before the query's own response does. */
const inlineAnswers = new Map();

/** Sends `@bot query` as an inline query (debounced) while the text starts with the bot's name. */
function typedInline(value) {
  const bot = currentBot();
  const prefix = bot === undefined ? undefined : `@${bot.username} `;
  clearTimeout(inlineTimer);
  const seq = ++inlineSeq;
  if (prefix === undefined || !value.toLowerCase().startsWith(prefix.toLowerCase())) {
    state.inlineQuery = undefined;
    $("inline-results").hidden = true;
    return;
  }
  inlineTimer = setTimeout(() => {
    api("inline", { bot: state.botId, user: state.userId, query: value.slice(prefix.length) })
      .then(({ queryId }) => {
        if (seq !== inlineSeq) return;
        state.inlineQuery = queryId;
        const early = inlineAnswers.get(queryId);
        if (early !== undefined) showInlineResults(early);
      })
      .catch(fail);
  }, 300);
}

function inlineTitle(r) {
  return r.title ?? r.input_message_content?.message_text ?? `${r.type} ${r.id}`;
}

function showInlineResults(results) {
  const box = $("inline-results");
  box.replaceChildren(
    el("div", { class: "inline-note" }, "Inline results (a preview: choosing one is not emulated)"),
    ...results.map((r) =>
      el(
        "div",
        { class: "inline-result" },
        el("span", { class: "inline-result-title" }, String(inlineTitle(r))),
        el("span", { class: "inline-result-description" }, String(r.description ?? r.type ?? "")),
      ),
    ),
  );
  if (results.length === 0) box.append(el("div", { class: "inline-result" }, "No results"));
  box.hidden = false;
}

// ---- live events ----

let typingTimer;

function onEvent(event) {
  if (event.type === "state") return void loadState().catch(fail);
  if (event.type === "commands") {
    if (event.botId === state.botId) void refreshCommands().catch(fail);
    return;
  }
  if (event.botId !== state.botId) return;
  if (event.type === "inline_answer") {
    inlineAnswers.set(event.queryId, event.results);
    setTimeout(() => inlineAnswers.delete(event.queryId), 10_000);
    if (event.queryId === state.inlineQuery) showInlineResults(event.results);
    return;
  }
  if (event.type === "callback_answer") {
    if (state.myQueries.delete(event.queryId)) showAnswer(event);
    else {
      // The answer can arrive before the click's own response does.
      state.earlyAnswers.set(event.queryId, event);
      setTimeout(() => state.earlyAnswers.delete(event.queryId), 10_000);
    }
    return;
  }
  if (event.chatId !== state.chatId) return;
  if (event.type === "message" || event.type === "edit") {
    showMessage(event.message);
    if (event.keyboard !== undefined) showReplyKeyboard(event.keyboard);
    if (event.type === "message" && event.message.from?.is_bot)
      $("chat-status").textContent = "bot";
  } else if (event.type === "delete") {
    markDeleted(event.messageId);
  } else if (event.type === "chat_action") {
    $("chat-status").textContent = `${event.action.replaceAll("_", " ")}…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      $("chat-status").textContent = "bot";
    }, 5000);
  }
}

function connect() {
  const source = new EventSource("/ui/api/events");
  source.addEventListener("open", () => {
    $("connection").textContent = "live";
    $("connection").classList.add("live");
    // Catch up on whatever happened while disconnected.
    void loadState().then(openChat).catch(fail);
  });
  source.addEventListener("error", () => {
    $("connection").textContent = "reconnecting…";
    $("connection").classList.remove("live");
  });
  source.addEventListener("message", (e) => onEvent(JSON.parse(e.data)));
}

// ---- wiring ----

function wire() {
  $("bot-select").addEventListener("change", (e) => {
    state.botId = Number(e.target.value);
    void openChat().catch(fail);
  });
  $("user-select").addEventListener("change", (e) => {
    const wasPrivate = state.chatId === state.userId;
    state.userId = Number(e.target.value);
    if (wasPrivate) state.chatId = state.userId;
    void openChat().catch(fail);
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("text");
    const text = input.value;
    if (text.trim() === "") return;
    input.value = "";
    $("command-menu").hidden = true;
    typedInline("");
    void sendText(text);
  });
  $("text").addEventListener("input", (e) => {
    const value = e.target.value;
    typedInline(value);
    const menu = $("command-menu");
    if (state.commands.length === 0 || !value.startsWith("/")) {
      menu.hidden = true;
      return;
    }
    for (const item of menu.children) {
      item.hidden = !item.textContent.startsWith(value);
    }
    menu.hidden = false;
  });
  $("menu-button").addEventListener("click", () => {
    const menu = $("command-menu");
    for (const item of menu.children) item.hidden = false;
    menu.hidden = !menu.hidden;
  });
  $("attach-button").addEventListener("click", () => $("file-input").click());
  $("replying-cancel").addEventListener("click", () => replyTo(undefined));
  $("file-input").addEventListener("change", (e) => {
    const file = e.target.files?.[0];
    e.target.value = "";
    if (file) void upload(file);
  });
  $("add-user").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = e.target.elements.first_name;
    api("users", { first_name: input.value })
      .then((u) => {
        input.value = "";
        state.userId = u.id;
        state.chatId = u.id;
        return loadState().then(openChat);
      })
      .catch(fail);
  });
  $("add-group").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = e.target.elements.title;
    const members = [
      state.userId,
      ...state.users.map((u) => u.id).filter((id) => id !== state.userId),
    ];
    api("groups", { bot: state.botId, title: input.value, members })
      .then((g) => {
        input.value = "";
        state.chatId = g.id;
        return loadState().then(openChat);
      })
      .catch(fail);
  });
}

wire();
connect();
