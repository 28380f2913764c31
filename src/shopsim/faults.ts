export type Controller = 'apiShopContent' | 'apiHealthCheck';

/**
 * When a fault fires: on each of the next `next` calls, then on a `rate` (0..1) share of the calls after
 * those (drawn from the seeded generator), counting only calls to `controller` when it is set.
 */
export interface FaultTrigger {
  next?: number;
  rate?: number;
  controller?: Controller;
}

export interface ChurnFault {
  /** Records added at the start of the table after each full-sync page the collector took (pages shift: rows are sent twice). */
  inserts?: number;
  /** Records removed from the start of the table after each such page (pages shift: rows are never sent). */
  deletes?: number;
  /** Only these contents (snake_case); default every content. */
  contents?: string[];
}

/** Everything that can go wrong, settable at construction, with setFaults and PUT /__sim/faults. */
export interface FaultConfig {
  /** Every answer of the two controllers waits this long. */
  delayMs?: number;
  /** Accept the request and never answer (until the simulator closes), or answer after `ms`. */
  hang?: FaultTrigger & { ms?: number };
  /** Answer HTTP 500 "Server error" without doing anything. */
  error500?: FaultTrigger;
  /** Answer this module error (452 token, 454 database/job, 458 query) without doing anything. */
  shopError?: FaultTrigger & { code: 452 | 454 | 458 };
  /** Do the work, then answer with PHP warnings printed before the JSON (display_errors on). */
  malformedJson?: FaultTrigger;
  /** Data changing during a full sync. */
  churn?: ChurnFault;
  /**
   * Lose queued events as the module's queue-size guard does (it returns before queueing, one event in
   * 20 on a real shop): a trigger counted per hook call rather than per controller call.
   */
  loseEvents?: Omit<FaultTrigger, 'controller'>;
  /** Seed of the generator behind every `rate` (default 1). */
  seed?: number;
}

/** What the faults decided for one controller call. */
export interface CallFaults {
  delayMs: number;
  hang: { ms: number | undefined } | undefined;
  error500: boolean;
  shopError: 452 | 454 | 458 | undefined;
  malformedJson: boolean;
}

const TRIGGERS = ['hang', 'error500', 'shopError', 'malformedJson', 'loseEvents'] as const;

export class Faults {
  private current: FaultConfig = {};
  private random: () => number = mulberry32(1);

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  /** Replaces the whole configuration (and restarts the `next` counts and the generator). */
  set(config: FaultConfig): void {
    validate(config);
    this.current = structuredClone(config);
    this.random = mulberry32(config.seed ?? 1);
  }

  /** The configuration, with what is left of each `next` count. */
  get config(): FaultConfig {
    return structuredClone(this.current);
  }

  /** The faults of one call; the first of hang, error500, shopError that fires excludes the others. */
  forCall(controller: Controller): CallFaults {
    const fires = (trigger: FaultTrigger | undefined) => this.fires(trigger, controller);
    const decided: CallFaults = { delayMs: this.current.delayMs ?? 0, hang: undefined, error500: false, shopError: undefined, malformedJson: false };
    if (fires(this.current.hang)) decided.hang = { ms: this.current.hang!.ms };
    else if (fires(this.current.error500)) decided.error500 = true;
    else if (fires(this.current.shopError)) decided.shopError = this.current.shopError!.code;
    else decided.malformedJson = fires(this.current.malformedJson);
    return decided;
  }

  churn(content: string): { inserts: number; deletes: number } | undefined {
    const churn = this.current.churn;
    if (!churn || (churn.contents && !churn.contents.includes(content))) return undefined;
    const inserts = churn.inserts ?? 0;
    const deletes = churn.deletes ?? 0;
    return inserts > 0 || deletes > 0 ? { inserts, deletes } : undefined;
  }

  loseEvent(): boolean {
    return this.fires(this.current.loseEvents, undefined);
  }

  private fires(trigger: FaultTrigger | undefined, controller: Controller | undefined): boolean {
    if (!trigger || (trigger.controller && controller && trigger.controller !== controller)) return false;
    if ((trigger.next ?? 0) > 0) {
      trigger.next!--;
      return true;
    }
    return trigger.rate !== undefined && trigger.rate > 0 && this.random() < trigger.rate;
  }
}

export class FaultConfigError extends Error {
  override name = 'FaultConfigError';
}

function validate(config: FaultConfig): void {
  if (typeof config !== 'object' || config === null) throw new FaultConfigError('faults must be an object');
  const known = new Set<string>(['delayMs', 'churn', 'seed', ...TRIGGERS]);
  const unknown = Object.keys(config).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new FaultConfigError(`unknown fault ${unknown.map((k) => `"${k}"`).join(', ')}`);
  const count = (value: unknown, what: string) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < 0)) throw new FaultConfigError(`${what} must be a non-negative integer`);
  };
  count(config.delayMs, 'delayMs');
  count(config.seed, 'seed');
  for (const name of TRIGGERS) {
    const trigger = config[name] as (FaultTrigger & { ms?: number }) | undefined;
    if (trigger === undefined) continue;
    if (typeof trigger !== 'object' || trigger === null) throw new FaultConfigError(`${name} must be an object`);
    count(trigger.next, `${name}.next`);
    count(trigger.ms, `${name}.ms`);
    if (trigger.rate !== undefined && !(typeof trigger.rate === 'number' && trigger.rate >= 0 && trigger.rate <= 1)) throw new FaultConfigError(`${name}.rate must be between 0 and 1`);
    if (trigger.controller !== undefined && trigger.controller !== 'apiShopContent' && trigger.controller !== 'apiHealthCheck') throw new FaultConfigError(`${name}.controller must be apiShopContent or apiHealthCheck`);
  }
  if (config.shopError && ![452, 454, 458].includes(config.shopError.code)) throw new FaultConfigError('shopError.code must be 452, 454 or 458');
  if (config.churn) {
    count(config.churn.inserts, 'churn.inserts');
    count(config.churn.deletes, 'churn.deletes');
  }
}

/** A small seeded generator: the same seed gives the same faults on every run. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
