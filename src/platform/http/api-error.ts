/**
 * The error of psif's own (non-OAuth) APIs: `{statusCode, code, message, details?}`. `code` is a stable
 * machine-readable string; `message` is for people. Services throw it; the HTTP layer serialises it and
 * the CLI prints its message.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static badRequest(code: string, message: string, details?: Record<string, unknown>): ApiError {
    return new ApiError(400, code, message, details);
  }

  static notFound(code: string, message: string): ApiError {
    return new ApiError(404, code, message);
  }

  static conflict(code: string, message: string): ApiError {
    return new ApiError(409, code, message);
  }

  toJSON(): { statusCode: number; code: string; message: string; details?: Record<string, unknown> } {
    return { statusCode: this.statusCode, code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}
