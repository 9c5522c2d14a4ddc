import assert from "node:assert/strict";
import { fastAnswer } from "../../lib/args/fast_path.ts";
import { PROGRAM_HELP } from "../../lib/args/help.generated.ts";
import { parseCommandLine, programHelp } from "../../lib/cli.ts";

Deno.test("help.generated.ts is commander's current help (else: deno task gen-help)", async () => {
  assert.equal(PROGRAM_HELP, programHelp(), "stale: run deno task gen-help");
  const parsed = await parseCommandLine(["--help"]);
  assert.equal(parsed.kind === "help" ? parsed.text : undefined, PROGRAM_HELP);
});

Deno.test("fastAnswer() takes only --help, -h, help, no arguments and version --client", () => {
  for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
    assert.deepEqual(fastAnswer(argv), { kind: "help", text: PROGRAM_HELP }, argv.join(" "));
  }
  assert.deepEqual(fastAnswer(["version", "--client"]), { kind: "client-version" });
  for (
    const argv of [
      ["deploy", "--help"],
      ["version"],
      ["version", "--client", "-o", "json"],
      ["--help", "--context", "x"],
      ["helpme"],
    ]
  ) {
    assert.equal(fastAnswer(argv), undefined, argv.join(" "));
  }
});
