/**
 * `chat`'s time to first token through the API server's service proxy, against `curl` of the
 * same request through `kubectl proxy`, on the same model in the same run. Both are timed as a
 * user runs them once, from launch to the first token on stdout: `kubectl kserve chat NAME -m
 * MESSAGE` against `kubectl proxy --port=0` started for the request plus `curl -N` through it.
 * The figure with a proxy left running (curl alone) is printed beside it, without a target: it
 * leaves out the connection and credentials every one-shot command sets up. The model is an
 * InferenceService on the Hugging Face runtime whose server is the model-server double
 * (tests/doubles/model_server.ts, one token every TOKEN_DELAY_MS). It first runs install (a
 * no-op on a healthy install).
 *   deno task cluster exec -- deno run -A scripts/bench/chat.ts [runs]
 */
import {
  ensure,
  ensureHealthyInstall,
  exitOnMissedTargets,
  median,
  plugin,
  report,
  target,
  timed,
} from "./lib.ts";

const runs = Number(Deno.args[0] ?? 15);
const namespace = "bench-chat";
const model = "qwen";
const MESSAGE = "What is KServe?";
const proxyPath =
  `/api/v1/namespaces/${namespace}/services/${model}-predictor:80/proxy/openai/v1/chat/completions`;
const body = JSON.stringify({
  model,
  messages: [{ role: "user", content: MESSAGE }],
  stream: true,
  stream_options: { include_usage: true },
});

/**
 * Spawns a command and returns when `until` says yes to its stdout so far, with the time from
 * launch. The rest of its output is read and the process awaited (`keep`: left running, for a
 * proxy, whose stdout is released).
 */
async function firstOutput(
  command: string,
  args: string[],
  until: (stdout: string) => boolean,
  keep = false,
): Promise<{ ms: number; stdout: string; child: Deno.ChildProcess }> {
  const start = performance.now();
  const child = new Deno.Command(command, {
    args,
    env: { DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  let stdout = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${command} ended before its first output:\n${stdout}`);
    stdout += decoder.decode(value, { stream: true });
    if (until(stdout)) break;
  }
  const ms = performance.now() - start;
  if (!keep) {
    // The rest of the answer is read to its end: the next run starts on a quiet server.
    while (!(await reader.read()).done);
    await child.status;
  }
  reader.releaseLock();
  return { ms, stdout, child };
}

/** Whether server-sent events so far hold a chunk with text (not the role-only first chunk). */
const hasToken = (events: string) => /"delta":\{"content":"[^"]+"/.test(events);

/** Starts `kubectl proxy` on a free port; resolves once it serves, with its port. */
async function startProxy() {
  const started = await firstOutput(
    "kubectl",
    ["proxy", "--port=0"],
    (out) => /Starting to serve on [\d.]+:\d+/.test(out),
    true,
  );
  const port = /Starting to serve on [\d.]+:(\d+)/.exec(started.stdout)![1]!;
  return { ...started, port };
}

/** curl of the chat through a running proxy: time to its first token. */
function curl(port: string) {
  return firstOutput(
    "curl",
    [
      "-sN",
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "-d",
      body,
      `http://127.0.0.1:${port}${proxyPath}`,
    ],
    hasToken,
  );
}

await ensureHealthyInstall();
await timed("kubectl", ["delete", "namespace", namespace, "--ignore-not-found", "--timeout=5m"]);
ensure(await timed("kubectl", ["create", "namespace", namespace]), "create namespace");
ensure(
  await timed(...plugin([
    "deploy",
    model,
    "-n",
    namespace,
    "--model-format",
    "huggingface",
    "--storage-uri",
    "hf://Qwen/Qwen2.5-0.5B-Instruct",
    "--image",
    "kubectl-kserve.test/model-server:v1",
    "--wait",
  ])),
  "deploy",
);

const [pluginCmd, pluginArgs] = plugin(["chat", model, "-n", namespace, "-m", MESSAGE]);
const ours: number[] = [];
const oneShot: number[] = [];
const warm: number[] = [];
const reported: number[] = [];
const warmProxy = await startProxy();
for (let i = 0; i < runs; i++) {
  const chat = await firstOutput(pluginCmd, pluginArgs, (out) => out.trim() !== "");
  ours.push(chat.ms);
  // The plugin's own figure (from sending the request), from a full run's stderr.
  if (i === 0) {
    const whole = ensure(await timed(pluginCmd, pluginArgs), "chat");
    const first = /time to first token (\d+) ms/.exec(whole.stderr)?.[1];
    if (first) reported.push(Number(first));
  }
  const proxy = await startProxy();
  const answer = await curl(proxy.port);
  proxy.child.kill();
  await proxy.child.status;
  oneShot.push(proxy.ms + answer.ms);
  warm.push((await curl(warmProxy.port)).ms);
}
warmProxy.child.kill();
await warmProxy.child.status;
await timed("kubectl", ["delete", "namespace", namespace, "--wait=false"]);

report(
  "chat, time to first token",
  ours,
  oneShot,
  `curl through a running kubectl proxy: median ${
    median(warm).toFixed(0)
  } ms; chat's own figure from sending the request: ${reported[0] ?? "?"} ms`,
);
const ratio = median(ours) / median(oneShot);
target(
  `chat time to first token: ${ratio.toFixed(2)}x kubectl proxy + curl`,
  ratio <= 1.0,
  "<= 1.0x",
);
exitOnMissedTargets();
