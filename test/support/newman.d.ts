/** The part of newman's Node API the tests use: newman ships no types (and @types/newman is not installed). */
declare module 'newman' {
  export interface NewmanExecution {
    item: { name: string };
    request: { method: string; url: { toString(): string }; headers: { get(name: string): string | undefined } };
    response?: { code: number; stream?: Buffer };
    requestError?: Error;
  }

  export interface NewmanSummary {
    run: {
      executions: NewmanExecution[];
      failures: { error: { name: string; message: string; test?: string }; source?: { name?: string } }[];
      stats: { requests: { total: number; failed: number } };
    };
  }

  export interface NewmanRunOptions {
    collection: object;
    envVar?: { key: string; value: string }[];
    folder?: string | string[];
    reporters?: string[];
    timeoutRequest?: number;
  }

  const newman: { run(options: NewmanRunOptions, callback: (error: Error | null, summary: NewmanSummary) => void): unknown };
  export default newman;
}
