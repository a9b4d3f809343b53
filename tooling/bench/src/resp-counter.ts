/**
 * A TCP proxy on 127.0.0.1 in front of Redis that counts the commands clients send (top-level
 * RESP arrays, so a Lua script is one command however many calls it makes inside): the
 * client-side round trips, whichever client library sends them. Used in a separate, untimed
 * pass of the Redis benchmark (the proxy costs latency).
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/** Counts the top-level RESP arrays in one client's byte stream (a streaming parser). */
class RespCounter {
  count = 0;
  /** What the parser waits for: an array header, a bulk header, or the bytes of a bulk. */
  #state: "array" | "bulk" | "data" = "array";
  #line = "";
  /** Bulk strings left in the current array. */
  #items = 0;
  /** Bytes left in the current bulk (its data plus CRLF). */
  #skip = 0;

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#state === "data") {
        const take = Math.min(this.#skip, chunk.length - i);
        this.#skip -= take;
        i += take;
        if (this.#skip === 0) this.#state = this.#items > 0 ? "bulk" : "array";
        continue;
      }
      const nl = chunk.indexOf(10, i);
      if (nl < 0) {
        this.#line += chunk.toString("latin1", i);
        return;
      }
      const line = (this.#line + chunk.toString("latin1", i, nl)).replace(/\r$/, "");
      this.#line = "";
      i = nl + 1;
      if (this.#state === "array") {
        if (line.startsWith("*")) {
          this.count += 1;
          this.#items = Number(line.slice(1));
          if (this.#items > 0) this.#state = "bulk";
        } else if (line.length > 0) {
          this.count += 1; // an inline command
        }
      } else {
        // `$<len>`
        this.#items -= 1;
        this.#skip = Number(line.slice(1)) + 2;
        this.#state = "data";
      }
    }
  }
}

/** The proxy; `commands` is the sum over every connection so far. */
export class CountingProxy {
  readonly #server: Server;
  readonly #counters = new Set<RespCounter>();
  readonly #sockets = new Set<Socket>();
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = tcpConnect(target.port, target.host);
      const counter = new RespCounter();
      this.#counters.add(counter);
      this.#sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.on("data", (chunk: Buffer) => {
        counter.feed(chunk);
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => client.write(chunk));
    });
  }

  /**
   * Starts a proxy on a free loopback port.
   *
   * @param target Where Redis listens.
   * @returns The listening proxy.
   */
  static async start(target: { host: string; port: number }): Promise<CountingProxy> {
    const p = new CountingProxy(target);
    await new Promise<void>((resolve) => p.#server.listen(0, "127.0.0.1", resolve));
    p.port = (p.#server.address() as { port: number }).port;
    return p;
  }

  /** Commands sent through the proxy so far. */
  get commands(): number {
    let n = 0;
    for (const c of this.#counters) n += c.count;
    return n;
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
