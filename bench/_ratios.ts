/**
 * The ratio table bench/run.ts and bench/startup.ts print: one line per target of issue 10, ✔
 * when the measured ratio meets it, ✘ when not.
 *
 * @module
 */

/** One target: the measured ratio and whether it must stay at most or at least `target`. */
export interface Ratio {
  what: string;
  ratio: number;
  target: number;
  atLeast?: boolean;
  /** Printed after the target, e.g. the same ratio from the fastest iterations. */
  note?: string;
}

/** Prints `rows` as `✔ what  1.23×  (target ≤ 1.5×)`. */
export function printRatios(rows: Ratio[]): void {
  const width = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) {
    const ok = r.atLeast ? r.ratio >= r.target : r.ratio <= r.target;
    const target = `${r.atLeast ? "≥" : "≤"} ${r.target}×`;
    console.log(
      `${ok ? "✔" : "✘"} ${r.what.padEnd(width)}  ${
        r.ratio.toFixed(2).padStart(6)
      }×  (target ${target})${r.note ? `  ${r.note}` : ""}`,
    );
  }
}
