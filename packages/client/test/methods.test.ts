import { METHOD_SPECS, type MethodName } from "@bot/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InputFile } from "../src/index.js";
import { type FakeServer, startFakeServer } from "./fake-server.js";

const TOKEN = "4242:methods-token";
const METHODS = Object.keys(METHOD_SPECS) as MethodName[];

/** A sample value for one spec type string ("Integer", "Array of String", "Message", ...). */
function sample(type: string, name: string): unknown {
  if (type.startsWith("Array of ")) return [sample(type.slice("Array of ".length), name)];
  switch (type) {
    case "Integer":
      return 7;
    case "Float":
      return 1.5;
    case "Boolean":
    case "True":
      return true;
    case "String":
    case "InputFile":
      return `${name}-value "quoted" ünïcode`;
    default:
      return { type: "sample", of: type, nested: { list: [1, "two"] } };
  }
}

function sampleParams(method: MethodName): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const p of METHOD_SPECS[method].params) {
    const type = p.types.find((t) => t !== "InputFile") ?? (p.types[0] as string);
    params[p.name] = sample(type, p.name);
  }
  return params;
}

let server: FakeServer;
let client: Client;
beforeAll(async () => {
  server = await startFakeServer((call) => ({ body: { ok: true, result: { echo: call.method } } }));
  client = new Client(TOKEN, { apiRoot: server.url });
});
afterAll(async () => {
  await client.close();
  await server.close();
});

describe("every method of the spec", () => {
  it("has 185 methods in the table", () => {
    expect(METHODS).toHaveLength(185);
  });

  it.each(METHODS)("%s is reachable and sends its params as JSON", async (method) => {
    const params = sampleParams(method);
    const before = server.calls.length;
    const fn =
      method === "close" ? undefined : (client as unknown as Record<string, unknown>)[method];
    const result =
      typeof fn === "function"
        ? await (fn as (p: unknown) => Promise<unknown>).call(client, params)
        : await client.raw(method, params);
    expect(result).toEqual({ echo: method });
    expect(server.calls).toHaveLength(before + 1);
    const call = server.calls[before];
    expect(call?.method).toBe(method);
    expect(call?.token).toBe(TOKEN);
    expect(call?.httpMethod).toBe("POST");
    expect(call?.contentType).toBe("application/json");
    expect(call?.params).toEqual(JSON.parse(JSON.stringify(params)));
    expect(call?.files).toEqual({});
  });

  it("exposes every method but close as a function; close() releases the client", () => {
    for (const method of METHODS) {
      if (method === "close") continue;
      expect(typeof (client as unknown as Record<string, unknown>)[method], method).toBe(
        "function",
      );
    }
    expect(Client.prototype.close.length).toBe(0);
  });

  it("reaches the Bot API close method through call()", async () => {
    const before = server.calls.length;
    await client.call("close");
    expect(server.calls[before]?.method).toBe("close");
  });

  it("sends no body for a call without params", async () => {
    const before = server.calls.length;
    await client.getMe();
    expect(server.calls[before]).toMatchObject({ method: "getMe", contentType: "", params: {} });
  });

  it("reaches methods newer than the types with raw()", async () => {
    const before = server.calls.length;
    await expect(client.raw("sendHologram", { chat_id: 1, depth: 3 })).resolves.toEqual({
      echo: "sendHologram",
    });
    expect(server.calls[before]?.params).toEqual({ chat_id: 1, depth: 3 });
    await expect(client.raw("../getMe")).rejects.toMatchObject({ code: "BOT_CLIENT_INPUT" });
    await expect(client.call("getMe/../x" as "getMe")).rejects.toMatchObject({
      code: "BOT_CLIENT_INPUT",
    });
    expect(server.calls).toHaveLength(before + 1);
  });
});

const FILE_PARAMS = METHODS.flatMap((method) =>
  METHOD_SPECS[method].params
    .filter((p) => p.types.includes("InputFile"))
    .map((p) => [method, p.name] as const),
);

describe("every top-level file parameter", () => {
  it("finds the file parameters of the spec", () => {
    expect(FILE_PARAMS.length).toBeGreaterThan(10);
  });

  it.each(FILE_PARAMS)("%s.%s uploads an InputFile as multipart", async (method, name) => {
    const params = sampleParams(method);
    params[name] = InputFile.fromBuffer(Buffer.from(`bytes of ${name}`), `${name}.bin`);
    const before = server.calls.length;
    await client.raw(method, params);
    const call = server.calls[before];
    expect(call?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(call?.files[name]?.filename).toBe(`${name}.bin`);
    expect(call?.files[name]?.data.toString()).toBe(`bytes of ${name}`);
    for (const [key, value] of Object.entries(params)) {
      if (key === name) continue;
      const field = call?.params[key];
      if (typeof value === "object") expect(JSON.parse(field as string), key).toEqual(value);
      else expect(field, key).toBe(String(value));
    }
  });
});
