import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { COUNTRY_CURRENCY, FX_PER_USD, TIER_PRICES } from "./params.ts";

const SEED = fileURLToPath(new URL("../../seeds/fx_rates.csv", import.meta.url));

/** The seed as currency -> units per USD, read as plain CSV (no quoting in this file). */
async function seedRates(): Promise<Map<string, number>> {
  const [header, ...rows] = (await Deno.readTextFile(SEED)).trimEnd().split("\n");
  assert.equal(header, "currency,units_per_usd");
  const out = new Map<string, number>();
  for (const row of rows) {
    const [currency, rate, ...rest] = row.split(",");
    assert.equal(rest.length, 0, `row '${row}' has extra columns`);
    assert.ok(!out.has(currency!), `${currency} appears twice`);
    out.set(currency!, Number(rate));
  }
  return out;
}

Deno.test("seeds/fx_rates.csv holds exactly the generator's FX_PER_USD", async () => {
  const seed = await seedRates();
  assert.deepEqual(Object.fromEntries([...seed].sort()), Object.fromEntries(Object.entries(FX_PER_USD).sort()));
});

Deno.test("every currency the generator pays in has a rate", () => {
  const used = new Set([...Object.values(COUNTRY_CURRENCY), ...Object.keys(TIER_PRICES)]);
  for (const c of used) assert.ok(FX_PER_USD[c] !== undefined, `${c} has no rate`);
});
