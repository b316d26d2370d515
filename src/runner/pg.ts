/**
 * PostgreSQL materializations, all write-audit-publish:
 *
 * - view: recreated inside a transaction, audited there, committed only when its blocking tests pass;
 * - table (and seeds, and the full build of incrementals and snapshots): built into `<name>__new`, indexed,
 *   audited, then swapped in one transaction (dependent views are recreated), so readers see the old table or
 *   the new one, never a half-built or failing one;
 * - incremental: the increment goes into a temporary table, then delete + insert into the live table, the audit
 *   (scoped to the increment) and the state update, all in one transaction: a blocking failure rolls it back;
 * - snapshot (SCD2): an incremental on the version start, whose `valid_to`/`is_current` are then recomputed for
 *   every touched entity.
 *
 * @module
 */
import type { Sql, TxSql } from "../clients/postgres.ts";
import { copyRows } from "../clients/postgres.ts";
import {
  indexName,
  pgCreateTableAs,
  pgIncrementDelete,
  pgIndexes,
  qualified,
  type Relation,
  snapshotCloseVersions,
  snapshotSelect,
  tableIndexes,
} from "./compile.ts";
import { pgLiteral as literal, quoteIdent } from "./quote.ts";
import { parseCsv, seedTableDdl } from "./seeds.ts";
import type { Node } from "./types.ts";
import type { SeedSpec } from "./project.ts";

/** A model's blocking test failed; the transaction is rolled back and nothing is published. */
export class AuditFailed extends Error {
  override name = "AuditFailed";
}

/** Run the audit on a connection (the transaction's, when there is one); true when nothing blocks. */
export type PgAudit = (conn: Sql | TxSql, overrides: Map<string, string>, scope?: string) => Promise<boolean>;

/** What a build did. */
export interface Built {
  rows: number;
  published: boolean;
}

/**
 * Run a statement that ends with a model's select; a PostgreSQL error's position is re-expressed as
 * `selectPosition` (1-based, within the select), so the caller can name the model file's line.
 */
async function runWithSelect(conn: Sql | TxSql, head: string, select: string) {
  try {
    return await conn.unsafe(head + select);
  } catch (e) {
    const pos = Number((e as { position?: string }).position);
    if (pos > head.length) (e as { selectPosition?: number }).selectPosition = pos - head.length;
    throw e;
  }
}

/** Whether a relation exists, and as what (`r` table, `v` view, ...). */
export async function pgRelkind(sql: Sql | TxSql, r: Relation): Promise<string | null> {
  const [row] = await sql.unsafe<{ relkind: string }[]>(
    `select c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${literal(r.schema)} and c.relname = ${literal(r.name)}`,
  );
  return row?.relkind ?? null;
}

interface DependentView {
  schema: string;
  name: string;
  kind: string;
  def: string;
  depth: number;
}

/** Views (and materialized views) that depend on a relation, transitively, shallowest first. */
async function dependentViews(tx: TxSql, r: Relation): Promise<DependentView[]> {
  return await tx.unsafe<DependentView[]>(
    `with recursive deps as (
       select v.oid, 1 as depth
       from pg_depend d join pg_rewrite rw on rw.oid = d.objid join pg_class v on v.oid = rw.ev_class
       where d.classid = 'pg_rewrite'::regclass and d.refobjid = ${literal(qualified(r))}::regclass
         and v.oid <> d.refobjid
       union all
       select v.oid, deps.depth + 1
       from deps join pg_depend d on d.refobjid = deps.oid join pg_rewrite rw on rw.oid = d.objid
         join pg_class v on v.oid = rw.ev_class
       where d.classid = 'pg_rewrite'::regclass and v.oid <> deps.oid and deps.depth < 50
     )
     select n.nspname as schema, c.relname as name, c.relkind as kind, pg_get_viewdef(c.oid) as def,
       max(deps.depth) as depth
     from deps join pg_class c on c.oid = deps.oid join pg_namespace n on n.oid = c.relnamespace
     group by 1, 2, 3, 4 order by 5, 1, 2`,
  );
}

/**
 * Replace the live relation by `build` in the caller's transaction: dependent views are captured, the old
 * relation dropped, the new one renamed (with its indexes), and the views recreated.
 */
async function swap(tx: TxSql, live: Relation, buildName: string, indexes: string[][]) {
  const kind = await pgRelkind(tx, live);
  const views = kind ? await dependentViews(tx, live) : [];
  if (kind === "v") await tx.unsafe(`drop view ${qualified(live)} cascade`);
  else if (kind === "m") await tx.unsafe(`drop materialized view ${qualified(live)} cascade`);
  else if (kind) await tx.unsafe(`drop table ${qualified(live)} cascade`);
  await tx.unsafe(`alter table ${quoteIdent(live.schema)}.${quoteIdent(buildName)} rename to ${quoteIdent(live.name)}`);
  for (const cols of indexes) {
    await tx.unsafe(
      `alter index ${quoteIdent(live.schema)}.${quoteIdent(indexName(buildName, cols))} rename to ${
        quoteIdent(indexName(live.name, cols))
      }`,
    );
  }
  for (const v of views) {
    const what = v.kind === "m" ? "materialized view" : "view";
    await tx.unsafe(`create ${what} ${quoteIdent(v.schema)}.${quoteIdent(v.name)} as ${v.def}`);
  }
}

/** Build a table (or the full build of an incremental or snapshot) into `__new`, audit, swap in. */
export async function pgBuildTable(
  sql: Sql,
  node: Node,
  live: Relation,
  select: string,
  audit: PgAudit,
  onPublish: (tx: TxSql) => Promise<void>,
): Promise<Built> {
  const buildName = live.name + "__new";
  const build = qualified({ ...live, name: buildName });
  const cfg = node.config;
  await sql.unsafe(`create schema if not exists ${quoteIdent(live.schema)}`);
  await sql.unsafe(`drop table if exists ${build}`);
  const body = cfg.materialized === "snapshot"
    ? snapshotSelect(select, cfg.durable_key!, cfg.updated_at!, cfg.unique_key[0]!)
    : select;
  const created = cfg.materialized === "snapshot"
    ? await sql.unsafe(pgCreateTableAs(build, body))
    : await runWithSelect(sql, pgCreateTableAs(build, ""), select);
  for (const stmt of pgIndexes(live.schema, buildName, tableIndexes(node))) await sql.unsafe(stmt);
  await sql.unsafe(`analyze ${build}`);
  const ok = await audit(sql, new Map([[node.name, build]]));
  if (!ok) {
    await sql.unsafe(`drop table if exists ${build}`);
    return { rows: created.count, published: false };
  }
  await sql.begin(async (tx) => {
    await swap(tx, live, buildName, tableIndexes(node));
    await onPublish(tx);
  });
  return { rows: created.count, published: true };
}

/** Load a seed into `__new`, audit, swap in. */
export async function pgLoadSeed(
  sql: Sql,
  node: Node,
  live: Relation,
  seed: SeedSpec,
  audit: PgAudit,
): Promise<Built> {
  const buildName = live.name + "__new";
  const build = qualified({ ...live, name: buildName });
  await sql.unsafe(`create schema if not exists ${quoteIdent(live.schema)}`);
  await sql.unsafe(`drop table if exists ${build}`);
  await sql.unsafe(seedTableDdl(build, seed.columns));
  const rows = parseCsv(seed.file);
  for (const [i, r] of rows.entries()) {
    if (r.length !== seed.columns.length) {
      throw new Error(`${node.path}:${i + 2}: ${r.length} fields, the header has ${seed.columns.length}`);
    }
  }
  const count = await copyRows(sql, `${live.schema}.${buildName}`, seed.columns.map((c) => c.name), rows);
  const ok = await audit(sql, new Map([[node.name, build]]));
  if (!ok) {
    await sql.unsafe(`drop table if exists ${build}`);
    return { rows: count, published: false };
  }
  await sql.begin(async (tx) => await swap(tx, live, buildName, []));
  return { rows: count, published: true };
}

/** Recreate a view, audit it in the same transaction, commit only when nothing blocks. */
export async function pgBuildView(
  sql: Sql,
  live: Relation,
  select: string,
  audit: PgAudit,
  scope: string | undefined,
  onPublish: (tx: TxSql) => Promise<void>,
): Promise<Built> {
  await sql.unsafe(`create schema if not exists ${quoteIdent(live.schema)}`);
  try {
    await sql.begin(async (tx) => {
      const kind = await pgRelkind(tx, live);
      if (kind === "v") {
        // Same columns: replace in place (dependent views stay). Otherwise drop and recreate them.
        try {
          await tx.savepoint(async (sp) =>
            await runWithSelect(sp, `create or replace view ${qualified(live)} as\n`, select)
          );
        } catch {
          const views = await dependentViews(tx, live);
          await tx.unsafe(`drop view ${qualified(live)} cascade`);
          await tx.unsafe(`create view ${qualified(live)} as\n${select}`);
          for (const v of views) {
            await tx.unsafe(`create view ${quoteIdent(v.schema)}.${quoteIdent(v.name)} as ${v.def}`);
          }
        }
      } else {
        if (kind) await tx.unsafe(`drop table ${qualified(live)} cascade`);
        await runWithSelect(tx, `create view ${qualified(live)} as\n`, select);
      }
      if (!(await audit(tx, new Map(), scope))) throw new AuditFailed("blocking test failed");
      await onPublish(tx);
    });
  } catch (e) {
    if (e instanceof AuditFailed) return { rows: 0, published: false };
    throw e;
  }
  return { rows: 0, published: true };
}

interface ColumnType {
  name: string;
  type: string;
}

async function columnsOf(tx: TxSql, relation: string): Promise<ColumnType[]> {
  return await tx.unsafe<ColumnType[]>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
     where attrelid = ${literal(relation)}::regclass and attnum > 0 and not attisdropped order by attnum`,
  );
}

/** The increment's columns no longer match the table, and the model says `on_schema_change: fail`. */
export class SchemaChangeError extends Error {
  override name = "SchemaChangeError";
}

/** Thrown inside the increment's transaction when the model wants a full rebuild instead. */
export class NeedsFullRefresh extends Error {
  override name = "NeedsFullRefresh";
}

/**
 * Apply an increment: temp table, schema check, delete + insert, snapshot validity, audit, state; one
 * transaction. Returns rows inserted; `published: false` when a blocking test failed (rolled back).
 */
export async function pgApplyIncrement(
  sql: Sql,
  node: Node,
  live: Relation,
  select: string,
  window: { start: string; end?: string } | undefined,
  audit: PgAudit,
  onPublish: (tx: TxSql) => Promise<void>,
): Promise<Built & { deleted: number }> {
  const cfg = node.config;
  const target = qualified(live);
  const incName = `${live.name}__incr`;
  try {
    return await sql.begin(async (tx) => {
      await runWithSelect(tx, `create temporary table ${quoteIdent(incName)} on commit drop as\n`, select);
      const inc = await columnsOf(tx, `pg_temp.${quoteIdent(incName)}`);
      const snapshotCols = cfg.materialized === "snapshot" ? ["valid_to", "is_current"] : [];
      const have = (await columnsOf(tx, target)).filter((c) => !snapshotCols.includes(c.name));
      await reconcileColumns(tx, node, target, inc, have);
      let touched = "";
      if (cfg.materialized === "snapshot") {
        touched = quoteIdent(`${live.name}__touched`);
        await tx.unsafe(
          `create temporary table ${touched} on commit drop as select distinct ${cfg.durable_key} from ${target}
           where false`,
        );
      }
      const del = cfg.materialized === "snapshot"
        ? await tx.unsafe(
          `with d as (${pgIncrementDelete(node, target, incName, window)} returning ${cfg.durable_key})
           insert into ${touched} select distinct ${cfg.durable_key} from d`,
        )
        : await tx.unsafe(pgIncrementDelete(node, target, quoteIdent(incName), window));
      const cols = inc.map((c) => quoteIdent(c.name)).join(", ");
      const ins = await tx.unsafe(`insert into ${target} (${cols}) select ${cols} from ${quoteIdent(incName)}`);
      if (cfg.materialized === "snapshot") {
        await tx.unsafe(`insert into ${touched} select distinct ${cfg.durable_key} from ${quoteIdent(incName)}`);
        await tx.unsafe(
          snapshotCloseVersions(target, touched, cfg.durable_key!, cfg.updated_at!, cfg.unique_key[0]!),
        );
      }
      const scope = cfg.materialized === "snapshot" || cfg.incremental_strategy === "time_range"
        ? undefined
        : `(${cfg.unique_key.join(", ")}) in (select ${cfg.unique_key.join(", ")} from ${quoteIdent(incName)})`;
      if (!(await audit(tx, new Map(), scope))) throw new AuditFailed("blocking test failed");
      await onPublish(tx);
      return { rows: ins.count, deleted: del.count, published: true };
    });
  } catch (e) {
    if (e instanceof AuditFailed) return { rows: 0, deleted: 0, published: false };
    throw e;
  }
}

async function reconcileColumns(tx: TxSql, node: Node, target: string, inc: ColumnType[], have: ColumnType[]) {
  const byName = new Map(have.map((c) => [c.name, c.type]));
  const added = inc.filter((c) => !byName.has(c.name));
  const retyped = inc.filter((c) => byName.has(c.name) && byName.get(c.name) !== c.type);
  const dropped = have.filter((c) => !inc.some((i) => i.name === c.name));
  if (added.length === 0 && retyped.length === 0 && dropped.length === 0) return;
  const describe = [
    added.length ? `new columns ${added.map((c) => `${c.name} ${c.type}`).join(", ")}` : "",
    dropped.length ? `columns gone ${dropped.map((c) => c.name).join(", ")}` : "",
    retyped.length
      ? `changed types ${retyped.map((c) => `${c.name} ${byName.get(c.name)} -> ${c.type}`).join(", ")}`
      : "",
  ].filter((s) => s !== "").join("; ");
  const policy = node.config.on_schema_change;
  if (policy === "full_refresh") throw new NeedsFullRefresh(describe);
  if (policy === "append_new_columns" && retyped.length === 0) {
    for (const c of added) await tx.unsafe(`alter table ${target} add column ${quoteIdent(c.name)} ${c.type}`);
    return;
  }
  throw new SchemaChangeError(
    `${node.path}: the select's columns no longer match ${target} (${describe}); rebuild it with ` +
      `--full-refresh, or set on_schema_change: append_new_columns or full_refresh`,
  );
}
