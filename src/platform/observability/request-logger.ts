import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type ParentLogger = FastifyBaseLogger & { isLevelEnabled: (level: string) => boolean };

/**
 * Fastify's `childLoggerFactory`: the same per-request pino child (same bindings, so every line still
 * carries its reqId), built on the first call at an enabled level instead of for every request. Pino
 * serialises and redacts a child's bindings when it is created, about 4 µs per request, and at
 * LOG_LEVEL=warn a request that succeeds never logs a line, so that work was thrown away.
 */
export function requestLoggerFactory(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  const p = parent as Partial<ParentLogger> & FastifyBaseLogger;
  // A route-level level or serializers change what is enabled or written: keep pino's own child then.
  if (typeof p.isLevelEnabled !== 'function' || options.level !== undefined || options.serializers !== undefined) {
    return parent.child(bindings, options);
  }
  return new LazyChildLogger(p as ParentLogger, bindings, options);
}

class LazyChildLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: ParentLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilentOrString {
    return this.real ? this.real.level : this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.materialize().level = level;
  }

  // Prototype methods, not arrow fields: this object is made once per request.
  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.materialize().child(bindings, options);
  }

  private log(level: Level, args: unknown[]): void {
    // Once built, the child decides (its level may have been changed through the setter).
    if (this.real === undefined && !this.parent.isLevelEnabled(level)) return;
    const real = this.materialize();
    (real[level] as (...a: unknown[]) => void).apply(real, args);
  }

  private materialize(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }
}
