/**
 * Flag values parsed where commander reads them (argParser), so each flag's type and check sit
 * beside its declaration; a bad value is our UsageError (exit 2), which commander passes through.
 */
import { Option } from "commander";
import { parseDuration } from "../duration.ts";

/** A duration flag ("30s", "5m"), parsed to milliseconds; its default shown as written. */
export function durationOption(flags: string, description: string, defaultText?: string): Option {
  const flag = flags.split(" ")[0]!;
  const option = new Option(flags, description).argParser((value: string) =>
    parseDuration(value, flag)
  );
  return defaultText === undefined
    ? option
    : option.default(parseDuration(defaultText, flag), defaultText);
}

/** commander calls a parser with (value, previous): adapt a one-argument parser to that. */
export function one<T>(parse: (value: string) => T): (value: string) => T {
  return (value: string) => parse(value);
}
