import { describe, expect, it } from "vitest";
import { CALLBACK_DATA_MAX_BYTES, checkCallbackData } from "../src/advanced.js";
import { FormatError, forceReply, InlineKeyboard, Keyboard, removeKeyboard } from "../src/index.js";

function expectFormatError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as FormatError).code).toBe(code);
}

describe("InlineKeyboard", () => {
  it("builds rows exactly as the Bot API expects", () => {
    const k = new InlineKeyboard()
      .text("A", "a")
      .text("B", "b")
      .row()
      .url("Site", "https://e.x")
      .webApp("App", "https://app.e.x")
      .row()
      .login("Login", "https://login.e.x")
      .login("Login 2", { url: "https://l.e.x", request_write_access: true })
      .row()
      .switchInline("Share")
      .switchInlineCurrent("Here", "q")
      .switchInlineChosen("Pick", { query: "z", allow_user_chats: true })
      .row()
      .copyText("Copy", "promo")
      .game("Play");
    expect(JSON.parse(JSON.stringify(k))).toStrictEqual({
      inline_keyboard: [
        [
          { text: "A", callback_data: "a" },
          { text: "B", callback_data: "b" },
        ],
        [
          { text: "Site", url: "https://e.x" },
          { text: "App", web_app: { url: "https://app.e.x" } },
        ],
        [
          { text: "Login", login_url: { url: "https://login.e.x" } },
          { text: "Login 2", login_url: { url: "https://l.e.x", request_write_access: true } },
        ],
        [
          { text: "Share", switch_inline_query: "" },
          { text: "Here", switch_inline_query_current_chat: "q" },
          { text: "Pick", switch_inline_query_chosen_chat: { query: "z", allow_user_chats: true } },
        ],
        [
          { text: "Copy", copy_text: { text: "promo" } },
          { text: "Play", callback_game: {} },
        ],
      ],
    });
    expect(k.build()).toStrictEqual(JSON.parse(JSON.stringify(k)));
    expect({ ...k }).toStrictEqual(k.build());
    expect(new InlineKeyboard().pay("Pay 5 €").build()).toStrictEqual({
      inline_keyboard: [[{ text: "Pay 5 €", pay: true }]],
    });
  });

  it("never mutates a keyboard: each call returns a new one", () => {
    const base = new InlineKeyboard().text("A", "a");
    const wide = base.text("B", "b");
    const tall = base.row().text("C", "c");
    expect(base.build()).toStrictEqual({ inline_keyboard: [[{ text: "A", callback_data: "a" }]] });
    expect(wide.inline_keyboard).toStrictEqual([
      [
        { text: "A", callback_data: "a" },
        { text: "B", callback_data: "b" },
      ],
    ]);
    expect(tall.inline_keyboard).toStrictEqual([
      [{ text: "A", callback_data: "a" }],
      [{ text: "C", callback_data: "c" }],
    ]);
    const built = wide.build();
    built.inline_keyboard[0]?.pop();
    expect(wide.inline_keyboard[0]).toHaveLength(2);
  });

  it("drops empty rows", () => {
    expect(new InlineKeyboard().row().row().text("A", "a").row().build()).toStrictEqual({
      inline_keyboard: [[{ text: "A", callback_data: "a" }]],
    });
    expect(
      new InlineKeyboard([[], [InlineKeyboard.text("A", "a")], []]).inline_keyboard,
    ).toHaveLength(1);
  });

  it("builds grids from a list and reflows columns", () => {
    const buttons = ["1", "2", "3", "4", "5"].map((n) => InlineKeyboard.text(n, `n:${n}`));
    const grid = InlineKeyboard.grid(buttons, 2);
    expect(grid.inline_keyboard.map((r) => r.map((b) => b.text))).toStrictEqual([
      ["1", "2"],
      ["3", "4"],
      ["5"],
    ]);
    expect(
      grid
        .text("6", "n:6")
        .inline_keyboard.at(-1)
        ?.map((b) => b.text),
    ).toStrictEqual(["6"]);
    expect(grid.columns(3).inline_keyboard.map((r) => r.length)).toStrictEqual([3, 2]);
    expect(
      InlineKeyboard.from([buttons.slice(0, 1), buttons.slice(1)]).inline_keyboard.map(
        (r) => r.length,
      ),
    ).toStrictEqual([1, 4]);
    expect(
      grid
        .append(new InlineKeyboard().url("x", "https://e.x"))
        .inline_keyboard.map((r) => r.length),
    ).toStrictEqual([2, 2, 1, 1]);
    expectFormatError(
      () => InlineKeyboard.grid(buttons, 0),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    const items = [
      { id: 1, name: "One" },
      { id: 2, name: "Two" },
      { id: 3, name: "Three" },
    ];
    expect(
      InlineKeyboard.grid(items, 2, (i, n) =>
        InlineKeyboard.text(`${n}. ${i.name}`, `pick:${i.id}`),
      ).build(),
    ).toStrictEqual({
      inline_keyboard: [
        [
          { text: "0. One", callback_data: "pick:1" },
          { text: "1. Two", callback_data: "pick:2" },
        ],
        [{ text: "2. Three", callback_data: "pick:3" }],
      ],
    });
    expect(Keyboard.grid(items, 3, (i) => i.name).build()).toStrictEqual({
      keyboard: [[{ text: "One" }, { text: "Two" }, { text: "Three" }]],
    });
  });

  it("enforces 1-64 bytes of UTF-8 in callback_data, not characters", () => {
    expect(CALLBACK_DATA_MAX_BYTES).toBe(64);
    expect(() => InlineKeyboard.text("x", "a".repeat(64))).not.toThrow();
    expectFormatError(
      () => InlineKeyboard.text("x", "a".repeat(65)),
      "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
    );
    // "€" is 1 UTF-16 code unit and 3 bytes: 21 fit (63 bytes), 22 do not (66 bytes).
    expect(() => new InlineKeyboard().text("x", "€".repeat(21))).not.toThrow();
    expectFormatError(
      () => new InlineKeyboard().text("x", "€".repeat(22)),
      "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
    );
    // An emoji is 2 code units and 4 bytes: 16 fit exactly, 17 do not.
    expect(checkCallbackData("👍".repeat(16))).toBe("👍".repeat(16));
    expectFormatError(
      () => checkCallbackData("👍".repeat(17)),
      "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
    );
    expectFormatError(
      () => checkCallbackData(`${"a".repeat(62)}é`.concat("x")),
      "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA",
    );
    expectFormatError(() => checkCallbackData(""), "BOT_DISPATCHER_KEYBOARD_INVALID_CALLBACK_DATA");
  });

  it("rejects empty labels and bad button arguments", () => {
    expectFormatError(
      () => new InlineKeyboard().text("", "a"),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(() => InlineKeyboard.url("x", ""), "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON");
    expectFormatError(
      () => InlineKeyboard.webApp("x", ""),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => InlineKeyboard.login("x", { url: "" }),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => InlineKeyboard.copyText("x", ""),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => InlineKeyboard.copyText("x", "a".repeat(257)),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
  });
});

describe("button style and icon", () => {
  it("apply to the last added button only, on both keyboards", () => {
    const k = new InlineKeyboard()
      .text("Keep", "k")
      .text("Delete", "d")
      .style("danger")
      .icon("123")
      .row();
    expect(k.build()).toStrictEqual({
      inline_keyboard: [
        [
          { text: "Keep", callback_data: "k" },
          { text: "Delete", callback_data: "d", style: "danger", icon_custom_emoji_id: "123" },
        ],
      ],
    });
    expect(k.text("Next", "n").inline_keyboard).toHaveLength(2);
    expect(new Keyboard().text("Yes").style("success").text("No").build()).toStrictEqual({
      keyboard: [[{ text: "Yes", style: "success" }, { text: "No" }]],
    });
    expect(new Keyboard().text("a").icon("9").resized().build()).toStrictEqual({
      keyboard: [[{ text: "a", icon_custom_emoji_id: "9" }]],
      resize_keyboard: true,
    });
    expectFormatError(
      () => new InlineKeyboard().style("primary"),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(() => new Keyboard().icon("1"), "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON");
    expectFormatError(
      () => new Keyboard().text("a").icon(""),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
  });
});

describe("Keyboard", () => {
  it("builds a reply keyboard with every button kind and option", () => {
    const k = new Keyboard()
      .text("Yes")
      .text("No")
      .row()
      .requestContact("Phone")
      .requestLocation("Where")
      .row()
      .requestPoll("Poll")
      .requestPoll("Quiz", "quiz")
      .row()
      .requestUsers("Users", 1, { max_quantity: 3, user_is_bot: false })
      .requestChat("Chat", -2, { chat_is_channel: true, bot_is_member: true })
      .row()
      .webApp("App", "https://app.e.x")
      .resized()
      .oneTime()
      .persistent()
      .placeholder("Pick one")
      .selected();
    const expected = {
      keyboard: [
        [{ text: "Yes" }, { text: "No" }],
        [
          { text: "Phone", request_contact: true },
          { text: "Where", request_location: true },
        ],
        [
          { text: "Poll", request_poll: {} },
          { text: "Quiz", request_poll: { type: "quiz" } },
        ],
        [
          { text: "Users", request_users: { request_id: 1, max_quantity: 3, user_is_bot: false } },
          {
            text: "Chat",
            request_chat: { request_id: -2, chat_is_channel: true, bot_is_member: true },
          },
        ],
        [{ text: "App", web_app: { url: "https://app.e.x" } }],
      ],
      resize_keyboard: true,
      one_time_keyboard: true,
      is_persistent: true,
      input_field_placeholder: "Pick one",
      selective: true,
    };
    expect(JSON.parse(JSON.stringify(k))).toStrictEqual(expected);
    expect(k.build()).toStrictEqual(expected);
    expect({ ...k }).toStrictEqual(expected);
  });

  it("leaves unset options absent, not undefined, and can unset them", () => {
    const k = new Keyboard().text("a");
    expect(Object.keys(k)).toStrictEqual(["keyboard"]);
    expect(k.build()).toStrictEqual({ keyboard: [[{ text: "a" }]] });
    const r = k.resized();
    expect(Object.keys(r)).toStrictEqual(["keyboard", "resize_keyboard"]);
    expect(Object.keys(r.resized(false))).toStrictEqual(["keyboard"]);
    expect(Object.keys(k)).toStrictEqual(["keyboard"]);
  });

  it("keeps options across later buttons and rows", () => {
    const k = new Keyboard().oneTime().text("a").row().text("b").placeholder("p");
    expect(k.build()).toStrictEqual({
      keyboard: [[{ text: "a" }], [{ text: "b" }]],
      one_time_keyboard: true,
      input_field_placeholder: "p",
    });
  });

  it("builds from labels, grids and reflowed columns", () => {
    expect(Keyboard.from([["1", "2"], [Keyboard.requestContact("3")]]).keyboard).toStrictEqual([
      [{ text: "1" }, { text: "2" }],
      [{ text: "3", request_contact: true }],
    ]);
    expect(Keyboard.grid(["a", "b", "c"], 2).keyboard.map((r) => r.length)).toStrictEqual([2, 1]);
    expect(Keyboard.grid(["a", "b", "c"], 2).columns(1).keyboard).toHaveLength(3);
    expect(new Keyboard([], { resize_keyboard: true, selective: false }).build()).toStrictEqual({
      keyboard: [],
      resize_keyboard: true,
    });
  });

  it("rejects bad options with a typed error", () => {
    expectFormatError(
      () => new Keyboard().placeholder(""),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => new Keyboard().placeholder("x".repeat(65)),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => Keyboard.requestUsers("u", 2 ** 31),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(
      () => Keyboard.requestUsers("u", 1, { max_quantity: 11 }),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
    expectFormatError(() => Keyboard.webApp("u", ""), "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON");
    expectFormatError(() => new Keyboard().text(""), "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON");
  });
});

describe("removeKeyboard and forceReply", () => {
  it("produce the exact markup", () => {
    expect(removeKeyboard()).toStrictEqual({ remove_keyboard: true });
    expect(removeKeyboard({ selective: true })).toStrictEqual({
      remove_keyboard: true,
      selective: true,
    });
    expect(forceReply()).toStrictEqual({ force_reply: true });
    expect(forceReply({ placeholder: "Your name", selective: true })).toStrictEqual({
      force_reply: true,
      input_field_placeholder: "Your name",
      selective: true,
    });
    expectFormatError(
      () => forceReply({ placeholder: "" }),
      "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    );
  });
});

describe("FormatError", () => {
  it("is recognised across copies through its Symbol.for brand", () => {
    const foreign = Object.assign(new Error("x"), {
      code: "BOT_DISPATCHER_KEYBOARD_INVALID_BUTTON",
    });
    expect(foreign).not.toBeInstanceOf(FormatError);
    Object.defineProperty(foreign, Symbol.for("@bot/dispatcher.FormatError"), { value: true });
    expect(foreign).toBeInstanceOf(FormatError);
    expect(new FormatError("BOT_DISPATCHER_FORMAT_INVALID_ARGUMENT", "x")).toBeInstanceOf(Error);
  });
});
