/**
 * `winsession --help` without commander: the root help text rendered from main.ts's static
 * command table, laid out as commander 15's `Help.formatHelp` lays out the root (items indented
 * 2, terms padded to the longest, 2 spaces, descriptions wrapped at whitespace to the help width
 * unless fewer than 40 columns remain). Importing commander starts Deno's Node layer
 * (`node:events`, `node:process`, `node:fs`, …), which cost more than the whole rest of
 * `--help` (issue 10 point 3, measured in bench/startup.ts); cli/main_test.ts checks that this
 * text equals commander's own for the full program at several widths.
 *
 * @module
 */

/** A line of the help's Options or Commands list. */
export interface HelpItem {
  /** What is listed on the left (`sessions [options]`, `-h, --help`). */
  term: string;
  /** Its description, on the right. */
  description: string;
}

/** What the root help shows. */
export interface RootHelp {
  /** The program's name (`winsession`). */
  name: string;
  /** The program's description, under the usage line. */
  description: string;
  /** The root options, `--help` included. */
  options: readonly HelpItem[];
  /** The commands, the implicit `help [command]` included. */
  commands: readonly HelpItem[];
}

/** Commander leaves a description unwrapped when fewer columns than this remain for it. */
const MIN_WIDTH_TO_WRAP = 40;

/** `text` wrapped at whitespace to `width` columns, keeping its own line breaks. */
function wrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  return text.split(/\r\n|\n/).map((line) => {
    const words = line.match(/\s*\S+/g);
    if (words === null) return "";
    const lines: string[] = [];
    let current = words[0]!;
    for (const word of words.slice(1)) {
      if (current.length + word.length <= width) {
        current += word;
      } else {
        lines.push(current);
        current = word.trimStart();
      }
    }
    lines.push(current);
    return lines.join("\n");
  }).join("\n");
}

function formatItem(item: HelpItem, termWidth: number, width: number): string {
  const indent = "  ";
  if (!item.description) return indent + item.term;
  const remaining = width - termWidth - 2 - indent.length;
  // A description already laid out by hand (a line break then indentation) is kept as is.
  const description = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(item.description)
    ? item.description
    : wrap(item.description, remaining).replace(/\n/g, `\n${" ".repeat(termWidth + 2)}`);
  return `${indent}${item.term.padEnd(termWidth)}  ${description.replace(/\n/g, `\n${indent}`)}`;
}

/**
 * The root help text, as commander prints it for `help` at `width` columns (commander's width:
 * the terminal's columns, or 80 when the stream is not a terminal).
 *
 * @example
 * ```ts
 * import { renderRootHelp } from "./_root_help.ts";
 *
 * const text = renderRootHelp({
 *   name: "demo",
 *   description: "A demo.",
 *   options: [{ term: "-h, --help", description: "display help for command" }],
 *   commands: [{ term: "list [options]", description: "List things" }],
 * }, 80);
 * console.log(text.startsWith("Usage: demo [options] [command]\n")); // true
 * ```
 */
export function renderRootHelp(help: RootHelp, width: number): string {
  const termWidth = Math.max(...[...help.options, ...help.commands].map((i) => i.term.length));
  const list = (title: string, items: readonly HelpItem[]) =>
    items.length === 0
      ? []
      : [title, ...items.map((item) => formatItem(item, termWidth, width)), ""];
  return [
    `Usage: ${help.name} [options] [command]`,
    "",
    ...(help.description ? [wrap(help.description, width), ""] : []),
    ...list("Options:", help.options),
    ...list("Commands:", help.commands),
  ].join("\n");
}

/**
 * The width commander wraps help to on `stream`: its terminal's columns, else 80.
 *
 * @example
 * ```ts
 * import { helpWidth } from "./_root_help.ts";
 *
 * console.log(helpWidth(Deno.stdout) >= 1); // true
 * ```
 */
export function helpWidth(stream: { isTerminal(): boolean }): number {
  if (!stream.isTerminal()) return 80;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}
