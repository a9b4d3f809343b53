import { describe, expectTypeOf, it } from "vitest";
import type {
  ApiMethods,
  ChatMember,
  ChatMemberAdministrator,
  ChatMemberBanned,
  InaccessibleMessage,
  InputFile,
  InputMessageContent,
  MaybeInaccessibleMessage,
  Message,
  MessageOrigin,
  MessageOriginChannel,
  MessageOriginUser,
  MethodName,
  MethodParams,
  MethodResult,
  ParseMode,
  PassportElementError,
  SendMessageParams,
  SendPhotoParams,
  Update,
  UpdateKind,
  User,
} from "../src/index.ts";

describe("discriminated unions", () => {
  it("narrows ChatMember by status", () => {
    const m = {} as ChatMember;
    if (m.status === "administrator") expectTypeOf(m).toEqualTypeOf<ChatMemberAdministrator>();
    if (m.status === "kicked") {
      expectTypeOf(m).toEqualTypeOf<ChatMemberBanned>();
      expectTypeOf(m.until_date).toBeNumber();
    }
    if (m.status === "creator") {
      // @ts-expect-error the owner has no until_date: it belongs to another member
      m.until_date;
    }
    expectTypeOf<ChatMember["status"]>().toEqualTypeOf<
      "creator" | "administrator" | "member" | "restricted" | "left" | "kicked"
    >();
  });

  it("narrows MessageOrigin by type", () => {
    const o = {} as MessageOrigin;
    if (o.type === "user") expectTypeOf(o).toEqualTypeOf<MessageOriginUser>();
    if (o.type === "channel") {
      expectTypeOf(o).toEqualTypeOf<MessageOriginChannel>();
      expectTypeOf(o.message_id).toBeNumber();
    }
    if (o.type === "hidden_user") {
      // @ts-expect-error sender_user belongs to MessageOriginUser only
      o.sender_user;
    }
  });

  it("discriminates PassportElementError by source", () => {
    expectTypeOf<PassportElementError["source"]>().toEqualTypeOf<
      | "data"
      | "front_side"
      | "reverse_side"
      | "selfie"
      | "file"
      | "files"
      | "translation_file"
      | "translation_files"
      | "unspecified"
    >();
  });

  it("tells inaccessible messages apart by date", () => {
    expectTypeOf<MaybeInaccessibleMessage>().toEqualTypeOf<Message | InaccessibleMessage>();
    expectTypeOf<InaccessibleMessage["date"]>().toEqualTypeOf<0>();
  });

  it("has no discriminator on InputMessageContent", () => {
    expectTypeOf<InputMessageContent>().not.toHaveProperty("type");
  });
});

describe("the method map", () => {
  it("maps methods to params and results", () => {
    expectTypeOf<MethodParams<"sendMessage">>().toEqualTypeOf<SendMessageParams>();
    expectTypeOf<MethodResult<"sendMessage">>().toEqualTypeOf<Message>();
    expectTypeOf<MethodResult<"getMe">>().toEqualTypeOf<User>();
    expectTypeOf<MethodResult<"getUpdates">>().toEqualTypeOf<Update[]>();
    expectTypeOf<MethodResult<"editMessageText">>().toEqualTypeOf<Message | true>();
    expectTypeOf<MethodResult<"deleteMessage">>().toEqualTypeOf<true>();
    expectTypeOf<"sendMessage">().toExtend<MethodName>();
    expectTypeOf<"sendMesage">().not.toExtend<MethodName>();
    expectTypeOf<keyof ApiMethods>().toEqualTypeOf<MethodName>();
  });

  it("types params: unions, optional fields, InputFile", () => {
    expectTypeOf<SendMessageParams["chat_id"]>().toEqualTypeOf<number | string>();
    expectTypeOf<SendMessageParams["parse_mode"]>().toEqualTypeOf<ParseMode | undefined>();
    expectTypeOf<SendPhotoParams["photo"]>().toEqualTypeOf<InputFile | string>();
    const ok: SendMessageParams = { chat_id: 1, text: "hi" };
    expectTypeOf(ok).toEqualTypeOf<SendMessageParams>();
    // @ts-expect-error text is required
    const missing: SendMessageParams = { chat_id: 1 };
    // @ts-expect-error no such parameter
    const extra: SendMessageParams = { chat_id: 1, text: "hi", txet: "typo" };
    // @ts-expect-error parse_mode is a literal union
    const badMode: SendMessageParams = { chat_id: 1, text: "hi", parse_mode: "markdown" };
    // @ts-expect-error getMe takes no parameters
    const noParams: MethodParams<"getMe"> = { foo: 1 };
    void [missing, extra, badMode, noParams];
  });

  it("types optional fields of received objects as optional", () => {
    expectTypeOf<Message["text"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Message["message_id"]>().toEqualTypeOf<number>();
    expectTypeOf<Update["message"]>().toEqualTypeOf<Message | undefined>();
    expectTypeOf<"callback_query">().toExtend<UpdateKind>();
    expectTypeOf<"update_id">().not.toExtend<UpdateKind>();
  });
});
