/** Renders check results as text (grouped, marked, with hints) or as the JSON report. */
import { countOf, type Styles } from "../output.ts";
import type { CheckReport, CheckResult } from "./check_types.ts";

const MARKS = { pass: "√", warn: "‼", fail: "×", skip: "-" } as const;

/** One line per check under its category heading, the hint under each failure, a summary last. */
export function renderText(report: CheckReport, s: Styles): string {
  const out: string[] = [];
  for (const category of report.categories) {
    out.push(s.bold(category.name), s.bold("-".repeat(category.name.length)));
    for (const check of category.checks) out.push(...renderCheck(check, s));
    out.push("");
  }
  out.push(summaryLine(report, s));
  return out.join("\n") + "\n";
}

/** The JSON report: {success, kserveVersion, mode, categories:[{name, checks:[...]}]}. */
export function renderJson(report: CheckReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

function renderCheck(check: CheckResult, s: Styles): string[] {
  const color = { pass: s.green, warn: s.yellow, fail: s.red, skip: s.dim }[check.result];
  if (check.result === "skip") {
    return [s.dim(`${MARKS.skip} ${check.description} (${check.error ?? "skipped"})`)];
  }
  const lines = [`${color(MARKS[check.result])} ${check.description}`];
  if (check.note) lines.push(s.dim(indent(check.note)));
  if (check.error) lines.push(indent(check.error));
  if (check.transient && check.result === "fail") {
    lines.push(indent("still settling, which resolves on its own: re-run with --wait 2m"));
  }
  if (check.hint && (check.result === "fail" || check.result === "warn")) {
    lines.push(indent(`${s.bold("hint:")} ${check.hint}`));
  }
  return lines;
}

function summaryLine(report: CheckReport, s: Styles): string {
  const all = report.categories.flatMap((c) => c.checks);
  const count = (result: string) => all.filter((c) => c.result === result).length;
  const parts = [`${count("pass")} passed`];
  const warnings = count("warn");
  if (warnings) parts.push(countOf(warnings, "warning"));
  if (count("fail")) parts.push(`${count("fail")} failed`);
  if (count("skip")) parts.push(`${count("skip")} skipped`);
  const verdict = report.success ? s.green(MARKS.pass) : s.red(MARKS.fail);
  return `Status check results are ${verdict} (${parts.join(", ")})`;
}

function indent(text: string): string {
  return text.split("\n").map((line) => `    ${line}`).join("\n");
}
