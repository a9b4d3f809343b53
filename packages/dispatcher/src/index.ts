/**
 * The @bot application: routing, filters with type narrowing, context,
 * sessions, conversations and long polling.
 *
 * @module
 */

// -- core: Bot, Composer, filters, Context (owned by src/core/) --

// -- runtime: Storage, sessions, scheduler, polling (owned by src/runtime/) --

// -- format: entities, escaping, keyboards (owned by src/format/) --
export {};
