import assert from "node:assert/strict";
import { isQuantity, quantityValue } from "../../lib/quantity.ts";

Deno.test("quantityValue() reads every suffix kind, and the same quantity written two ways is equal", () => {
  assert.equal(quantityValue("500m"), 0.5);
  assert.equal(quantityValue("4000m"), quantityValue("4"));
  assert.equal(quantityValue("1Gi"), 2 ** 30);
  assert.equal(quantityValue("1e3"), 1000);
  assert.ok(Math.abs(quantityValue("100u")! - 1e-4) < 1e-15);
  assert.equal(quantityValue(6), 6);
  assert.equal(quantityValue(".5"), 0.5);
});

Deno.test("isQuantity() takes what the API server takes: one suffix or one exponent, never both", () => {
  for (const ok of ["2", "500m", "512Mi", "4Gi", "1.5", "+1", "1e3", "100n"]) {
    assert.ok(isQuantity(ok), ok);
  }
  for (const bad of ["lots", "1e3Mi", "5 Gi", "1GiB", "", "1.2.3", "Mi"]) {
    assert.ok(!isQuantity(bad), bad);
    assert.equal(quantityValue(bad), undefined, bad);
  }
});
