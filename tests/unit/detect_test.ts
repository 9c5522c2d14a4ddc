import assert from "node:assert/strict";
import { versionFromImage } from "../../lib/kserve/detect.ts";
import { renderVersion } from "../../lib/commands/version.ts";

Deno.test("versionFromImage() reads the tag and ignores registry ports and digests", () => {
  assert.equal(versionFromImage("kserve/kserve-controller:v0.16.0"), "v0.16.0");
  assert.equal(versionFromImage("registry:5000/kserve/kserve-controller:v0.20.0"), "v0.20.0");
  assert.equal(versionFromImage("kserve/kserve-controller:v0.20.0@sha256:abc"), "v0.20.0");
  assert.equal(versionFromImage("registry:5000/kserve/kserve-controller@sha256:abc"), "unknown");
});

Deno.test("renderVersion() prints text and JSON", () => {
  const report = {
    clientVersion: { version: "v0.1.0" },
    serverVersion: { gitVersion: "v1.36.3", major: "1", minor: "36", platform: "linux/amd64" },
    kserveVersion: {
      installed: true as const,
      version: "v0.16.0",
      namespace: "kserve",
      image: "kserve/kserve-controller:v0.16.0",
    },
  };
  assert.equal(
    renderVersion(report, "text"),
    "Client Version: v0.1.0\nServer Version: v1.36.3\nKServe Version: v0.16.0 (namespace kserve)\n",
  );
  assert.deepEqual(JSON.parse(renderVersion(report, "json")), report);
  assert.match(
    renderVersion({ ...report, kserveVersion: { installed: false } }, "text"),
    /KServe Version: not installed/,
  );
});
