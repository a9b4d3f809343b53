/**
 * Links from a page to a file of the repository outside docs/ (`[echo](../../examples/echo/)`)
 * work when the Markdown is read on GitHub; in the site they become links to the file on
 * GitHub. This markdown-it rule rewrites them and checks that the file exists: a link to a
 * missing repository file fails the build, as VitePress's own check does for dead page links.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { MarkdownRenderer } from "vitepress";

export const REPO_URL = "https://github.com/bot-framework/bot";

/** Problems found while rendering, thrown at the end of the build (all at once). */
export const deadRepoLinks: string[] = [];

export function repoLinks(md: MarkdownRenderer, srcDir: string): void {
  const repoRoot = resolve(srcDir, "..");
  md.core.ruler.push("bot-repo-links", (state) => {
    const page: string | undefined = state.env?.relativePath;
    if (page === undefined) return;
    const pageDir = dirname(join(srcDir, page));
    const visit = (tokens: typeof state.tokens) => {
      for (const token of tokens) {
        if (token.children) visit(token.children);
        if (token.type !== "link_open") continue;
        const href = token.attrGet("href");
        if (href === null || /^([a-z][a-z0-9+.-]*:|#|\/)/i.test(href)) continue;
        const [path = "", hash] = href.split("#", 2);
        const target = resolve(pageDir, decodeURI(path));
        // A page of the site (a .md file, or a folder or clean URL): VitePress checks it.
        // Other files under docs/ (snippets, tests) are repository files like any other.
        const inDocs = !relative(srcDir, target).startsWith("..");
        const repoFile =
          /\.(?!md$|html$)[a-z0-9]+$/i.test(target) ||
          (existsSync(target) &&
            statSync(target).isDirectory() &&
            !existsSync(join(target, "index.md")) &&
            !existsSync(`${target}.md`));
        if (inDocs && !repoFile) continue;
        const inRepo = target === repoRoot || target.startsWith(repoRoot + sep);
        if (!inRepo || !existsSync(target)) {
          deadRepoLinks.push(`${page}: ${href} (no such file in the repository)`);
          continue;
        }
        const rel = relative(repoRoot, target).split(sep).join("/");
        const kind = statSync(target).isDirectory() ? "tree" : "blob";
        token.attrSet("href", `${REPO_URL}/${kind}/main/${rel}${hash ? `#${hash}` : ""}`);
      }
    };
    visit(state.tokens);
  });
}
