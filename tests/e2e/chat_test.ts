/**
 * chat end to end: an OpenAI chat completion through the API server's service proxy to a real
 * KServe InferenceService on the Hugging Face runtime (kserve-huggingfaceserver), whose server
 * is the model-server double (tests/doubles/model_server.ts: the toy LLM answers "<model>
 * heard: <message>", streaming one word every TOKEN_DELAY_MS). The file installs KServe on a
 * reset cluster and resets it again at its end.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectlOk, say, withNamespace } from "../support/cluster.ts";
import { PLUGIN_PERMISSIONS, runPlugin } from "../support/plugin.ts";
import { MODEL_SERVER_IMAGE, withKServe } from "../support/kserve.ts";
import { TOKEN_DELAY_MS, tokensOf } from "../doubles/model_server.ts";

const env = () => ({ KUBECONFIG: adminKubeconfig() });

/** An InferenceService on the Hugging Face runtime, its server played by the double. */
const deployLlm = (ns: string, name: string) => [
  "deploy",
  name,
  "-n",
  ns,
  "--model-format",
  "huggingface",
  "--storage-uri",
  "hf://Qwen/Qwen2.5-0.5B-Instruct",
  "--image",
  MODEL_SERVER_IMAGE,
];

/** `chat ARGS` with stdout read as it arrives: each read's text and when it came (ms). */
async function chatArriving(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...PLUGIN_PERMISSIONS,
      new URL("../../main.ts", import.meta.url).pathname,
      ...args,
    ],
    env: { ...Deno.env.toObject(), ...env(), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reads: { text: string; at: number }[] = [];
  const decoder = new TextDecoder();
  for await (const bytes of child.stdout) {
    reads.push({ text: decoder.decode(bytes, { stream: true }), at: performance.now() });
  }
  const { code } = await child.status;
  return { code, reads, stdout: reads.map((r) => r.text).join(""), stderr: await stderr };
}

const TIMING =
  /^time to first token (\d+) ms, total ([\d.]+ (?:ms|s)), (\d+) tokens, [\d.]+ tokens\/s$/m;

Deno.test("chat streams an InferenceService's answer on the Hugging Face runtime token by token through the service proxy; --no-stream, -o json, stdin, --system, --max-tokens, predict --chat", async () => {
  await withKServe("chat", async (ns) => {
    const start = Date.now();
    const deployed = await runPlugin([...deployLlm(ns, "qwen"), "--wait", "--timeout", "90s"], {
      env: env(),
    });
    assert.equal(deployed.code, 0, deployed.stderr);
    say(`deploy --wait took ${((Date.now() - start) / 1000).toFixed(1)}s`);
    // KServe chose the Hugging Face runtime: the answer comes from its OpenAI route.
    const isvc = JSON.parse(
      await kubectlOk(["get", "inferenceservice", "qwen", "-n", ns, "-o", "json"]),
    );
    assert.equal(isvc.status?.clusterServingRuntimeName, "kserve-huggingfaceserver");

    const question = "What is KServe?";
    const answer = `qwen heard: ${question}`;
    const tokens = tokensOf(answer);
    const streamed = await chatArriving(["chat", "qwen", "-n", ns, "-m", question]);
    assert.equal(streamed.code, 0, streamed.stderr);
    assert.equal(streamed.stdout, `${answer}\n`);
    // Streamed: the tokens arrive apart, as the server sends them TOKEN_DELAY_MS apart
    // (a buffered answer would come in one read, at the end).
    const withText = streamed.reads.filter((r) => r.text.trim() !== "");
    assert.ok(
      withText.length >= tokens.length - 1,
      `${tokens.length} tokens came in ${withText.length} reads: ${JSON.stringify(streamed.reads)}`,
    );
    const spread = withText.at(-1)!.at - withText[0]!.at;
    assert.ok(
      spread >= (tokens.length - 2) * TOKEN_DELAY_MS,
      `the tokens arrived within ${spread.toFixed(0)} ms, not ${TOKEN_DELAY_MS} ms apart`,
    );
    const timing = TIMING.exec(streamed.stderr);
    assert.ok(timing, streamed.stderr);
    assert.equal(Number(timing[3]), tokens.length, "tokens: the server's usage count");
    // The first token came before the rest were generated.
    const totalMs = timing[2]!.endsWith(" s")
      ? parseFloat(timing[2]!) * 1000
      : parseFloat(timing[2]!);
    assert.ok(
      Number(timing[1]) < totalMs - (tokens.length - 2) * TOKEN_DELAY_MS,
      streamed.stderr,
    );

    // --no-stream: one answer, no time to first token (none was measured).
    const whole = await runPlugin(["chat", "qwen", "-n", ns, "-m", question, "--no-stream"], {
      env: env(),
    });
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(whole.stdout, `${answer}\n`);
    assert.doesNotMatch(whole.stderr, /first token/);
    assert.match(whole.stderr, new RegExp(`^total [\\d.]+ (ms|s), ${tokens.length} tokens`, "m"));

    // -o json: the server's chat.completion as it sent it.
    const json = await runPlugin(["chat", "qwen", "-n", ns, "-m", "Hi", "-o", "json"], {
      env: env(),
    });
    assert.equal(json.code, 0, json.stderr);
    const completion = JSON.parse(json.stdout);
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.model, "qwen");
    assert.equal(completion.choices[0].message.content, "qwen heard: Hi");

    // The message from standard input; --system goes before it; --max-tokens cuts the answer.
    const piped = await runPlugin(
      ["chat", "qwen", "-n", ns, "--system", "Be brief", "--max-tokens", "2"],
      { env: env(), stdin: "From a pipe" },
    );
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, "qwen heard:\n");
    assert.match(piped.stderr, /, 2 tokens,/);
    const fromStdin = await runPlugin(["chat", "qwen", "-n", ns], {
      env: env(),
      stdin: "From a pipe",
    });
    assert.equal(fromStdin.stdout, "qwen heard: From a pipe\n", fromStdin.stderr);

    // predict --chat is chat: the same stream and timing.
    const alias = await runPlugin(["predict", "qwen", "-n", ns, "--chat", question], {
      env: env(),
    });
    assert.equal(alias.code, 0, alias.stderr);
    assert.equal(alias.stdout, `${answer}\n`);
    assert.match(alias.stderr, TIMING);

    // Refused before anything is sent.
    for (
      const [args, message] of [
        [["-m", " "], /The message is empty/],
        [["--max-tokens", "0", "-m", "Hi"], /Invalid --max-tokens "0"/],
        [["--temperature", "hot", "-m", "Hi"], /Invalid --temperature "hot"/],
      ] as const
    ) {
      const refused = await runPlugin(["chat", "qwen", "-n", ns, ...args], { env: env() });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, message);
    }
    const empty = await runPlugin(["chat", "qwen", "-n", ns], { env: env(), stdin: "" });
    assert.equal(empty.code, 2, empty.stderr);
    assert.match(empty.stderr, /chat needs a message/);
  });
});

Deno.test("chat names the model server's refusal with its status and body, streamed or not", async () => {
  await withNamespace("chat-refused", async (ns) => {
    // A server that serves another model name than the one asked for (the deployment backend,
    // where the server's --model_name is what the user passed): the server's own 404.
    const deployed = await runPlugin([
      "deploy",
      "other",
      "-n",
      ns,
      "--backend",
      "deployment",
      "--image",
      MODEL_SERVER_IMAGE,
      "--arg=--model_name=toy",
      "--port",
      "8080",
      "--wait",
      "--timeout",
      "60s",
    ], { env: env() });
    assert.equal(deployed.code, 0, deployed.stderr);
    for (const extra of [[], ["--no-stream"]]) {
      const refused = await runPlugin(["chat", "other", "-n", ns, "-m", "Hi", ...extra], {
        env: env(),
      });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /The model server answered HTTP 404: .*Model with name other does not exist/,
      );
      assert.match(refused.stderr, new RegExp(`kubectl kserve status other -n ${ns}`));
      assert.equal(refused.stdout, "");
    }
    // A model that is not there is named as such, before any request to a server.
    const missing = await runPlugin(["chat", "nothing-here", "-n", ns, "-m", "Hi"], { env: env() });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`No model "nothing-here" in namespace ${ns}`));
  });
});
