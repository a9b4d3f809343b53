/**
 * A local Telegram Bot API server for tests and offline runs: bots, users, chats,
 * messages and files; getUpdates and webhooks as Telegram delivers them; fault
 * injection; and actors that play users.
 *
 * @module
 */
export {
  type ActorFile,
  type BotTarget,
  type ChatTarget,
  type NextMessageOptions,
  type PaymentOutcome,
  type PayOptions,
  type SendOptions,
  UserActor,
  type UserInit,
} from "./actors.js";
export {
  type Clock,
  ManualClock,
  systemClock,
  type TimerClock,
  type TimerHandle,
} from "./clock.js";
export {
  type ChatView,
  callChannel,
  createEmulator,
  Emulator,
  type EmulatorBot,
  type EmulatorChat,
  type WaitOptions,
} from "./emulator.js";
export { EmulatorError, type EmulatorErrorCode } from "./errors.js";
export type { EmulatorEvent } from "./events.js";
export type { Fault, FaultHandle, FaultRule } from "./faults.js";
export { supportedMethods } from "./methods/index.js";
export type { EmulatorOptions } from "./options.js";
export type { MemberStatus } from "./state.js";
export { CONFLICT } from "./updates.js";
