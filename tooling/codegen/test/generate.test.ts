import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildModel, CodegenError, generate, type Spec, specPath } from "../src/index.ts";

const spec: Spec = JSON.parse(readFileSync(specPath(), "utf8"));

describe("generate", () => {
  const files = generate(spec);

  it("emits one params interface and one map entry per method (185)", () => {
    expect(files["methods.ts"]!.match(/^export interface \w+Params \{/gm)).toHaveLength(185);
    expect(files["methods.ts"]!.match(/^ {2}\w+: \{ params: /gm)).toHaveLength(185);
  });

  it("emits every type (400): interfaces for objects, aliases for the 26 unions", () => {
    const interfaces = files["types.ts"]!.match(/^export interface \w+ \{/gm) ?? [];
    const unions = Object.values(spec.types).filter((t) => t.subtypes);
    expect(unions).toHaveLength(26);
    for (const u of unions) expect(files["types.ts"]).toContain(`export type ${u.name} =\n`);
    expect(interfaces).toHaveLength(400 - 26);
  });

  it("finds the discriminator of every discriminated union", () => {
    const model = buildModel(spec);
    expect(model.discriminators.get("ChatMember")).toBe("status");
    expect(model.discriminators.get("ChatBoostSource")).toBe("source");
    expect(model.discriminators.get("PassportElementError")).toBe("source");
    expect(model.discriminators.get("MessageOrigin")).toBe("type");
    expect(model.literals.get("ChatMemberBanned.status")).toBe("kicked");
    expect(model.literals.get("InlineQueryResultCachedPhoto.type")).toBe("photo");
    expect(model.discriminators.size).toBe(24);
  });

  it("extracts the enumerations the spec states", () => {
    const model = buildModel(spec);
    expect(model.enums.get("Chat.type")).toEqual(["private", "group", "supergroup", "channel"]);
    expect(model.enums.get("MessageEntity.type")).toContain("expandable_blockquote");
    expect(model.enums.get("sendChatAction.action")).toContain("upload_video_note");
    expect(model.enums.has("EncryptedPassportElement.data")).toBe(false);
  });

  it("fails loudly when a discriminator constant cannot be found", () => {
    const broken = structuredClone(spec);
    const field = broken.types.ChatMemberOwner!.fields!.find((f) => f.name === "status")!;
    field.description = "The member's status in the chat";
    expect(() => generate(broken)).toThrow(CodegenError);
    expect(() => generate(broken)).toThrow(/ChatMemberOwner\.status/);
  });

  it("fails loudly on an unknown type name", () => {
    const broken = structuredClone(spec);
    broken.types.Message!.fields![0]!.types = ["Mystery"];
    expect(() => generate(broken)).toThrow(/unknown type Mystery/);
  });

  it("copes with what Bot API 10.3 brings", () => {
    const model = buildModel(spec);
    expect(spec.types.EphemeralMessageParameters!.description).toBeUndefined();
    expect(files["types.ts"]).toContain("export interface EphemeralMessageParameters {");
    expect(model.discriminators.get("InputRichBlock")).toBe("type");
    expect(model.literals.get("InputRichBlockParagraph.type")).toBe("paragraph");
    expect(files["types.ts"]).toMatch(
      /export interface ReplyParameters \{[^}]*\n {2}message_id\?: number;/,
    );
    expect(files["update-kinds.ts"]).toContain('subscription: "BotSubscriptionUpdated"');
    expect(files["update-kinds.ts"]).toContain(
      'stopped_message_generation: "MessageGenerationStopped"',
    );
  });

  it("generates from entries and fields that carry no description", () => {
    const bare = structuredClone(spec);
    for (const entry of [...Object.values(bare.types), ...Object.values(bare.methods)]) {
      delete entry.description;
    }
    for (const f of bare.types.User!.fields!) delete f.description;
    expect(generate(bare)["types.ts"]).toBe(files["types.ts"]);
  });

  it("rejects something that is not a spec", () => {
    expect(() => generate({ hello: 1 })).toThrow(CodegenError);
  });

  it("copies no description prose into the output", () => {
    const all = Object.values(files).join("\n");
    expect(all).not.toContain("Use this method to send text messages");
    expect(all).not.toContain("This object represents a message");
  });
});
