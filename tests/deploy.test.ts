/**
 * The deployment files say what the server does: compose.yaml and the Kubernetes manifests set
 * only variables this server reads, with values its configuration accepts; probe paths it serves;
 * Redis with the persistence under which an acknowledged write survives a Redis restart; a
 * disruption budget that selects the replicas. They cannot be run here (no image registry), so
 * this is what keeps them from drifting from the code.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll, load } from 'js-yaml';
import { ENDPOINTS } from '../src/api/routes';
import { loadServerConfig } from '../src/config';

const ROOT = join(__dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const served = new Set(ENDPOINTS.filter((e) => e.method === 'get').map((e) => e.path));

/** The environment a deployment file gives the server, checked as the server checks it at start. */
function acceptedByServer(env: Record<string, string>): void {
  const keys = mkdtempSync(join(tmpdir(), 'narsolve-deploy-'));
  const file = join(keys, 'api-keys');
  writeFileSync(file, 'acme:0123456789abcdef0123\n');
  const resolved = { ...env, ...(env.NARSOLVE_API_KEYS_FILE && { NARSOLVE_API_KEYS_FILE: file }) };
  for (const name of Object.keys(env)) expect(README).toContain(`\`${name}\``);
  expect(() => loadServerConfig(resolved)).not.toThrow();
}

function redisPersists(args: string[]): void {
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  expect([after('--appendonly'), after('--appendfsync')]).toEqual(['yes', 'always']);
}

test('compose.yaml: three replicas on a Redis that fsyncs every write, behind a balancer that knows them', () => {
  const compose = load(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as any;
  const { redis, narsolve, balancer } = compose.services;
  redisPersists(redis.command.slice(1));
  expect(narsolve.deploy.replicas).toBe(3);
  const env = Object.fromEntries(Object.entries(narsolve.environment as Record<string, string>).map(([k, v]) => [k, String(v).replace(/\$\{[^}]*\}/g, '')]));
  expect(env.NARSOLVE_STORE).toBe('redis://redis:6379/0');
  acceptedByServer(env);
  const mounted = (balancer.volumes as string[]).map((v) => v.split(':')[0]);
  expect(mounted).toContain('./deploy/nginx.conf');
  const nginx = readFileSync(join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
  expect(nginx).toMatch(/server narsolve:8080 resolve/);
});

test('the Kubernetes manifests: probes on served paths, requests, a budget that selects the replicas, Redis persisted', () => {
  const docs = loadAll(readFileSync(join(ROOT, 'deploy', 'kubernetes', 'narsolve.yaml'), 'utf8')) as any[];
  const byKind = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  const deployment = byKind('Deployment', 'narsolve');
  const container = deployment.spec.template.spec.containers[0];
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) expect(served.has(container[probe].httpGet.path)).toBe(true);
  expect([container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path]).toEqual(['/healthz', '/readyz']);
  expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
  acceptedByServer(Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value])));
  const budget = byKind('PodDisruptionBudget', 'narsolve');
  expect(budget.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
  expect(budget.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  const redis = byKind('StatefulSet', 'narsolve-redis');
  redisPersists(redis.spec.template.spec.containers[0].args);
  // The store URL names the Redis service.
  const store = container.env.find((e: { name: string }) => e.name === 'NARSOLVE_STORE').value as string;
  expect(byKind('Service', new URL(store).hostname)).toBeDefined();
  expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
});
