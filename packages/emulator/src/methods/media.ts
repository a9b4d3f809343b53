import type { Message, PhotoSize, File as TgFile } from "@bot/types";
import { isUpload } from "../body.js";
import { ApiFailure, badRequest } from "../errors.js";
import { optString } from "../params.js";
import type { FileRecord, World } from "../state.js";
import { formattedText, sendAsBot, targetChat } from "./common.js";
import type { CallContext, MethodHandler } from "./context.js";

const MIME: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  pdf: "application/pdf",
  zip: "application/zip",
  webp: "image/webp",
  mp4: "video/mp4",
  ogg: "audio/ogg",
  mp3: "audio/mpeg",
  txt: "text/plain",
};

/**
 * Turns an upload, a `file_id` or an HTTP URL into a stored file.
 *
 * @param world The world.
 * @param value The parameter value (after `attach://` resolution).
 * @param kind The storage folder (`photos`, `documents`, ...).
 * @param raw All parameters, for `attach://` parts.
 * @returns The file record.
 */
export function resolveFile(
  world: World,
  value: unknown,
  kind: string,
  raw: Record<string, unknown>,
): FileRecord {
  let v = value;
  if (typeof v === "string" && v.startsWith("attach://")) {
    v = raw[v.slice("attach://".length)];
    if (!isUpload(v)) throw badRequest(`file "${String(value)}" not found in the request`);
  }
  if (isUpload(v)) {
    const limit = kind === "photos" ? 10 * 1024 * 1024 : 50 * 1024 * 1024;
    if (v.data.length === 0) throw badRequest("file must be non-empty");
    if (v.data.length > limit) throw new ApiFailure(413, "Request Entity Too Large");
    return world.addFile(v.data, kind, v.filename, v.mimeType);
  }
  if (typeof v !== "string" || v === "") throw badRequest("there is no file in the request");
  const known = world.files.get(v);
  if (known !== undefined) return known;
  if (/^https?:\/\//i.test(v)) {
    const name = new URL(v).pathname.split("/").pop() || "file";
    const ext = name.split(".").pop()?.toLowerCase() ?? "";
    return world.addFile(undefined, kind, name, MIME[ext] ?? "application/octet-stream");
  }
  throw badRequest("wrong file identifier/HTTP URL specified");
}

function imageSize(data: Buffer | undefined): { width: number; height: number } {
  if (data !== undefined && data.length >= 24 && data.readUInt32BE(0) === 0x89504e47) {
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  }
  return { width: 512, height: 512 };
}

/**
 * The `PhotoSize` list of a stored photo.
 *
 * @param file The file.
 * @returns One size, the original.
 */
export function photoSizes(file: FileRecord): PhotoSize[] {
  return [
    {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_size: file.file_size,
      ...imageSize(file.data),
    },
  ];
}

function caption(ctx: CallContext): Partial<Message> {
  const f = formattedText(ctx.params, "caption", 1024, ctx.world.users);
  const out: Partial<Message> = {};
  if (f !== undefined && f.text !== "") out.caption = f.text;
  if (f !== undefined && f.entities.length > 0) out.caption_entities = f.entities;
  return out;
}

function base(file: FileRecord): { file_id: string; file_unique_id: string; file_size: number } {
  return { file_id: file.file_id, file_unique_id: file.file_unique_id, file_size: file.file_size };
}

function media(
  kind: "photo" | "document" | "audio" | "video" | "animation" | "voice" | "sticker",
  file: FileRecord,
): Partial<Message> {
  switch (kind) {
    case "photo":
      return { photo: photoSizes(file) };
    case "document":
      return { document: { ...base(file), file_name: file.fileName, mime_type: file.mimeType } };
    case "audio":
      return {
        audio: { ...base(file), duration: 0, file_name: file.fileName, mime_type: file.mimeType },
      };
    case "video":
      return {
        video: { ...base(file), width: 640, height: 360, duration: 0, mime_type: file.mimeType },
      };
    case "animation":
      return {
        animation: {
          ...base(file),
          width: 320,
          height: 320,
          duration: 0,
          mime_type: file.mimeType,
        },
      };
    case "voice":
      return { voice: { ...base(file), duration: 0, mime_type: file.mimeType } };
    case "sticker":
      return {
        sticker: {
          ...base(file),
          type: "regular",
          width: 512,
          height: 512,
          is_animated: false,
          is_video: false,
        },
      };
  }
}

const FOLDERS = {
  photo: "photos",
  document: "documents",
  audio: "music",
  video: "videos",
  animation: "animations",
  voice: "voice",
  sticker: "stickers",
} as const;

function sendMedia(kind: keyof typeof FOLDERS): MethodHandler {
  return (ctx) => {
    const record = targetChat(ctx);
    const file = resolveFile(ctx.world, ctx.params[kind], FOLDERS[kind], ctx.params);
    const content = { ...media(kind, file), ...(kind === "sticker" ? {} : caption(ctx)) };
    if (kind === "sticker") {
      const emoji = optString(ctx.params, "emoji");
      if (emoji !== undefined && content.sticker !== undefined) content.sticker.emoji = emoji;
    }
    return sendAsBot(ctx, record, content);
  };
}

function sendMediaGroup(ctx: CallContext): Message[] {
  const record = targetChat(ctx);
  const items = ctx.params.media;
  if (!Array.isArray(items)) throw badRequest("can't parse media JSON object");
  if (items.length < 2 || items.length > 10)
    throw badRequest("Too much messages to send as an album");
  const kinds = new Set<string>();
  const prepared = items.map((item) => {
    if (typeof item !== "object" || item === null)
      throw badRequest("can't parse InputMedia JSON object");
    const it = item as Record<string, unknown>;
    const type = it.type;
    if (type !== "photo" && type !== "video" && type !== "document" && type !== "audio")
      throw badRequest("unsupported media type in an album");
    const kind: "photo" | "video" | "document" | "audio" = type;
    kinds.add(type === "photo" || type === "video" ? "visual" : type);
    return { type: kind, it };
  });
  if (kinds.size > 1)
    throw badRequest("documents and audio can't be mixed with other media types in an album");
  const groupId = String(Date.now()) + String(Math.floor(Math.random() * 1e6));
  const messages: Message[] = [];
  for (const { type, it } of prepared) {
    const file = resolveFile(ctx.world, it.media, FOLDERS[type], ctx.params);
    const itemCtx = {
      ...ctx,
      params: {
        ...ctx.params,
        caption: it.caption,
        parse_mode: it.parse_mode,
        caption_entities: it.caption_entities,
        reply_markup: undefined,
      },
    };
    const content: Partial<Message> = {
      ...media(type, file),
      ...caption(itemCtx),
      media_group_id: groupId,
    };
    messages.push(sendAsBot(itemCtx, record, content));
  }
  return messages;
}

function getFile(ctx: CallContext): TgFile {
  const id = optString(ctx.params, "file_id") ?? "";
  const file = ctx.world.files.get(id);
  if (file === undefined) throw badRequest("invalid file_id");
  if (file.file_size > 20 * 1024 * 1024) throw badRequest("file is too big");
  return {
    file_id: file.file_id,
    file_unique_id: file.file_unique_id,
    file_size: file.file_size,
    file_path: file.file_path,
  };
}

/** Sending files and albums, and `getFile`. */
export const mediaMethods: Record<string, MethodHandler> = {
  sendPhoto: sendMedia("photo"),
  sendDocument: sendMedia("document"),
  sendAudio: sendMedia("audio"),
  sendVideo: sendMedia("video"),
  sendAnimation: sendMedia("animation"),
  sendVoice: sendMedia("voice"),
  sendSticker: sendMedia("sticker"),
  sendMediaGroup,
  getFile,
};
