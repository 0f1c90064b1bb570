/**
 * The one table formatter of the CLI: aligned plain-text columns that fit the terminal. On a
 * terminal, wide text columns are shortened with an ellipsis (…) so no row wraps; piped or
 * redirected output keeps every value whole, because scripts read it.
 *
 * The width is the one `main()` sets for the command it runs ({@linkcode setTableWidth}, from
 * the I/O's `columns`), so every command that formats through here (`sessions`, `processes`,
 * `locks`, …) fits without passing it along.
 *
 * @module
 */

/** A table column: the header, how to read a cell from a row, and its alignment. */
export interface Column<T> {
  /** Header text. */
  header: string;
  /** The cell text for a row. */
  cell: (row: T) => string;
  /** Right-align (numbers). Right-aligned columns are never shortened: a cut number lies. */
  right?: boolean;
}

/** The two spaces between columns. */
const GAP = 2;
/** What replaces the end of a shortened cell. */
export const ELLIPSIS = "…";

let tableWidth: number | undefined;

/**
 * Sets the width tables must fit (the terminal's columns), or `undefined` for full values (not a
 * terminal). `main()` sets it for each command from its I/O and clears it afterwards.
 */
export function setTableWidth(width: number | undefined): void {
  tableWidth = width !== undefined && Number.isInteger(width) && width > 0 ? width : undefined;
}

/**
 * The column widths that fit `width`: while the table is too wide, the widest text column
 * still above its floor (its header, and never under 2 so `x…` stays possible) loses one
 * character. Numbers and headers are never cut; when those alone do not fit, the table is as
 * narrow as it can be and the terminal wraps what is left.
 */
export function fitWidths(
  natural: readonly number[],
  columns: readonly Pick<Column<unknown>, "header" | "right">[],
  width: number | undefined,
): number[] {
  const widths = [...natural];
  if (width === undefined) return widths;
  let total = widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
  const floor = columns.map((c, i) => Math.min(natural[i]!, Math.max(c.header.length, 2)));
  while (total > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (columns[i]!.right || widths[i]! <= floor[i]!) continue;
      if (widest < 0 || widths[i]! > widths[widest]!) widest = i;
    }
    if (widest < 0) break;
    widths[widest]!--;
    total--;
  }
  return widths;
}

/** `text` cut to `width` characters, its last one an ellipsis when something was cut. */
export function shorten(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + ELLIPSIS;
}

/**
 * Renders rows as an aligned plain-text table (two spaces between columns), ending in "\n".
 * `width` (default: the one set by {@linkcode setTableWidth}) is the most characters a line
 * may have; text cells beyond their column's share end in "…". Widths count UTF-16 units, so
 * East Asian wide characters may still overflow by their extra half.
 *
 * @example
 * ```ts ignore
 * formatTable([{ path: "C:\\very\\long\\path.txt" }], [{ header: "PATH", cell: (r) => r.path }], 12);
 * // "PATH\nC:\\very\\lo…\n"
 * ```
 */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  width: number | undefined = tableWidth,
): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const natural = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => line[i]!.length))
  );
  const widths = fitWidths(natural, columns, width);
  const render = (line: readonly string[]) =>
    line.map((raw, i) => {
      const text = shorten(raw, widths[i]!);
      if (columns[i]!.right) return text.padStart(widths[i]!);
      return i === line.length - 1 ? text : text.padEnd(widths[i]!);
    }).join(" ".repeat(GAP)).trimEnd() + "\n";
  return render(columns.map((c) => c.header)) + cells.map(render).join("");
}
