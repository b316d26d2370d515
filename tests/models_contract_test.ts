/**
 * What docs/dwh.md promises about every fact, checked on the project's own model files (no services needed):
 * a blocking `relationships` test from `date_key` to `dim_date`, the key written with the `date_key()` placeholder
 * (no model spells the day by hand), and, beside each durable user key the fact is about, the dim_user version
 * key current at the event (Kimball type 7) with a blocking relationship to `dim_user.user_version_key`.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { PROJECT_ROOT } from "../src/config.ts";
import { loadProject } from "../src/runner/project.ts";

const project = await loadProject(PROJECT_ROOT);
const facts = [...project.nodes.values()].filter((n) => n.kind === "model" && n.config.tags.includes("fact"));

Deno.test("every fact has a blocking relationships test from date_key to dim_date", () => {
  assert(facts.length >= 15, `only ${facts.length} facts found`);
  const missing = facts.filter((n) =>
    !n.config.columns.some((c) =>
      c.name === "date_key" &&
      c.tests.some((t) =>
        t.kind === "relationships" && t.to === "dim_date" && t.field === "date_key" && t.severity === "error"
      )
    )
  ).map((n) => n.name);
  assertEquals(missing, []);
});

Deno.test("every model writes the date key with the date_key() placeholder, none by hand", () => {
  const byHand = [...project.nodes.values()].filter((n) => /YYYYMMDD/i.test(n.sql) && n.name !== "dim_date");
  assertEquals(byHand.map((n) => n.name), []);
  const withPlaceholder = facts.filter((n) => n.placeholders.some((p) => p.fn === "date_key"));
  assertEquals(withPlaceholder.length, facts.length);
});

Deno.test("every fact carries a user version key with a blocking relationship to dim_user (type 7)", () => {
  const missing = facts.filter((n) =>
    !n.config.columns.some((c) =>
      c.name.endsWith("user_version_key") &&
      c.tests.some((t) =>
        t.kind === "relationships" && t.to === "dim_user" && t.field === "user_version_key" && t.severity === "error"
      )
    )
  ).map((n) => n.name);
  assertEquals(missing, []);
});
