import assert from "node:assert/strict";
import { parseCommandLine } from "../../lib/cli.ts";
import type { Invocation } from "../../lib/args/invocation.ts";
import { parseDuration } from "../../lib/duration.ts";
import { UsageError } from "../../lib/errors.ts";

const GOOD: [string, Partial<Invocation> & Record<string, unknown>][] = [
  ["version", { kind: "version", client: false }],
  ["version --client", { kind: "version", client: true }],
  ["-n ml version -o json", { kind: "version" }],
  ["completion zsh", { kind: "completion", shell: "zsh" }],
  ["__complete ver", { kind: "complete", words: ["ver"] }],
  ["check --pre --mode serverless --wait 2m", {
    kind: "check",
    pre: true,
    mode: "serverless",
    waitMs: 120_000,
  }],
  ["check -A", { kind: "check", allNamespaces: true, pre: false }],
  ["install", {
    kind: "install",
    mode: "raw",
    version: "v0.20.0",
    ingress: "kourier",
    timeoutMs: 600_000,
  }],
  ["install --mode Standard --version 0.16.0 --dry-run=client", {
    kind: "install",
    mode: "raw",
    version: "v0.16.0",
    dryRun: "client",
  }],
  ["install --mode knative --ingress istio --yes", {
    kind: "install",
    mode: "serverless",
    ingress: "istio",
    yes: true,
  }],
  ["uninstall --with-cert-manager --keep-crds -y", {
    kind: "uninstall",
    withCertManager: true,
    keepCrds: true,
    yes: true,
    force: false,
  }],
];

Deno.test("parseCommandLine() maps good command lines to invocations", async () => {
  for (const [line, expected] of GOOD) {
    const invocation = await parseCommandLine(line.split(" "));
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual((invocation as Record<string, unknown>)[key], value, line);
    }
  }
});

Deno.test("parseCommandLine() reads global flags before or after the command", async () => {
  const before = await parseCommandLine(
    [
      "--kubeconfig",
      "/k",
      "--context",
      "c",
      "-n",
      "ns",
      "--request-timeout",
      "1m",
      "-v",
      "version",
    ],
  );
  const after = await parseCommandLine(
    [
      "version",
      "--kubeconfig",
      "/k",
      "--context",
      "c",
      "--namespace",
      "ns",
      "--request-timeout=1m",
      "--verbose",
    ],
  );
  for (const invocation of [before, after]) {
    assert.equal(invocation.kind, "version");
    if (invocation.kind !== "version") continue;
    assert.deepEqual(invocation.global, {
      kubeconfig: "/k",
      context: "c",
      namespace: "ns",
      requestTimeoutMs: 60_000,
      output: undefined,
      verbose: true,
      color: true,
    });
  }
  const noColor = await parseCommandLine(["version", "--no-color", "--request-timeout", "0"]);
  assert.ok(
    noColor.kind === "version" && !noColor.global.color && noColor.global.requestTimeoutMs === 0,
  );
});

const BAD: [string, RegExp][] = [
  ["bogus", /unknown command 'bogus'/],
  ["version --bogus", /unknown option '--bogus'/],
  ["version -o xml", /Invalid output format "xml" for version/],
  ["version --request-timeout soon", /Invalid value "soon" for --request-timeout/],
  ["completion tcsh", /Unknown shell "tcsh"/],
  ["completion", /missing required argument 'shell'/],
  ["version --context", /option '--context <name>' argument missing/],
  ["install --mode full", /Unknown mode "full"/],
  ["install --mode serverless-without-knative", /Unknown mode/],
  ["install --mode serverless --without-knative", /Serverless mode without Knative does not exist/],
  ["install --ingress nginx", /Unknown ingress layer "nginx"/],
  ["install --dry-run=maybe", /Invalid --dry-run "maybe"/],
  ["install --timeout forever", /Invalid value "forever" for --timeout/],
  ["check --mode full", /Unknown mode "full"/],
  ["deploy m --mode full", /Unknown mode "full"/],
  ["deploy m --mode serverless-without-knative", /Unknown mode/],
  ["deploy m --backend serverless", /Unknown backend "serverless": it is a KServe deployment mode/],
  ["deploy m --backend Standard", /Unknown backend "Standard": it is a KServe deployment mode/],
  ["deploy m --backend knative-serving", /Unknown backend "knative-serving"$/],
  ["deploy m --scale-metric gpu", /Unknown scale metric "gpu"/],
  ["deploy m --protocol v3", /Unknown protocol "v3"/],
  ["check --pre --mode deployment", /--pre checks a KServe install/],
  ["check --wait soon", /Invalid value "soon" for --wait/],
  ["uninstall --timeout x", /Invalid value "x" for --timeout/],
];

Deno.test("every --mode accepts KServe's own names of a mode, of any version, in any case", async () => {
  // One parser (lib/args/parsers.ts) for install, deploy and check: a name install accepts is
  // not refused by deploy or check.
  const cases: [string, string][] = [
    ["Standard", "raw"],
    ["RawDeployment", "raw"],
    ["raw", "raw"],
    ["Knative", "serverless"],
    ["serverless", "serverless"],
  ];
  for (const [name, mode] of cases) {
    const install = await parseCommandLine(["install", "--mode", name]);
    assert.equal(install.kind === "install" && install.mode, mode, `install --mode ${name}`);
    const deploy = await parseCommandLine(["deploy", "m", "--mode", name.toLowerCase()]);
    assert.equal(deploy.kind === "deploy" && deploy.request.mode, mode, `deploy --mode ${name}`);
    const check = await parseCommandLine(["check", "--mode", name]);
    assert.equal(check.kind === "check" && check.mode, mode, `check --mode ${name}`);
  }
  const plain = await parseCommandLine(["check", "--mode", "deployment"]);
  assert.equal(plain.kind === "check" && plain.mode, "deployment");
});

Deno.test("deploy --backend with a mode's name points at --mode, and the hint parses", async () => {
  const cases: [string, string][] = [["serverless", "serverless"], ["Standard", "raw"]];
  for (const [value, mode] of cases) {
    await assert.rejects(
      parseCommandLine(["deploy", "m", "--backend", value]),
      (error: UsageError) => {
        assert.equal(error.hint, `Use --backend kserve --mode ${mode}`);
        return true;
      },
    );
    const fixed = await parseCommandLine(["deploy", "m", "--backend", "kserve", "--mode", mode]);
    assert.equal(fixed.kind === "deploy" && fixed.request.mode, mode);
  }
});

Deno.test("parseCommandLine() rejects bad command lines with a usage error", async () => {
  for (const [line, pattern] of BAD) {
    await assert.rejects(parseCommandLine(line.split(" ")), (error: UsageError) => {
      assert.ok(error instanceof UsageError, line);
      assert.equal(error.exitCode, 2, line);
      assert.match(error.message, pattern, line);
      return true;
    });
  }
});

Deno.test("parseCommandLine() returns help text for --help", async () => {
  const help = await parseCommandLine(["--help"]);
  assert.equal(help.kind, "help");
  assert.match((help as { text: string }).text, /Usage: kubectl kserve/);
});

Deno.test("parseDuration() accepts Go durations and bare seconds", () => {
  assert.equal(parseDuration("30s", "--x"), 30_000);
  assert.equal(parseDuration("1m30s", "--x"), 90_000);
  assert.equal(parseDuration("250ms", "--x"), 250);
  assert.equal(parseDuration("5", "--x"), 5_000);
  assert.equal(parseDuration("0", "--x"), 0);
  assert.throws(() => parseDuration("5 minutes", "--x"), UsageError);
  assert.throws(() => parseDuration("-1s", "--x"), UsageError);
  // The longest a timer holds (2^31-1 ms): 596h passes, 597h and 1000h are refused, not run.
  assert.equal(parseDuration("596h", "--x"), 596 * 3_600_000);
  assert.throws(() => parseDuration("597h", "--timeout"), /"597h" for --timeout: longer than 596h/);
  assert.throws(() => parseDuration("2147484", "--x"), /longer than 596h/);
});

Deno.test("delay() longer than a timer holds still waits (it does not fire at once)", async () => {
  const { delay } = await import("../../lib/async.ts");
  const stop = new AbortController();
  let settled = "";
  const long = delay(2 ** 31 + 5, stop.signal).then(() => settled = "resolved", () => {
    settled = "aborted";
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(settled, "", "a 2^31 ms delay must not resolve after 50 ms");
  stop.abort();
  await long;
  assert.equal(settled, "aborted");
});

Deno.test("modelFlags(): a second command declares deploy's model flags in one line and reads the same model", async () => {
  const { Command } = await import("commander");
  const { modelFlags, modelRequest } = await import("../../lib/args/model_flags.ts");
  const flags = [
    "--model-format=sklearn:1",
    "--storage-uri=gs://b/m",
    "--image=i:1",
    "--arg=--x",
    "--env=A=1",
    "--cpu=1",
    "--memory-limit=2Gi",
    "--gpu=1",
    "--max-replicas=3",
    "--scale-metric=memory",
    "--toleration=gpu:NoSchedule",
    "--label=team=ml",
    "--annotation=a/b=c",
    "--node-selector=pool=gpu",
    "--mode=Standard",
    "--protocol=v2",
  ];
  let read: unknown;
  const program = new Command().exitOverride();
  modelFlags(program.command("start").argument("<name>"))
    .action((name: string, options: Record<string, unknown>) => {
      read = modelRequest(name, options);
    });
  await program.parseAsync(["start", "m", ...flags], { from: "user" });
  const deploy = await parseCommandLine(["deploy", "m", ...flags]);
  assert.ok(deploy.kind === "deploy");
  assert.deepEqual(read, deploy.request);
  assert.equal(deploy.request.gpu, 1);
  assert.deepEqual(deploy.request.labels, { team: "ml" });
});
