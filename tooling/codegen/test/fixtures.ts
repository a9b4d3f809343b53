import type { Spec } from "../src/index.ts";

/** A two-method, three-type spec small enough to read, valid for the generator. */
export function smallSpec(): Spec {
  return {
    version: "Bot API 1.0",
    release_date: "January 1, 2030",
    changelog: "https://core.telegram.org/bots/api#january-1-2030",
    methods: {
      getMe: {
        name: "getMe",
        href: "https://core.telegram.org/bots/api#getme",
        description: ["Returns the bot."],
        returns: ["User"],
      },
      sendPing: {
        name: "sendPing",
        href: "https://core.telegram.org/bots/api#sendping",
        description: ["Sends a ping. Returns True on success."],
        returns: ["Boolean"],
        fields: [
          { name: "chat_id", types: ["Integer", "String"], required: true, description: "Target" },
          { name: "count", types: ["Integer"], required: false, description: "How many" },
        ],
      },
    },
    types: {
      Update: {
        name: "Update",
        href: "https://core.telegram.org/bots/api#update",
        description: ["An update."],
        fields: [
          { name: "update_id", types: ["Integer"], required: true, description: "Id" },
          { name: "ping", types: ["Ping"], required: false, description: "Optional. A ping" },
        ],
      },
      User: {
        name: "User",
        href: "https://core.telegram.org/bots/api#user",
        description: ["A user."],
        fields: [
          { name: "id", types: ["Integer"], required: true, description: "Id" },
          { name: "first_name", types: ["String"], required: true, description: "Name" },
        ],
      },
      Ping: {
        name: "Ping",
        href: "https://core.telegram.org/bots/api#ping",
        description: ["A ping."],
        fields: [
          { name: "from", types: ["User"], required: true, description: "Sender" },
          { name: "strength", types: ["Float"], required: true, description: "Strength" },
        ],
      },
    },
  };
}

/** The same spec one release later: a method and a type added, a field changed and removed. */
export function smallSpecNext(): Spec {
  const spec = smallSpec();
  spec.version = "Bot API 1.1";
  const ping = spec.methods.sendPing!;
  ping.fields = [
    { name: "chat_id", types: ["Integer", "String"], required: true, description: "Target" },
    { name: "count", types: ["Integer"], required: true, description: "How many" },
    { name: "echo", types: ["Boolean"], required: false, description: "Echo it" },
  ];
  ping.returns = ["Ping"];
  spec.methods.sendPong = {
    name: "sendPong",
    href: "https://core.telegram.org/bots/api#sendpong",
    returns: ["Boolean"],
  };
  spec.types.Ping!.fields = [
    { name: "from", types: ["User"], required: true, description: "Sender" },
    { name: "strength", types: ["Integer"], required: true, description: "Strength" },
  ];
  delete spec.types.User!.fields![1];
  spec.types.User!.fields = spec.types.User!.fields!.filter(Boolean);
  spec.types.Pong = {
    name: "Pong",
    href: "https://core.telegram.org/bots/api#pong",
    fields: [{ name: "at", types: ["Integer"], required: true }],
  };
  return spec;
}
