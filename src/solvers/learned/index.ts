import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../paths';

/** Whether a learned solver can answer, and if not, why (shown by /readyz and in fallbackReason). */
export interface LearnedReadiness {
  readonly ready: boolean;
  readonly reason: string;
  readonly runtime?: string;
}

export interface LearnedSolvers {
  readonly route: LearnedReadiness;
  readonly maxflow: LearnedReadiness;
}

const MODEL_FILES = { route: 'bellman_ford.onnx', maxflow: 'maxflow.onnx' } as const;

/**
 * loadLearnedSolvers: finds the ONNX models and the runtime. A missing model or runtime never
 * stops the service; it only makes the learned solvers unavailable with a reason.
 */
export async function loadLearnedSolvers(modelsDir = join(packageRoot(), 'models')): Promise<LearnedSolvers> {
  let runtime: string | undefined;
  let runtimeError: string | undefined;
  try {
    const ort = await import('onnxruntime-node');
    runtime = `onnxruntime-node ${ort.env.versions?.node ?? 'unknown version'}`;
  } catch (error) {
    runtimeError = `onnxruntime-node failed to load: ${(error as Error).message}`;
  }
  const readiness = (kind: keyof typeof MODEL_FILES): LearnedReadiness => {
    const file = join(modelsDir, MODEL_FILES[kind]);
    if (runtimeError) return { ready: false, reason: runtimeError };
    if (!existsSync(file)) return { ready: false, reason: `no model file at models/${MODEL_FILES[kind]}`, runtime };
    // Serving a model arrives with the learned-solver issues; until then a file alone is not enough.
    return { ready: false, reason: `models/${MODEL_FILES[kind]} is present but this build has no learned ${kind} solver yet`, runtime };
  };
  return { route: readiness('route'), maxflow: readiness('maxflow') };
}

/** The learned solvers as unavailable, for embedders that do not want the runtime loaded. */
export function learnedDisabled(reason = 'learned solvers disabled by configuration'): LearnedSolvers {
  return { route: { ready: false, reason }, maxflow: { ready: false, reason } };
}
