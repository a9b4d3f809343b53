import { Client } from "@bot/client";
import { UPDATE_KINDS, type Update, type UpdateKind } from "@bot/types";
import { afterAll, describe, expect, it } from "vitest";
import { Context } from "../src/index.js";
import { ME } from "./core-helpers.js";

const api = new Client("1:update-kinds-token");
afterAll(() => api.close());

function camel(kind: string): string {
  return kind.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

describe("one context getter per update kind", () => {
  it.each(Object.keys(UPDATE_KINDS) as UpdateKind[])("%s has its getter", (kind) => {
    const payload = { marker: kind };
    const ctx = new Context({ update_id: 1, [kind]: payload } as unknown as Update, api, ME);
    expect(ctx.updateKind).toBe(kind);
    expect((ctx as unknown as Record<string, unknown>)[camel(kind)]).toBe(payload);
  });

  it("finds the chat of stopped_message_generation and the user of subscription (Bot API 10.3)", () => {
    const stopped = new Context(
      {
        update_id: 2,
        stopped_message_generation: {
          chat: { id: 77, type: "private", first_name: "U" },
          draft_id: 5,
        },
      },
      api,
      ME,
    );
    expect(stopped.chatId).toBe(77);
    const sub = new Context(
      {
        update_id: 3,
        subscription: {
          user: { id: 88, is_bot: false, first_name: "S" },
          invoice_payload: "p",
          state: "canceled",
        },
      },
      api,
      ME,
    );
    expect(sub.from?.id).toBe(88);
    expect(sub.subscription?.state).toBe("canceled");
  });
});
