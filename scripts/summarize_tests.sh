#!/usr/bin/env bash
# Usage: summarize_tests.sh LABEL LOG
# Prints Deno's closing "ok | N passed | M failed" line of LOG as the plain "LABEL: N passed,
# M failed" line that CI reads (Deno colours its summary even when piped: escapes are stripped).
set -euo pipefail
label=$1 log=$2
line=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -n1 || true)
passed=$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$line")
failed=$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$line")
echo "$label: ${passed:-0} passed, ${failed:-0} failed"
