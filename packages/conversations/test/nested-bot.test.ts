/** python-telegram-bot's nested conversation bot end to end against @bot/emulator. */
import diagnostics from "node:diagnostics_channel";
import { Bot } from "@bot/dispatcher";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONVERSATIONS_CHANNEL, type TransitionEvent } from "../src/index.js";
import { type FamilyContext, family, installFamily } from "./nested-bot.js";

let emu: Emulator;
let bot: Bot<FamilyContext>;
let polling: Promise<void>;
const errors: unknown[] = [];
const events: TransitionEvent[] = [];
const listen = (e: unknown) => void events.push(e as TransitionEvent);

beforeEach(async () => {
  emu = await createEmulator();
  errors.length = 0;
  events.length = 0;
  diagnostics.subscribe(CONVERSATIONS_CHANNEL, listen);
  bot = new Bot<FamilyContext>(emu.createBot({ username: "family_bot" }).token, {
    clientOptions: { apiRoot: emu.apiRoot, retry: false },
  });
  installFamily(bot);
  bot.catch((err) => void errors.push(err.error));
  polling = bot.start();
});
afterEach(async () => {
  diagnostics.unsubscribe(CONVERSATIONS_CHANNEL, listen);
  await bot.stop();
  await polling;
  await bot.api.close();
  await emu.close();
  expect(errors).toEqual([]);
});

/** Polls until `check` holds (the reply arrives before the update's state is saved). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 5));
}
const text = async (user: UserActor) => (await user.nextMessage({ timeoutMs: 10_000 })).text;

describe("the nested conversation bot", () => {
  it("runs a child flow that returns to the parent state", async () => {
    const ann = emu.user({ first_name: "Ann" });
    ann.send("/start");
    expect(await text(ann)).toBe("What do you want to do?");
    ann.click("Add family member");
    expect(await text(ann)).toBe("Parent or child?");
    ann.click("Parent");
    expect(await text(ann)).toBe("Male or female?");
    ann.click("Female");
    expect(await text(ann)).toBe("Name?");
    ann.send("Beth");
    expect(await text(ann)).toBe("Saved Beth.");
    expect(await text(ann)).toBe("What do you want to do?");
    // back in the parent's SELECTING_ACTION: its own handlers work, and the child starts afresh
    ann.click("Add yourself");
    expect(await text(ann)).toBe("Okay, please tell me about yourself.");
    ann.send("I garden");
    expect(await text(ann)).toBe("What do you want to do?");
    ann.click("Add family member");
    expect(await text(ann)).toBe("Parent or child?");
    ann.click("Child");
    await text(ann);
    ann.click("Male");
    await text(ann);
    ann.send("Carl");
    expect(await text(ann)).toBe("Saved Carl.");
    await text(ann);
    ann.click("Show data");
    expect(await text(ann)).toBe("Yourself: I garden; family: parent female Beth, child male Carl");
    ann.click("Back");
    expect(await text(ann)).toBe("What do you want to do?");
    ann.click("Done");
    expect(await text(ann)).toBe("See you around!");
    ann.send("hello");
    expect(await text(ann)).toBe("(outside)");
    const child = events.filter((e) => e.name === "member").map((e) => [e.from, e.to]);
    expect(child[0]).toEqual([null, "SELECTING_LEVEL"]);
    expect(child[3]).toEqual(["TYPING", null]);
    expect(events.find((e) => e.name === "member")?.path).toEqual(["family"]);
  });

  it("reaches the parent's fallback from inside the child", async () => {
    const dan = emu.user({ first_name: "Dan" });
    dan.send("/start");
    await text(dan);
    dan.click("Add family member");
    await text(dan);
    dan.click("Parent");
    expect(await text(dan)).toBe("Male or female?");
    dan.send("/stop"); // not a child handler: the parent's fallback ends everything
    expect(await text(dan)).toBe("Okay, bye.");
    dan.send("Eve"); // the child's TYPING is gone too
    expect(await text(dan)).toBe("(outside)");
    const where = { chatId: dan.user.id, userId: dan.user.id };
    await until(async () => (await family.active(bot, where)).length === 0);
    expect(await family.active(bot, where)).toEqual([]);
  });

  it("maps the child's other outcomes to the parent (SHOWING, STOPPING -> END)", async () => {
    const fay = emu.user({ first_name: "Fay" });
    fay.send("/start");
    await text(fay);
    fay.click("Add family member");
    await text(fay);
    fay.click("Show data"); // the child's fallback returns the parent's SHOWING
    expect(await text(fay)).toBe("Yourself: -; family: -");
    await until(
      async () => (await family.active(bot, { chatId: fay.user.id }))[0]?.state === "SHOWING",
    );
    const [active] = await family.active(bot, { chatId: fay.user.id });
    expect(active).toMatchObject({ state: "SHOWING", children: {} });
    fay.click("Back");
    expect(await text(fay)).toBe("What do you want to do?");
    fay.click("Add family member");
    await text(fay);
    const where = { chatId: fay.user.id, userId: fay.user.id };
    await until(async () => (await family.active(bot, where))[0]?.children.member !== undefined);
    const [inside] = await family.active(bot, where);
    expect(inside).toMatchObject({
      state: "SELECTING_ACTION",
      children: { member: "SELECTING_LEVEL" },
    });
    fay.send("/cancel"); // the child returns STOPPING, mapped to the parent's END
    expect(await text(fay)).toBe("Cancelled everything.");
    fay.click("Parent"); // an old button: nothing is active any more
    expect(await text(fay)).toBe("(outside)");
  });
});
