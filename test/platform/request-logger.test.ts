import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requestLoggerFactory } from '../../src/platform/observability/request-logger.js';

/** A Fastify app logging through the lazy request logger into memory; each line parsed. */
async function run(level: string, route: (log: import('fastify').FastifyBaseLogger) => void): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = Fastify({ logger: { level, stream }, childLoggerFactory: requestLoggerFactory, genReqId: () => 'req-42' });
  app.get('/', async (request) => {
    route(request.log);
    return 'ok';
  });
  await app.inject({ url: '/' });
  await app.close();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('per-request logger', () => {
  it('writes nothing below the level, and enabled lines carry the request id', async () => {
    const lines = await run('warn', (log) => {
      log.info('hidden');
      log.debug('hidden');
      log.warn({ detail: 1 }, 'shown');
      log.error('also shown');
    });
    expect(lines.map((l) => l.msg)).toEqual(['shown', 'also shown']);
    expect(lines.every((l) => l.reqId === 'req-42')).toBe(true);
    expect(lines[0]?.detail).toBe(1);
  });

  it('keeps Fastify request logging at info, with the request id', async () => {
    const lines = await run('info', (log) => log.info('in handler'));
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'in handler', 'request completed']);
    expect(lines.every((l) => l.reqId === 'req-42')).toBe(true);
  });

  it('supports child loggers and reports the effective level', async () => {
    const lines = await run('warn', (log) => {
      expect(log.level).toBe('warn');
      log.child({ part: 'x' }).warn('from child');
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ reqId: 'req-42', part: 'x', msg: 'from child' });
  });
});
