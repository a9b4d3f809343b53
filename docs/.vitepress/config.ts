import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type DefaultTheme, defineConfig } from "vitepress";
import { apiPackages } from "./packages.ts";
import { deadRepoLinks, REPO_URL, repoLinks } from "./repo-links.ts";

const srcDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The API sidebar: one section per package, holding the pages of its entry points (TypeDoc's
 * sidebar from scripts/api.ts, `api/typedoc-sidebar.json`, with `.md` dropped from links).
 */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = join(srcDir, "api", "typedoc-sidebar.json");
  const items: DefaultTheme.SidebarItem[] = existsSync(file)
    ? JSON.parse(readFileSync(file, "utf8"))
    : [];
  return apiPackages.map(({ name }) => ({
    text: name,
    collapsed: false,
    items: items
      .filter((item) => item.text === name || item.text?.startsWith(`${name}/`))
      .map((item) => ({ text: item.text ?? name, link: item.link?.replace(/\.md$/, "") ?? "" })),
  }));
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: "Introduction",
    items: [
      { text: "Getting started", link: "/getting-started" },
      { text: "Examples", link: "/examples" },
      { text: "About these docs", link: "/about" },
      { text: "Architecture", link: "/ARCHITECTURE" },
    ],
  },
  {
    text: "Guides",
    items: [
      { text: "Routing and filters", link: "/guide/routing" },
      { text: "Formatting", link: "/guide/formatting" },
      { text: "Keyboards and callback data", link: "/guide/keyboards" },
      { text: "Sessions and storage", link: "/guide/sessions" },
      { text: "Conversations", link: "/guide/conversations" },
      { text: "Jobs", link: "/guide/jobs" },
      { text: "Webhooks on Fastify", link: "/guide/webhooks" },
      { text: "Long polling and delivery", link: "/guide/polling" },
      { text: "Testing with the emulator", link: "/guide/testing" },
      { text: "Scaling out with Redis", link: "/guide/redis" },
      { text: "Deployment", link: "/guide/deployment" },
      { text: "Security", link: "/guide/security" },
    ],
  },
  {
    text: "Migrating",
    items: [
      { text: "From grammY", link: "/migrate/grammy" },
      { text: "From python-telegram-bot", link: "/migrate/python-telegram-bot" },
    ],
  },
];

export default defineConfig({
  title: "@bot",
  description: "A TypeScript framework for Telegram bots",
  lang: "en",
  cleanUrls: true,
  lastUpdated: false,
  // Dead internal links fail the build (VitePress's default; kept on on purpose).
  ignoreDeadLinks: false,
  srcExclude: ["README.md", "snippets/**", "test/**", "scripts/**", "node_modules/**"],
  // The API reference pages are large (one page per entry point): no warning about it.
  vite: { build: { chunkSizeWarningLimit: 4096 } },
  markdown: {
    config: (md) => repoLinks(md, srcDir),
  },
  buildEnd() {
    if (deadRepoLinks.length > 0) {
      throw new Error(`links to missing repository files:\n  ${deadRepoLinks.join("\n  ")}`);
    }
  },
  themeConfig: {
    search: { provider: "local" },
    nav: [
      { text: "Guide", link: "/getting-started" },
      { text: "API", link: "/api/" },
      { text: "Architecture", link: "/ARCHITECTURE" },
    ],
    sidebar: {
      "/api/": [{ text: "API reference", link: "/api/" }, ...apiSidebar()],
      "/": guide,
    },
    socialLinks: [{ icon: "github", link: REPO_URL }],
    outline: { level: [2, 3] },
  },
});
