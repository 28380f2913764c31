import { Type } from '@sinclair/typebox';

/** The error body of psif's own APIs (see ApiError), shared by every family but OAuth and Billing. */
export const ApiErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable code' }),
    message: Type.String(),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'ApiError', description: 'Error of psif APIs' },
);
