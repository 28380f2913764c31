import { type TSchema, Type } from '@sinclair/typebox';
import { catalog } from '../../catalog/catalog.js';
import { TASK_MODES, TASK_STATUSES, TASK_TRIGGERS } from '../services/job-history.js';

/**
 * The Reporting API's schemas: one declaration per answer for validation, serialization and OpenAPI.
 * They stay inline (no $id): a plugin that registers schemas of its own loses psif's validator.
 */

const Instant = Type.String({ format: 'date-time' });
const nullable = <T extends TSchema>(schema: T, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});
const NullableInstant = (description?: string) => nullable(Instant, description);

/** A plain `{type: string, enum}` (TypeBox writes an anyOf of literals, which tools render poorly). */
export function stringEnum(values: readonly string[], options: Record<string, unknown> = {}): TSchema {
  return Type.Unsafe<string>({ type: 'string', enum: [...values], ...options });
}

const ContentName = Type.String({ description: 'A shop content in snake_case, as ps_eventbus names it (e.g. cart_products)' });
/** Input: snake_case or kebab-case, as ps_eventbus accepts both. */
export const ContentParameter = stringEnum([...new Set(catalog.contents.flatMap((c) => [c.name, c.path]))], {
  description: 'A shop content, snake_case or kebab-case (products, cart_products, cart-products...)',
  examples: ['products'],
});

const Window = {
  start: Type.Optional(Type.String({ format: 'date-time', description: 'Window start, ISO 8601 date-time, inclusive (default: 24 hours before end)' })),
  end: Type.Optional(Type.String({ format: 'date-time', description: 'Window end, ISO 8601 date-time, exclusive (default: now)' })),
};
export const WindowQuery = Type.Object(Window, { additionalProperties: false });
export const VendorWindowQuery = Type.Object(
  { shopId: Type.Optional(Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', description: 'Only this shop (it must consent to one of your modules)' })), ...Window },
  { additionalProperties: false },
);
export const NoQuery = Type.Object({}, { additionalProperties: false });
export const VendorId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'You: your client id or your vendor name' });

export const ShopSyncSetup = Type.Object({
  targetUrl: Type.String({ description: 'The shop URL psif pulls from' }),
  shopContent: Type.Array(ContentName, { description: 'The contents your modules\' consents cover, in catalog order' }),
  shopLanguages: Type.Array(Type.String(), { description: 'ISO codes of the shop languages, default first' }),
});

export const ShopSyncSummary = Type.Object({
  firstSyncFinishedAt: NullableInstant('When the first full sync had finished in every language the content is pulled in; null before'),
  lastSyncFinishedAt: NullableInstant('The last full or incremental pull that finished; null before the first'),
  shopContent: ContentName,
});

export const ShopSyncOnboarding = Type.Object({
  firstOnboarding: NullableInstant('When the shop first consented to one of your modules'),
  lastOnboarding: NullableInstant('When the shop last went from no consent to some consent for one of your modules'),
  targetUrl: Type.String(),
});

export const ErrorReport = Type.Object({
  start: Instant,
  end: Instant,
  errors: Type.Array(
    Type.Object({
      code: Type.Integer({ description: 'The HTTP status of the failed call as PrestaShop reports it (452-460, 500...; collector_<status> gives <status>); 0 when there was no HTTP answer' }),
      distribution: Type.Integer({ minimum: 1, description: 'Failed calls with this code in the window' }),
      description: Type.String(),
      errorCode: Type.String({ description: "psif's exact code (see the table); several may share one integer code" }),
    }),
    { description: 'One entry per code, most frequent first' },
  ),
});

export const HourlyErrorReport = Type.Object({
  start: Instant,
  end: Instant,
  buckets: Type.Array(
    Type.Object({
      hour: Type.String({ format: 'date-time', description: 'Start of the UTC hour' }),
      code: Type.String({ description: "psif's error code (see the table)" }),
      count: Type.Integer({ minimum: 1 }),
    }),
    { description: 'Hours without errors are left out; ordered by hour, then code' },
  ),
});

const ErrorDetail = Type.Object({ code: Type.String(), message: nullable(Type.String()), description: Type.String() });

export const JobsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Page size (1 to 1000)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, default: 0, description: 'Jobs to skip' })),
    status: Type.Optional(stringEnum(TASK_STATUSES)),
    shopContent: Type.Optional(ContentParameter),
    mode: Type.Optional(stringEnum(TASK_MODES)),
    trigger: Type.Optional(stringEnum(TASK_TRIGGERS, { description: 'What asked for the pull' })),
    createdAtStart: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or after (inclusive)' })),
    createdAtEnd: Type.Optional(Type.String({ format: 'date-time', description: 'Created at or before (inclusive)' })),
  },
  { additionalProperties: false },
);

const Job = Type.Object({
  id: Type.String(),
  shopContent: ContentName,
  langIso: Type.String(),
  mode: stringEnum(TASK_MODES),
  trigger: Type.String({ description: `What asked for the pull: ${TASK_TRIGGERS.join(', ')}` }),
  status: stringEnum(TASK_STATUSES),
  pages: Type.Integer({ description: 'Pages pulled' }),
  objects: Type.Integer({ description: 'Objects (upload lines) pulled' }),
  remaining: nullable(Type.Integer(), 'Objects the shop reported still to send, at the last page'),
  calls: Type.Integer({ description: 'Calls to the shop, failed ones included' }),
  failures: Type.Integer({ description: 'Consecutive failed calls' }),
  reconciled: nullable(Type.Integer(), 'Rows soft-deleted by the reconciliation that ended a full sync'),
  createdAt: Instant,
  startedAt: NullableInstant(),
  finishedAt: NullableInstant(),
  durationMs: nullable(Type.Integer()),
  lastError: nullable(ErrorDetail, 'The last failed call'),
});

const Links = Type.Object({
  first: Type.String(),
  last: Type.String(),
  prev: nullable(Type.String()),
  next: nullable(Type.String()),
});

export const JobList = Type.Object({
  kind: Type.String(),
  items: Type.Array(Job),
  total: Type.Integer(),
  pagination: Type.Object({ offset: Type.Integer(), limit: Type.Integer() }),
  links: Links,
});

export const SyncState = Type.Object({
  shopId: Type.String(),
  items: Type.Array(
    Type.Object({
      shopContent: ContentName,
      langIso: Type.String(),
      mode: stringEnum(['never', 'full', 'incremental'], { description: 'never synced, in its full sync, or incremental' }),
      firstFullSyncFinishedAt: NullableInstant(),
      lastFullSyncStartedAt: NullableInstant(),
      lastFullSyncFinishedAt: NullableInstant(),
      lastIncrementalAt: NullableInstant(),
      lastSuccessAt: NullableInstant(),
      rowCount: Type.Integer({ description: 'Rows psif holds (not deleted): in this language for per-language contents, else in all' }),
      lag: nullable(Type.Integer(), 'Seconds since the last successful pull; null before the first'),
      lastError: nullable(Type.Object({ code: Type.String(), at: NullableInstant(), description: Type.String() })),
      activeTask: nullable(
        Type.Object({
          id: Type.String(),
          mode: stringEnum(TASK_MODES),
          trigger: Type.String(),
          status: stringEnum(['queued', 'running']),
          createdAt: Instant,
          startedAt: NullableInstant(),
          pages: Type.Integer(),
          objects: Type.Integer(),
          remaining: nullable(Type.Integer()),
        }),
        'The pull running now, else the one queued',
      ),
    }),
  ),
});

const text = (description?: string) => nullable(Type.String(), description);
const flag = (description?: string) => nullable(Type.Boolean(), description);

export const ShopHealthView = Type.Object({
  shopId: Type.String(),
  checkedAt: Instant,
  healthy: Type.Boolean(),
  latencyMs: Type.Integer(),
  httpStatus: nullable(Type.Integer()),
  lastHealthyAt: NullableInstant(),
  error: nullable(ErrorDetail),
  report: nullable(
    Type.Object({
      prestashopVersion: text(),
      psEventbusVersion: text(),
      psAccountsVersion: text(),
      phpVersion: text(),
      shopId: text('The ps_accounts shop UUID'),
      psAccount: flag('The shop could get its token'),
      isValidJwt: flag(),
      psEventbus: flag("ps_eventbus' tables exist"),
      env: Type.Object({ proxyApiUrl: text(), syncApiUrl: text(), liveSyncApiUrl: text() }, { description: "The module's configured psif URLs" }),
    }),
    "The shop's apiHealthCheck answer; versions only when the probe carried a valid job",
  ),
});

export const OverviewQuery = Type.Object(
  {
    vendorId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description: 'Vendors: yourself (the default). Operators: one vendor, by client id or name (every vendor by default)' })),
    sandbox: Type.Optional(Type.Boolean({ default: false, description: 'Billing KPIs of sandbox data instead of live data' })),
    ...Window,
  },
  { additionalProperties: false },
);

const Count = Type.Integer({ minimum: 0 });

export const Overview = Type.Object({
  start: Instant,
  end: Instant,
  bucket: stringEnum(['hour', 'day'], { description: 'The width of each syncVolume entry: hours for windows up to 3 days, UTC days beyond' }),
  shops: Type.Integer({ minimum: 0, description: 'Shops holding at least one consent for your modules (operators: every registered shop)' }),
  modules: Type.Array(
    Type.Object({
      name: Type.String(),
      vendorClientId: Type.String(),
      activeInstallations: Type.Integer({ minimum: 0, description: 'Shops holding at least one consent for the module' }),
      inactiveInstallations: Type.Integer({ minimum: 0, description: 'Shops that onboarded the module and later revoked every consent' }),
    }),
  ),
  installations: Type.Object({ active: Count, inactive: Count }),
  shopsByCountry: Type.Array(
    Type.Object({ country: Type.String({ description: "ISO 3166 alpha-2 code from the shop's synced info content; unknown before it is synced" }), shops: Type.Integer({ minimum: 1 }) }),
    { description: 'Most shops first' },
  ),
  syncVolume: Type.Array(
    Type.Object({
      at: Type.String({ format: 'date-time', description: 'Start of the bucket' }),
      objects: Type.Integer({ minimum: 0, description: 'Objects pulled by the pulls that finished in the bucket' }),
      errors: Type.Integer({ minimum: 0, description: 'Failed calls to the shops in the bucket' }),
    }),
    { description: 'Every bucket of the window, oldest first, empty ones included' },
  ),
  billing: Type.Object({
    environment: stringEnum(['live', 'sandbox']),
    activeSubscriptions: Type.Integer({ minimum: 0, description: 'Active subscriptions, those cancelling at term end included' }),
    trialSubscriptions: Type.Integer({ minimum: 0 }),
    mrr: Type.Array(
      Type.Object({ currency: Type.String(), amount: Type.Integer({ description: 'Minor units (cents), before tax' }) }),
      { description: 'Monthly recurring revenue per currency: plans and fixed addons of the paying subscriptions at their current quantities, yearly terms divided by 12, usage left out' },
    ),
    churn: Type.Object({
      cancelled: Type.Integer({ minimum: 0, description: 'Subscriptions paying at the window start and cancelled within it' }),
      activeAtStart: Type.Integer({ minimum: 0, description: 'Subscriptions paying at the window start' }),
      rate: nullable(Type.Number({ minimum: 0, maximum: 1 }), 'cancelled / activeAtStart; null when nothing was paying at the start'),
    }),
  }),
});

export const ShopsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of the shop URL or id, case-insensitive' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (1 to 200)' })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, default: 0, description: 'Shops to skip' })),
  },
  { additionalProperties: false },
);

export const ShopList = Type.Object({
  items: Type.Array(
    Type.Object({
      shopId: Type.String(),
      url: Type.String(),
      country: nullable(Type.String(), "ISO 3166 alpha-2 code from the shop's synced info content"),
      modules: Type.Array(Type.Object({ name: Type.String(), consents: Type.Array(Type.String()) }), { description: 'Your modules holding consents in the shop (operators: every module)' }),
      lastSyncAt: NullableInstant('The last successful pull of any content'),
      errors24h: Type.Integer({ minimum: 0, description: 'Failed calls of the last 24 hours, for the contents you may see' }),
      healthy: flag('The last health probe; null before the first'),
      checkedAt: NullableInstant('When the shop was last probed'),
    }),
    { description: 'Newest shops first' },
  ),
  total: Type.Integer({ minimum: 0 }),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const ShopConsents = Type.Object({
  shopId: Type.String(),
  modules: Type.Array(
    Type.Object({
      module: Type.String(),
      consents: Type.Array(Type.Object({ consent: Type.String(), grantedAt: Instant }), { description: 'Held now' }),
      events: Type.Array(
        Type.Object({ consent: Type.String(), action: stringEnum(['granted', 'revoked']), via: Type.String({ description: 'Where the change came from' }), at: Instant }),
        { description: 'The last changes, newest first (at most 100 for the shop)' },
      ),
    }),
  ),
});
