import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of Redis that a test can pause: while paused it keeps the
 * connections open but forwards nothing, as a hung Redis (or a black-holed network) does.
 */
export class PausableProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #paused = false;
  /** Writes held back while paused, in order. */
  #held: (() => void)[] = [];
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = tcpConnect(target.port, target.host);
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.#pairs.delete(pair);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      const forward = (from: Socket, to: Socket) =>
        from.on("data", (chunk: Buffer) => {
          if (this.#paused) this.#held.push(() => to.write(chunk));
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
    });
  }

  /**
   * Starts a proxy.
   *
   * @param target Where Redis listens.
   * @param port The port to listen on (default: any free one).
   * @returns The listening proxy.
   */
  static async start(target = { host: "127.0.0.1", port: 6379 }, port = 0): Promise<PausableProxy> {
    const p = new PausableProxy(target);
    await new Promise<void>((resolve, reject) => {
      p.#server.once("error", reject);
      p.#server.listen(port, "127.0.0.1", resolve);
    });
    p.port = (p.#server.address() as { port: number }).port;
    return p;
  }

  /** Stops forwarding in both directions (connections stay open). */
  pause(): void {
    this.#paused = true;
  }

  /** Forwards again. */
  resume(): void {
    this.#paused = false;
    const held = this.#held;
    this.#held = [];
    for (const write of held) write();
  }

  /** Closes every connection and the listener. */
  async close(): Promise<void> {
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
