// Minimal ambient typings for the two untyped dev dependencies the benchmarks
// use. Neither `oidc-provider` nor `autocannon` ships its own .d.ts and we
// must not add @types packages from here, so we declare only the surface the
// bench code touches. Ambient module declarations take precedence over
// node_modules resolution, so these stay valid if @types/* appear later.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** Subset of oidc-provider's configuration object that bench/ uses. */
  export interface Configuration {
    clients?: Array<Record<string, unknown>>;
    jwks?: { keys: Array<Record<string, unknown>> };
    scopes?: string[];
    features?: Record<string, unknown>;
    ttl?: Record<string, unknown>;
    cookies?: { keys?: string[] };
    [key: string]: unknown;
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    /** Koa's request listener, suitable for node:http createServer. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
  };

  export default Provider;
}

declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    timeout?: number;
  }

  export interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    total: number;
  }

  export interface Result {
    duration: number; // seconds, as measured by autocannon
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    latency: Histogram; // milliseconds
    requests: Histogram & { sent: number };
  }

  export type Callback = (err: Error | null, result: Result) => void;

  export default function autocannon(options: Options, cb: Callback): EventEmitter & { stop(): void };
}
