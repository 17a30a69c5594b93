/**
 * The embedded store: LMDB on disk (the `lmdb` package), one environment under the data folder.
 * Every write is one transaction committed with a sync before its promise resolves, so an
 * acknowledged write survives a crash of the process (kill -9) and of the machine; the commit runs
 * on lmdb's write thread, not the event loop. Graph metadata, graph bodies and
 * observation batches are three databases, so listing graphs never decodes their edges and an
 * observation batch is one binary record (appending costs one write, not one per observation). A
 * graph's fitted models (one per kind) are a fourth, fit jobs (embeddedJobs.ts) a fifth.
 */
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { storedNodes } from '../graph/stored';
import { batchExtent, decodeBatch, encodeBatch, KINDS } from './batch';
import { embeddedJobBoard, type StoredJob } from './embeddedJobs';
import { PreconditionFailed, QuotaRefused, type Expected, type GraphMeta, type GraphStore, type JobBoard, type ObservationBatch, type ObservationKind, type PutOptions, type StoreHealth, type StoredGraphBody, type StoredModel } from './types';

type Key = [string, string];

export class EmbeddedStore implements GraphStore {
  private readonly root: RootDatabase;
  private readonly metas: Database<GraphMeta, Key>;
  private readonly bodies: Database<StoredGraphBody, Key>;
  private readonly log: Database<Uint8Array, [string, string, number]>;
  private readonly models: Database<StoredModel, [string, string, ObservationKind]>;
  readonly jobs: JobBoard;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // overlappingSync off: a commit returns only once it is flushed to disk, which is when we acknowledge.
    this.root = open({ path: dir, overlappingSync: false, noSync: false });
    this.metas = this.root.openDB<GraphMeta, Key>({ name: 'graphs' });
    this.bodies = this.root.openDB<StoredGraphBody, Key>({ name: 'bodies' });
    this.log = this.root.openDB<Uint8Array, [string, string, number]>({ name: 'observations', encoding: 'binary' });
    this.models = this.root.openDB<StoredModel, [string, string, ObservationKind]>({ name: 'models' });
    this.jobs = embeddedJobBoard(this.root.openDB<StoredJob, [string, string]>({ name: 'jobs' }), (work) => this.write(work));
  }

  health(): StoreHealth {
    return { kind: 'embedded', ready: true };
  }

  async ready(): Promise<void> {}

  async model(tenant: string, id: string, kind: ObservationKind): Promise<StoredModel | undefined> {
    return this.models.get([tenant, id, kind]);
  }

  async putModel(tenant: string, id: string, kind: ObservationKind, model: StoredModel): Promise<boolean> {
    return this.write(() => {
      // A graph deleted (or replaced by a new one) while the fit ran keeps no model of the old one.
      const meta = this.metas.get([tenant, id]);
      if (!meta || meta.created !== model.graphCreated) return false;
      this.models.putSync([tenant, id, kind], model);
      // A graph stored before models were stamped gets stamps for the models it already has.
      const stamps = meta.models ?? Object.fromEntries(KINDS.filter((k) => this.models.get([tenant, id, k]) !== undefined).map((k) => [k, 1]));
      this.metas.putSync([tenant, id], { ...meta, models: { ...stamps, [kind]: (stamps[kind] ?? 0) + 1 } });
      return true;
    });
  }

  async list(tenant: string): Promise<GraphMeta[]> {
    return [...this.metas.getRange({ start: [tenant, ''], end: [tenant, '\uffff'] })].map(({ value }) => value);
  }

  async get(tenant: string, id: string): Promise<GraphMeta | undefined> {
    // The version check of every query: it must see a write another thread (the stored-graph worker's
    // reader, the server's writer) or process committed a moment ago, not lmdb's snapshot of this turn.
    this.root.resetReadTxn();
    return this.metas.get([tenant, id]);
  }

  async body(tenant: string, id: string): Promise<StoredGraphBody | undefined> {
    return this.bodies.get([tenant, id]);
  }

  async put(tenant: string, id: string, body: StoredGraphBody, options: PutOptions) {
    return this.write(() => {
      const old = this.metas.get([tenant, id]);
      check(old, options.expected);
      let graphs = 0;
      let others = 0;
      for (const { value } of this.metas.getRange({ start: [tenant, ''], end: [tenant, '\uffff'] })) {
        graphs++;
        if (value.id !== id) others += value.bytes;
      }
      if (!old && graphs >= options.quota.maxGraphs) throw new QuotaRefused('graphs', graphs);
      if (others + options.bytes > options.quota.maxBytes) throw new QuotaRefused('bytes', others);
      const meta: GraphMeta = {
        id,
        version: (old?.version ?? 0) + 1,
        epoch: old?.epoch ?? 0,
        nodes: storedNodes(body).length,
        edges: body.from.length,
        bytes: options.bytes,
        retentionDays: options.retentionDays,
        observations: old?.observations ?? { count: 0, latest: null },
        created: old?.created ?? options.now,
        updated: options.now,
        // Stamps start with the graph; one stored before them has none (its models are read each time).
        ...(old ? old.models && { models: old.models } : { models: {} }),
      };
      this.metas.putSync([tenant, id], meta);
      this.bodies.putSync([tenant, id], body);
      return { meta, created: old === undefined };
    });
  }

  async delete(tenant: string, id: string, expected: Expected): Promise<boolean> {
    return this.write(() => {
      const old = this.metas.get([tenant, id]);
      check(old, expected);
      if (!old) return false;
      this.metas.removeSync([tenant, id]);
      this.bodies.removeSync([tenant, id]);
      for (const kind of KINDS) this.models.removeSync([tenant, id, kind]);
      for (const key of this.log.getKeys({ start: [tenant, id, 0], end: [tenant, id, Infinity] })) this.log.removeSync(key);
      return true;
    });
  }

  async append(tenant: string, id: string, batch: Omit<ObservationBatch, 'epoch'>, options: { now: number }): Promise<GraphMeta> {
    return this.write(() => {
      const old = this.metas.get([tenant, id]);
      if (!old) throw new PreconditionFailed(0);
      let latest = old.observations.latest ?? -Infinity;
      for (const t of batch.time) if (t > latest) latest = t;
      const meta: GraphMeta = {
        ...old,
        epoch: old.epoch + 1,
        observations: { count: old.observations.count + batch.edge.length, latest: Number.isFinite(latest) ? latest : null },
        updated: options.now,
      };
      this.log.putSync([tenant, id, meta.epoch], encodeBatch(batch));
      this.metas.putSync([tenant, id], meta);
      return meta;
    });
  }

  async batches(tenant: string, id: string, after = 0): Promise<ObservationBatch[]> {
    return [...this.log.getRange({ start: [tenant, id, after + 1], end: [tenant, id, Infinity] })].map(({ key, value }) => decodeBatch(key[2], value));
  }

  async prune(tenant: string, id: string, before: number): Promise<number> {
    // Only each batch's time column is read: a sweep must not copy the whole history.
    const old: { key: [string, string, number]; rows: number }[] = [];
    for (const { key, value } of this.log.getRange({ start: [tenant, id, 0], end: [tenant, id, Infinity] })) {
      const { latest, rows } = batchExtent(value);
      if (latest < before) old.push({ key, rows });
    }
    if (old.length === 0) return 0;
    return this.write(() => {
      const meta = this.metas.get([tenant, id]);
      if (!meta) return 0;
      let dropped = 0;
      for (const { key, rows } of old) {
        this.log.removeSync(key);
        dropped += rows;
      }
      this.metas.putSync([tenant, id], { ...meta, observations: { ...meta.observations, count: meta.observations.count - dropped } });
      return dropped;
    });
  }

  async close(): Promise<void> {
    await this.root.close();
  }

  /**
   * One write, atomic: its callback runs in a child transaction of lmdb's next batch (a throw, such
   * as PreconditionFailed, aborts it alone), and the commit and its fsync run on lmdb's write thread,
   * so the event loop never waits on the disk. Resolves once committed and synced.
   */
  private write<T>(work: () => T): Promise<T> {
    return this.root.childTransaction(work) as Promise<T>;
  }
}

function check(old: GraphMeta | undefined, expected: Expected): void {
  if (!expected) return;
  if ('absent' in expected) {
    if (old) throw new PreconditionFailed(old.version);
  } else if ('present' in expected) {
    if (!old) throw new PreconditionFailed(0);
  } else if (old?.version !== expected.version) throw new PreconditionFailed(old?.version ?? 0);
}
