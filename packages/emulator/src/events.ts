import type { Message, ReactionType, ShippingOption } from "@bot/types";

/** Something that happened in the emulator, in the order it happened. */
export type EmulatorEvent =
  | {
      readonly type: "message";
      readonly botId: number;
      readonly chatId: number;
      readonly message: Message;
    }
  | {
      readonly type: "edit";
      readonly botId: number;
      readonly chatId: number;
      readonly message: Message;
    }
  | {
      readonly type: "delete";
      readonly botId: number;
      readonly chatId: number;
      readonly messageId: number;
      readonly message: Message;
    }
  | {
      readonly type: "user_message";
      readonly botId: number;
      readonly chatId: number;
      readonly message: Message;
    }
  | {
      readonly type: "user_vote";
      readonly botId: number;
      readonly chatId: number;
      readonly pollId: string;
      readonly userId: number;
      /** The chosen options (empty: the vote was retracted). */
      readonly optionIds: readonly number[];
    }
  | {
      readonly type: "shipping_answer";
      readonly botId: number;
      readonly queryId: string;
      readonly ok: boolean;
      readonly shippingOptions: readonly ShippingOption[] | undefined;
      readonly errorMessage: string | undefined;
    }
  | {
      readonly type: "pre_checkout_answer";
      readonly botId: number;
      readonly queryId: string;
      readonly ok: boolean;
      readonly errorMessage: string | undefined;
    }
  | {
      readonly type: "callback_answer";
      readonly botId: number;
      readonly queryId: string;
      readonly text: string | undefined;
      readonly showAlert: boolean;
      readonly url: string | undefined;
    }
  | {
      readonly type: "inline_answer";
      readonly botId: number;
      readonly queryId: string;
      readonly results: readonly unknown[];
      readonly params: Readonly<Record<string, unknown>>;
    }
  | {
      /** The bot set its reactions on a message (`setMessageReaction`; empty: removed them). */
      readonly type: "reaction";
      readonly botId: number;
      readonly chatId: number;
      readonly messageId: number;
      readonly reaction: readonly ReactionType[];
      readonly isBig: boolean;
    }
  | {
      readonly type: "chat_action";
      readonly botId: number;
      readonly chatId: number;
      readonly action: string;
    }
  | {
      readonly type: "webhook_attempt";
      readonly botId: number;
      readonly updateId: number;
      /** `undefined` when the receiver answered 2xx in time, else the `last_error_message`. */
      readonly error: string | undefined;
    };

/** A listener of {@link EmulatorEvent}s. */
export type EventListener = (event: EmulatorEvent) => void;

/** The ordered event log with listeners. */
export class EventLog {
  readonly #events: EmulatorEvent[] = [];
  readonly #listeners = new Set<EventListener>();
  readonly #limit: number;

  /**
   * Creates a log.
   *
   * @param limit How many events to keep (older ones are forgotten).
   */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * Records an event and tells the listeners.
   *
   * @param event The event.
   */
  emit(event: EmulatorEvent): void {
    this.#events.push(event);
    // Trim in chunks so a full log costs O(1) per event on average.
    if (this.#events.length >= this.#limit * 2)
      this.#events.splice(0, this.#events.length - this.#limit);
    if (this.#listeners.size === 0) return;
    for (const l of [...this.#listeners]) l(event);
  }

  /**
   * Listens to future events.
   *
   * @param listener The listener.
   * @returns A function that removes it.
   */
  on(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The kept events, oldest first.
   *
   * @returns A copy of the log.
   */
  all(): EmulatorEvent[] {
    return this.#events.slice(-this.#limit);
  }
}
