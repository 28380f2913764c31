import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';
import { ApiError } from '../../platform/http/api-error.js';

/** Called per chunk of the `file` part; a returned promise pauses the body until it settles. */
export type FileConsumer = (data: Buffer) => Promise<void> | undefined;

const CLOSE = { connection: 'close' };

/**
 * Streams the single `file` part of a multipart/form-data request (ps_eventbus: field `file`, filename
 * `file`, text/plain) into `consumer`, with backpressure. Other fields are skipped. Resolves with the
 * part's size once the whole body is read; rejects with the documented ApiError otherwise. Errors that
 * stop reading mid-body ask for the connection to be closed, as the rest of the body will not be read.
 */
export function readMultipartFile(request: IncomingMessage, maxBytes: number, consumer: FileConsumer): Promise<{ bytes: number }> {
  return new Promise((resolve, reject) => {
    let parser: InstanceType<typeof Busboy>;
    try {
      parser = new Busboy({
        headers: request.headers as never,
        limits: { files: 1, fileSize: maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 40, headerPairs: 20 },
        isPartAFile: (name) => name === 'file',
      });
    } catch (error) {
      reject(ApiError.badRequest('malformed_multipart', `multipart/form-data body cannot be read: ${(error as Error).message}`));
      return;
    }
    let settled = false;
    let sawFile = false;
    let fileEnded = false;
    let parserFinished = false;
    let bytes = 0;
    const fail = (error: ApiError) => {
      if (settled) return;
      settled = true;
      request.unpipe(parser);
      parser.removeAllListeners('file');
      // The rest of the body will not be read: the connection cannot be reused.
      reject(request.complete ? error : new ApiError(error.statusCode, error.code, error.message, error.details, { ...error.headers, ...CLOSE }));
    };
    const maybeDone = () => {
      if (settled || !parserFinished || (sawFile && !fileEnded)) return;
      if (!sawFile) return fail(ApiError.badRequest('missing_file', 'the multipart body has no part named "file"'));
      settled = true;
      resolve({ bytes });
    };

    parser.on('file', (_name: string, file: BusboyFileStream) => {
      sawFile = true;
      file.on('limit', () => fail(new ApiError(413, 'payload_too_large', `upload is larger than ${maxBytes} bytes (PSIF_UPLOAD_MAX_BYTES)`)));
      file.on('data', (data: Buffer) => {
        if (settled) return;
        bytes += data.length;
        const wait = consumer(data);
        if (wait) {
          file.pause();
          wait.then(() => file.resume(), (error: unknown) => fail(error instanceof ApiError ? error : new ApiError(500, 'internal_error', 'upload could not be spooled')));
        }
      });
      // Busboy reports a body that ends inside the part on the part's stream; unheard, it would crash the process.
      file.on('error', (error: Error) => fail(ApiError.badRequest('malformed_multipart', `multipart body is malformed or truncated: ${error.message}`)));
      file.on('end', () => {
        if (settled) return;
        if (file.truncated) return;
        fileEnded = true;
        maybeDone();
      });
    });
    parser.on('filesLimit', () => fail(ApiError.badRequest('multiple_files', 'the multipart body must hold exactly one "file" part')));
    parser.on('partsLimit', () => fail(ApiError.badRequest('malformed_multipart', 'too many multipart parts')));
    parser.on('error', (error: Error) => fail(ApiError.badRequest('malformed_multipart', `multipart body is malformed or truncated: ${error.message}`)));
    parser.on('finish', () => {
      parserFinished = true;
      maybeDone();
    });
    request.on('aborted', () => fail(new ApiError(400, 'client_aborted', 'the client closed the connection before the end of the body')));
    request.on('error', () => fail(new ApiError(400, 'client_aborted', 'the connection failed before the end of the body')));
    request.pipe(parser);
  });
}
