/**
 * The `winsession completions <shell>` command and the shell completion generators, which now
 * live in `cli/completions/` (this file re-exports them while the split is in progress).
 *
 * @module
 */
export * from "./completions/model.ts";
