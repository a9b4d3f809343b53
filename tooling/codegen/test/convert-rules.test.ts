import { describe, expect, it } from "vitest";
import { descriptionEntries, fieldDescription, plainLine } from "../src/convert/markdown-text.ts";
import { NUMBER, numberResolver, resolveNumbers } from "../src/convert/numbers.ts";
import { smallSpec } from "./fixtures.ts";

describe("Markdown to the page's text", () => {
  it("keeps link text, and writes » links as text and absolute URL", () => {
    expect(plainLine("See [Update](https://core.telegram.org/bots/api#update) for more")).toBe(
      "See Update for more",
    );
    expect(plainLine("Info. [More about games »](https://core.telegram.org/bots/api#games)")).toBe(
      "Info. More about games: https://core.telegram.org/bots/api#games",
    );
    expect(plainLine("[Read »](#formatting-options)")).toBe(
      "Read: https://core.telegram.org/bots/api#formatting-options",
    );
  });

  it("strips emphasis but keeps code spans and escapes literal", () => {
    expect(plainLine("*Optional*. Specify **True** to *stop*")).toBe(
      "Optional. Specify True to stop",
    );
    expect(plainLine('must end in `"_by_<bot_username>"`, see *input\\_message\\_content*')).toBe(
      'must end in "_by_<bot_username>", see input_message_content',
    );
  });

  it("normalises typography and images", () => {
    expect(plainLine("for “![🎲](https://x/y.png)” – that’s it…")).toBe(`for "🎲" - that's it...`);
  });

  it("splits entries by line, lists as `- X`, drops quotes and the documentation link", () => {
    expect(
      descriptionEntries([
        "It can be one of",
        "",
        "*   [A](https://core.telegram.org/bots/api#a)",
        "*   [B](https://core.telegram.org/bots/api#b)",
        "",
        "> A note that the page shows in a box",
        "",
        "[Documentation](https://core.telegram.org/bots/api/#x)",
      ]),
    ).toEqual(["It can be one of", "- A", "- B"]);
    expect(descriptionEntries(["[Documentation](https://core.telegram.org/bots/api/#x)"])).toEqual(
      [],
    );
    expect(fieldDescription(["First part.", "", "Second part."])).toBe("First part. Second part.");
    expect(fieldDescription([])).toBeUndefined();
  });
});

describe("Integer or Float", () => {
  const previous = smallSpec();

  it("takes the kind of the same field in the previous spec", () => {
    const r = numberResolver(previous);
    expect(r.kind("Ping", "strength")).toBe("Float");
    expect(r.kind("sendPing", "count")).toBe("Integer");
  });

  it("falls back to a field of the same name, then to the name rules, then to Integer", () => {
    const r = numberResolver(previous);
    expect(r.kind("NewType", "strength")).toBe("Float");
    expect(r.kind("NewType", "latitude")).toBe("Float");
    expect(r.kind("NewType", "fill_percentage")).toBe("Float");
    expect(r.kind("StoryAreaThing", "rotation_angle")).toBe("Float");
    expect(r.kind("Other", "rotation_angle")).toBe("Integer");
    expect(r.kind("NewType", "file_size")).toBe("Integer");
  });

  it("replaces the placeholder inside arrays", () => {
    expect(
      resolveNumbers([NUMBER, `Array of Array of ${NUMBER}`, "String"], () => "Float"),
    ).toEqual(["Float", "Array of Array of Float", "String"]);
  });
});
