/**
 * Which network addresses `InputFile.fromUrl(url, { upload: true })` may fetch from, and an undici
 * dispatcher that enforces it on the address actually connected to (after DNS resolution, so a
 * name that resolves, or later re-resolves, to a private address is refused too).
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction, type Socket } from "node:net";
import { Agent, buildConnector, type Dispatcher } from "undici";
import { UploadSourceError } from "./errors.js";

type V4 = readonly [number, number, number, number];

/** IPv4 ranges that are not the public internet: [first octets, prefix length]. */
const BLOCKED_V4: readonly (readonly [V4, number])[] = [
  [[0, 0, 0, 0], 8], // "this network"
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata services live here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, and 255.255.255.255
];

function parseV4(text: string): V4 | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? (octets as unknown as V4) : undefined;
}

function v4Blocked(ip: V4): boolean {
  const value = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
  return BLOCKED_V4.some(([base, bits]) => {
    const b = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (value & mask) >>> 0 === (b & mask) >>> 0;
  });
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or `undefined`. */
function parseV6(text: string): number[] | undefined {
  let s = text.split("%")[0] as string;
  const groups: number[] = [];
  const tail = s.lastIndexOf(":");
  if (s.slice(tail + 1).includes(".")) {
    const v4 = parseV4(s.slice(tail + 1));
    if (!v4) return undefined;
    s = `${s.slice(0, tail + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const read = (h: string) => (h === "" ? [] : h.split(":").map((g) => Number.parseInt(g, 16)));
  const head = read(halves[0] as string);
  const rest = halves.length === 2 ? read(halves[1] as string) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0) return undefined;
  groups.push(...head, ...new Array<number>(fill).fill(0), ...rest);
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) return undefined;
  return groups;
}

function embeddedV4(hi: number, lo: number): V4 {
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function v6Blocked(g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return true; // ::
  if (zeroTo(7) && i === 1) return true; // ::1
  if (zeroTo(5) && f === 0xffff) return v4Blocked(embeddedV4(h, i)); // ::ffff:a.b.c.d (mapped)
  if (zeroTo(6)) return v4Blocked(embeddedV4(h, i)); // ::a.b.c.d (compatible, deprecated)
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) {
    return v4Blocked(embeddedV4(h, i)); // 64:ff9b::/96 (NAT64)
  }
  if (a === 0x2002) return v4Blocked(embeddedV4(b, c)); // 6to4
  if ((a & 0xfe00) === 0xfc00) return true; // fc00::/7 unique local
  if ((a & 0xffc0) === 0xfe80) return true; // fe80::/10 link-local
  if ((a & 0xffc0) === 0xfec0) return true; // fec0::/10 site-local (deprecated)
  if ((a & 0xff00) === 0xff00) return true; // multicast
  if (a === 0x2001 && b === 0x0db8) return true; // documentation
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return true; // discard-only
  return false;
}

/**
 * Tells whether an IP address is outside the public internet: loopback, private, link-local,
 * carrier-grade NAT, multicast, documentation or reserved, for IPv4 and IPv6, including IPv4
 * addresses embedded in IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4).
 *
 * @param address An IPv4 or IPv6 address in text form.
 * @returns `true` when the address must not be fetched from by default; also for text that is
 *   not an address.
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address.split("%")[0] as string);
  if (family === 4) return v4Blocked(parseV4(address) as V4);
  if (family === 6) {
    const groups = parseV6(address);
    return groups === undefined || v6Blocked(groups);
  }
  return true;
}

function blocked(host: string, address: string): UploadSourceError {
  return new UploadSourceError(
    "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED",
    `@bot/client: refusing to fetch an upload from ${host}: it resolves to a non-public address (${address}); pass allowPrivateNetworks: true to allow it`,
  );
}

/** A `dns.lookup` that drops non-public addresses and fails when none is left. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
    if (error) return callback(error, "", 0);
    const allowed = found.filter((a) => !isNonPublicAddress(a.address));
    if (allowed.length === 0) {
      return callback(blocked(hostname, found[0]?.address ?? "none"), "", 0);
    }
    if (options.all)
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    const first = allowed[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
};

let guarded: Dispatcher | undefined;

/**
 * The dispatcher used by `fromUrl(..., { upload: true })` by default. It resolves names with a
 * lookup that drops non-public addresses, and checks the socket's remote address once connected
 * (an IP literal skips the lookup), so DNS rebinding cannot reach a private address. Redirects are
 * not followed.
 *
 * @returns The shared dispatcher.
 */
export function publicOnlyDispatcher(): Dispatcher {
  if (guarded) return guarded;
  const base = buildConnector({ lookup: publicLookup } as buildConnector.BuildOptions);
  const connect: buildConnector.connector = (options, callback) =>
    base(options, (error, socket) => {
      if (error) return callback(error, null);
      const address = (socket as Socket).remoteAddress ?? "";
      if (isNonPublicAddress(address)) {
        socket.destroy();
        return callback(blocked(options.hostname, address), null);
      }
      return callback(null, socket);
    });
  guarded = new Agent({ connect, connections: 8 });
  return guarded;
}
