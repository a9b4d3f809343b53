import { METHOD_SPECS, type MethodName } from "@bot/types";
import { chatMethods } from "./chats.js";
import type { MethodHandler } from "./context.js";
import { mediaMethods } from "./media.js";
import { messageMethods } from "./messages.js";
import { paymentMethods } from "./payments.js";
import { profileMethods } from "./profile.js";
import { receivingMethods } from "./receiving.js";

/** A method the emulator knows by name. */
export interface MethodEntry {
  /** The canonical (spec) name. */
  readonly name: MethodName;
  /** The implementation, or `undefined` when the emulator does not support it. */
  readonly handler: MethodHandler | undefined;
}

const handlers: Record<string, MethodHandler> = {
  ...receivingMethods,
  ...messageMethods,
  ...mediaMethods,
  ...chatMethods,
  ...paymentMethods,
  ...profileMethods,
};

/** Every Bot API method by lower-case name. */
export const METHODS: ReadonlyMap<string, MethodEntry> = new Map(
  (Object.keys(METHOD_SPECS) as MethodName[]).map((name) => [
    name.toLowerCase(),
    { name, handler: handlers[name] },
  ]),
);

/**
 * The names of the methods the emulator implements.
 *
 * @returns Canonical method names.
 */
export function supportedMethods(): MethodName[] {
  return [...METHODS.values()].filter((m) => m.handler !== undefined).map((m) => m.name);
}
