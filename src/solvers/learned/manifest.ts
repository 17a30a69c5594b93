import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The names the TypeScript side feeds and reads; the contract test checks them against the spec. */
export const BELLMAN_FORD_INPUTS = ['h', 'source', 'nbr_index', 'nbr_weight', 'nbr_mask'] as const;
export const BELLMAN_FORD_OUTPUTS = ['h_next', 'pointer_logits', 'distance', 'reached'] as const;
export const MAXFLOW_INPUTS = ['h', 'source', 'sink', 'in_index', 'in_capacity', 'in_mask', 'out_index', 'out_capacity', 'out_mask'] as const;
export const MAXFLOW_OUTPUTS = ['h_next', 'flow_fraction', 'cut_logit'] as const;

export interface ModelEntry {
  name: string;
  file: string;
  version: string;
  sha256: string;
  opset: number;
  spec: { name: string; model: { hidden: number; steps?: { extra: number }; stopping?: { patience: number }; step_inputs: Record<string, unknown>; step_outputs: Record<string, unknown> } };
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  limits?: { max_padded_slots?: number; max_slot_steps?: number };
  evaluation?: unknown;
}

/**
 * readModelEntry: the manifest entry for a model, checked against the file beside it (sha256),
 * the opsets onnxruntime-node accepts, and the tensor names this code uses. Returns the entry or
 * the reason it cannot be served.
 */
export function readModelEntry(modelsDir: string, name: string, inputs: readonly string[], outputs: readonly string[]): { entry: ModelEntry; path: string } | { reason: string } {
  const manifestPath = join(modelsDir, 'manifest.json');
  if (!existsSync(manifestPath)) return { reason: 'no models/manifest.json' };
  let entry: ModelEntry | undefined;
  try {
    entry = JSON.parse(readFileSync(manifestPath, 'utf8')).models?.[name];
  } catch (error) {
    return { reason: `models/manifest.json is not valid JSON: ${(error as Error).message}` };
  }
  if (!entry) return { reason: `models/manifest.json has no entry for ${name}` };
  const path = join(modelsDir, entry.file);
  if (!existsSync(path)) return { reason: `no model file at models/${entry.file}` };
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  if (sha !== entry.sha256) return { reason: `models/${entry.file} does not match its manifest sha256 (corrupt or replaced)` };
  if (entry.opset < 16 || entry.opset > 26) return { reason: `opset ${entry.opset} is outside what onnxruntime-node accepts (16–26)` };
  const same = (a: readonly string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(inputs, Object.keys(entry.inputs)) || !same(outputs, Object.keys(entry.outputs))) {
    return { reason: `models/${entry.file} has tensors ${Object.keys(entry.inputs)} → ${Object.keys(entry.outputs)}, this build expects ${inputs} → ${outputs}` };
  }
  return { entry, path };
}
