/**
 * The processors' step rules, as the specs name them (training/specs/*.json → model.steps, copied
 * into models/manifest.json). Python implements the same rules in narsolve_train/spec.py; the
 * contract tests hold this file to the step counts Python records in models/fixtures/.
 */

/**
 * Bellman-Ford: run until what `watch` names is unchanged for `patience` steps in a row, at most
 * nodes + patience. watch "pointers": the decoded pointers (a float processor, which never repeats its
 * state exactly). watch "state": the whole state h, bit for bit; the step is a deterministic function
 * of h, so one unchanged step is a fixed point and nothing can change after it.
 */
export interface UntilStable {
  readonly rule: 'until_stable';
  readonly watch: 'pointers' | 'state';
  readonly patience: number;
  readonly cap: 'nodes + patience';
}

/** Max flow: a fixed hop_depth + extra steps, decoded after the last. */
export interface HopDepthPlusExtra {
  readonly rule: 'hop_depth + extra';
  readonly extra: number;
}

/** The observation encoder: one call per request, no processor loop. */
export interface SinglePass {
  readonly rule: 'single_pass';
}

export type StepRule = UntilStable | HopDepthPlusExtra | SinglePass;

/** The step cap of an until_stable run on `nodes` nodes, before the serving limits. */
export function maxSteps(rule: UntilStable, nodes: number): number {
  return nodes + rule.patience;
}

/** The steps a hop_depth + extra run plans for a network of that hop depth, before the serving limits. */
export function plannedSteps(rule: HopDepthPlusExtra, hopDepth: number): number {
  return hopDepth + rule.extra;
}

/**
 * The steps a request may run: what its rule wants, cut to what the serving limit on padded slots ×
 * steps affords (at least one).
 */
export function stepBudget(wanted: number, slots: number, maxSlotSteps: number): number {
  return Math.max(1, Math.min(wanted, Math.floor(maxSlotSteps / slots)));
}

/**
 * readStepRule: the spec's `model.steps` as a rule this build implements, or why not. A spec this
 * build does not understand must make the model unavailable, never fall back to a guess.
 */
export function readStepRule(steps: unknown): StepRule | { unknown: string } {
  const s = (steps ?? {}) as Record<string, unknown>;
  const count = (key: string) => (Number.isInteger(s[key]) && (s[key] as number) >= 0 ? (s[key] as number) : undefined);
  if (s.rule === 'until_stable') {
    const patience = count('patience');
    if (patience === undefined || patience < 1) return { unknown: 'model.steps.patience must be a positive integer' };
    if (s.watch !== 'pointers' && s.watch !== 'state') return { unknown: `model.steps.watch ${JSON.stringify(s.watch)} is not "pointers" or "state"` };
    if (s.cap !== 'nodes + patience') return { unknown: `model.steps.cap ${JSON.stringify(s.cap)} is not a cap this build implements ("nodes + patience")` };
    return { rule: 'until_stable', watch: s.watch, patience, cap: 'nodes + patience' };
  }
  if (s.rule === 'single_pass') return { rule: 'single_pass' };
  if (s.rule === 'hop_depth + extra') {
    const extra = count('extra');
    if (extra === undefined) return { unknown: 'model.steps.extra must be a non-negative integer' };
    return { rule: 'hop_depth + extra', extra };
  }
  return { unknown: `model.steps.rule ${JSON.stringify(s.rule)} is not a step rule this build implements` };
}
