/**
 * Downloads of files found with `getFile`, from the Bot API's file endpoint or, with a local Bot
 * API server, from the absolute path it returns (confined to `localFileRoot`).
 */
import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { isAbsolute, sep } from "node:path";
import type { Readable } from "node:stream";
import type { File } from "@bot/types";
import type { Dispatcher } from "undici";
import { AbortError, ApiError, InputError, NetworkError, TimeoutError } from "./errors.js";

/** What a download needs. */
export interface DownloadContext {
  readonly token: string;
  readonly origin: string;
  readonly pathPrefix: string;
  readonly localServer: boolean;
  /** With `localServer`, the only directory absolute paths may be read from. */
  readonly localFileRoot: string | undefined;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Opens a file's bytes.
 *
 * @param file The `File` from `getFile`.
 * @param ctx Where and how to fetch it.
 * @returns A stream of the bytes.
 */
export async function openDownload(file: File, ctx: DownloadContext): Promise<Readable> {
  const path = file?.file_path;
  if (typeof path !== "string" || path.length === 0) {
    throw new InputError(
      "@bot/client: this File has no file_path to download (call getFile again)",
    );
  }
  if (ctx.localServer && isAbsolute(path)) return openLocal(path, ctx.localFileRoot);
  if (path.includes("..") || path.startsWith("/")) {
    throw new InputError("@bot/client: refusing a file_path that leaves the file endpoint");
  }
  if (ctx.signal?.aborted) throw new AbortError("download", ctx.signal.reason);
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(new AbortError("download", ctx.signal?.reason));
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new TimeoutError("download", ctx.timeoutMs)),
    ctx.timeoutMs,
  );
  try {
    const encoded = path.split("/").map(encodeURIComponent).join("/");
    const response = await ctx.dispatcher.request({
      origin: ctx.origin,
      path: `${ctx.pathPrefix}/file/bot${ctx.token}/${encoded}`,
      method: "GET",
      signal: controller.signal,
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await response.body.text().catch(() => "");
      let description = `HTTP ${response.statusCode}`;
      try {
        const parsed = JSON.parse(text) as { description?: unknown };
        if (typeof parsed.description === "string") description = parsed.description;
      } catch {
        // not a Bot API reply: keep the status line
      }
      throw new ApiError({ method: "download", errorCode: response.statusCode, description });
    }
    response.body.once("end", () => clearTimeout(timer));
    response.body.once("error", () => clearTimeout(timer));
    return response.body;
  } catch (error) {
    clearTimeout(timer);
    const reason = controller.signal.reason;
    if (
      controller.signal.aborted &&
      (reason instanceof AbortError || reason instanceof TimeoutError)
    ) {
      throw reason;
    }
    if (error instanceof ApiError) throw error;
    throw new NetworkError("download", "the download failed", true, { cause: error });
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Opens an absolute path returned by a local Bot API server, if it lies inside `root`: the path
 * may hold no `..` segment, and its real path (symlinks resolved) must be inside the real path of
 * `root`. The file is opened without following a final symlink and must be a regular file, so
 * `/proc/self/environ`, `/dev/zero` or a link planted in the root to `/etc/passwd` are refused.
 *
 * @param path The absolute `file_path`.
 * @param root The configured `localFileRoot`, or `undefined` (then every absolute path is refused).
 * @returns A stream of the file.
 */
async function openLocal(path: string, root: string | undefined): Promise<Readable> {
  if (root === undefined) {
    throw new InputError(
      "@bot/client: the local Bot API server returned an absolute file_path; set the client option localFileRoot (the server's --dir) to allow reading it",
    );
  }
  if (path.split(/[\\/]/).includes("..")) {
    throw new InputError("@bot/client: refusing a local file_path with a '..' segment");
  }
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(path);
  } catch (error) {
    throw new InputError("@bot/client: cannot read the local file", { cause: error });
  }
  const inside = realRoot.endsWith(sep) ? realRoot : `${realRoot}${sep}`;
  if (!real.startsWith(inside)) {
    throw new InputError("@bot/client: refusing a local file_path outside localFileRoot");
  }
  let handle: import("node:fs/promises").FileHandle;
  try {
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    throw new InputError("@bot/client: cannot read the local file", { cause: error });
  }
  const stats = await handle.stat().catch(() => undefined);
  if (!stats?.isFile()) {
    await handle.close().catch(() => undefined);
    throw new InputError("@bot/client: refusing a local file_path that is not a regular file");
  }
  return handle.createReadStream();
}
