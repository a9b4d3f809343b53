/**
 * The built site in real Chromium (Debian's /usr/bin/chromium through playwright-core; no
 * browser is ever downloaded): serve docs/.vitepress/dist on 127.0.0.1, open the home page,
 * search, follow a result, follow a link, and keep a screenshot in docs/.artifacts/.
 * Builds the site first (`pnpm docs:build`) when it is not built.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";

const docs = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(docs, ".vitepress", "dist");
const artifacts = join(docs, ".artifacts");
const CHROMIUM = "/usr/bin/chromium";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".woff2": "font/woff2",
  ".png": "image/png",
};

/** A static server for the built site, with VitePress's clean URLs (`/guide/x` -> x.html). */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const candidates = [path, `${path}.html`, join(path, "index.html")].map((p) => join(root, p));
    const file = candidates.find(
      (f) => f.startsWith(root) && existsSync(f) && statSync(f).isFile(),
    );
    if (!file) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

let server: Server;
let browser: Browser;
let base: string;

beforeAll(async () => {
  if (!existsSync(join(dist, "index.html"))) {
    // What `pnpm docs:build` runs, with this Node (no pnpm needed on PATH).
    for (const args of [
      ["scripts/api.ts"],
      ["scripts/examples.ts"],
      ["node_modules/vitepress/bin/vitepress.js", "build", "."],
    ]) {
      execFileSync(process.execPath, args, { cwd: docs, stdio: "inherit" });
    }
  }
  server = await serve(dist);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 600_000); // a cold build on a busy 2-core machine
afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => server?.close(ok));
});

it("opens the site, searches, follows links and takes a screenshot", async () => {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  // Nothing may leave 127.0.0.1: the site is static and offline.
  const outside: string[] = [];
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1") return route.continue();
    outside.push(url.href);
    return route.abort();
  });
  mkdirSync(artifacts, { recursive: true });
  try {
    await walk(page);
  } catch (error) {
    await page.screenshot({ path: join(artifacts, "docs-site-failure.png") });
    throw error;
  }
  expect(outside).toEqual([]);
  await page.close();
});

async function walk(page: Page): Promise<void> {
  await page.goto(`${base}/`);
  await expect.poll(() => page.title()).toContain("@bot");

  // The local search (VitePress's built-in MiniSearch index): find the webhooks guide.
  await page
    .getByRole("button", { name: /search/i })
    .first()
    .click();
  const input = page.getByPlaceholder(/search/i);
  await input.fill("secretToken delivery");
  const result = page.locator(".VPLocalSearchBox a.result[href^='/guide/webhooks']").first();
  await result.waitFor();
  await result.click();
  await page.waitForURL(/\/guide\/webhooks/);
  await expect.poll(() => page.locator("h1").first().textContent()).toMatch(/Webhooks/);

  // Follow a link inside the page's content to another page of the site.
  await page.locator(".vp-doc a", { hasText: "long polling" }).first().click();
  await page.waitForURL(/\/guide\/polling/);
  await expect.poll(() => page.locator("h1").first().textContent()).toMatch(/Long polling/);
  // The code on the page is the snippet file, highlighted.
  expect(await page.locator(".vp-doc div[class*='language-ts'] pre").count()).toBeGreaterThan(0);

  const shot = join(artifacts, "docs-site.png");
  await page.screenshot({ path: shot, fullPage: false });
  expect(statSync(shot).size).toBeGreaterThan(10_000);
}
