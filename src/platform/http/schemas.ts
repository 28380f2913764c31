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

/** The error responses of a route, for its OpenAPI `responses`: every one has the ApiError body. */
const errorRef = Type.Ref(ApiErrorBody);
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorRef> {
  return Object.fromEntries(statuses.map((status) => [status, errorRef])) as Record<S, typeof errorRef>;
}
