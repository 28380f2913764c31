/**
 * Generated from psif's OpenAPI document by `npm run generate:client` (openapi-typescript): do not edit.
 * test/client/client.test.ts fails when the routes and this file disagree.
 */

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness probe
         * @description Answers 503 while the database is unreachable or the server is shutting down.
         */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/oauth-authorization-server": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Authorization server metadata (RFC 8414) */
        get: operations["getAuthorizationServerMetadata"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/openid-configuration": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Discovery document (OpenID Connect location) */
        get: operations["getOpenIdConfiguration"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Public signing keys (JWK Set)
         * @description Every key that may have signed a still-valid token: the active key and retired keys until their last token expires. Each JWK has kid, alg and use.
         */
        get: operations["getJwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth2/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue an access token (client_credentials)
         * @description RFC 6749 §4.4. Authenticate with client_secret_basic (default) or client_secret_post, as registered for the client. Returns a JWT access token (typ at+jwt, ES256 by default) whose claims match Ory Hydra's (scp and aud arrays) plus RFC 9068's scope string.
         */
        post: operations["issueToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth2/introspect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Introspect an access token (RFC 7662)
         * @description Only admin and resource_server clients may introspect. An invalid, expired, revoked or foreign token, or one whose client is disabled, answers {"active": false}.
         */
        post: operations["introspectToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth2/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke an access token (RFC 7009)
         * @description The client that obtained the token may revoke it. Unknown, invalid or foreign tokens also answer 200 and change nothing (RFC 7009 §2.2). Revocation is seen by psif's own APIs at once in this process and within PSIF_AUTH_CACHE_MS in others.
         */
        post: operations["revokeToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/clients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List clients */
        get: operations["listClients"];
        put?: never;
        /**
         * Create a client
         * @description Returns the client secret once. Vendors get the audiences tech-vendor/<name> and the API audience; shops store/<shopId> and the API audience (and client_secret_post, as ps_accounts uses).
         */
        post: operations["createClient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/clients/{clientId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a client */
        get: operations["getClient"];
        put?: never;
        post?: never;
        /** Delete a client and its secrets */
        delete: operations["deleteClient"];
        options?: never;
        head?: never;
        /**
         * Change what a client may request
         * @description Lists replace the current ones. Tokens already issued keep their claims until they expire.
         */
        patch: operations["updateClient"];
        trace?: never;
    };
    "/admin/v1/clients/{clientId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a client secret
         * @description The previous secret keeps working until previousSecretExpiresAt (PSIF_SECRET_GRACE, or graceSeconds).
         */
        post: operations["rotateClientSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/clients/{clientId}/disable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Disable a client: its tokens stop working everywhere */
        post: operations["disableClient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/clients/{clientId}/enable": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Enable a disabled client */
        post: operations["enableClient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List published signing keys */
        get: operations["listSigningKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/keys/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the signing key
         * @description A new key signs from now on; the previous one stays in the JWKS until every token it signed has expired.
         */
        post: operations["rotateSigningKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List shops */
        get: operations["listShops"];
        put?: never;
        /**
         * Register a shop and create its shop client
         * @description Returns the shop client secret once. The shop gets tokens with client_secret_post and the audience store/<shopId>, as ps_accounts does.
         */
        post: operations["registerShop"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a shop */
        get: operations["adminGetShop"];
        put?: never;
        post?: never;
        /**
         * Delete a shop and all its data
         * @description Removes the shop, its consents, jobs, upload log, every synced row and its shop client.
         */
        delete: operations["deleteShop"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/modules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List modules */
        get: operations["listModules"];
        put?: never;
        /** Register a vendor's module */
        post: operations["createModule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/modules/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a module */
        get: operations["getModule"];
        put?: never;
        post?: never;
        /** Delete a module and every consent given to it */
        delete: operations["deleteModule"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue a sync job for a shop
         * @description The orchestrator issues jobs itself; this is for operators and tests. Default: every content, incremental, no language, PSIF_JOB_TTL.
         */
        post: operations["createJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a job */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/jobs/{jobId}/reconcile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reconcile after a finished full sync
         * @description Soft-deletes the rows of the content (in the job language, if any) that the full sync run under this job did not re-send.
         */
        post: operations["reconcileJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops/{shopId}/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Recent uploads of a shop */
        get: operations["listUploads"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops/{shopId}/live-sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Pending live-sync pulls of a shop */
        get: operations["listLiveSyncRequests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync/v1/shops/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a shop registration */
        get: operations["getShop"];
        /**
         * Register or update a shop
         * @description A shop holding a token of a trusted issuer (PrestaShop Accounts) registers itself here: 201 the first time, 200 after.
         */
        put: operations["putShop"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change the URL or languages of a shop */
        patch: operations["patchShop"];
        trace?: never;
    };
    "/sync/v1/shops/{shopId}/consents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Consents of a shop, per module */
        get: operations["listShopConsents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync/v1/shops/{shopId}/consents/{moduleName}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Consents of a shop to one module */
        get: operations["getShopConsents"];
        /**
         * Replace the consents of a shop to a module
         * @description "info" is added to any non-empty set. An empty list revokes everything. Revocations apply to the very next Raw API request.
         */
        put: operations["putShopConsents"];
        post?: never;
        /** Revoke every consent of a shop to a module */
        delete: operations["deleteShopConsents"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync-api/consent/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change consents (historical sync API body)
         * @description The body of ps_eventbus 1.x. Consent names are checked against the catalog and the module must be registered; "info" is added to any non-empty set and can only be revoked with everything else. Answers 201 with the resulting set.
         */
        post: operations["postConsentHistorical"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync-api/job/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Validate a job id (ps_eventbus, before its first upload)
         * @description 201 only for a live job of the calling shop: ps_eventbus treats anything else, even 200, as a refusal (shop error 454).
         */
        get: operations["validateJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync/v1/job/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Validate a job id (ps_eventbus, before its first upload)
         * @description 201 only for a live job of the calling shop: ps_eventbus treats anything else, even 200, as a refusal (shop error 454).
         */
        get: operations["validateJobV1"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/live-sync/v1/notify/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Live-sync notification (ps_eventbus)
         * @description Records a pending incremental pull of each content, debounced (PSIF_LIVE_SYNC_DEBOUNCE_MS). Contents are kebab or snake case. ps_eventbus ignores the answer.
         */
        post: operations["notify"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/live-sync-api/v1/notify/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Live-sync notification (ps_eventbus)
         * @description Records a pending incremental pull of each content, debounced (PSIF_LIVE_SYNC_DEBOUNCE_MS). Contents are kebab or snake case. ps_eventbus ignores the answer.
         */
        post: operations["notifyLegacy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collector/upload/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload NDJSON shop data (ps_eventbus)
         * @description ps_eventbus' upload (cloudsync-protocol §3.4, §5): multipart/form-data with one part named `file`
         *     holding NDJSON lines `{action, collection, properties}` joined by CRLF or LF; blank lines are skipped. The body is
         *     streamed; every line is validated against the catalog; then the whole batch is stored in one transaction and the
         *     answer is 201. Only 201 means stored: ps_eventbus re-sends the page on anything else, and re-sending is idempotent.
         *
         *     Errors (`{statusCode, code, message, details?}`): 401 `unauthorized`/`invalid_token`; 403 `job_of_another_shop`;
         *     404 `job_not_found` or `job_expired`; 415 `unsupported_media_type`; 413 `payload_too_large` (PSIF_UPLOAD_MAX_BYTES);
         *     400 `malformed_multipart`, `missing_file`, `multiple_files`, `empty_upload`, `client_aborted`, or `invalid_lines`
         *     whose `details` give `invalidLines` (the count) and `lines`: the first 100 bad lines as
         *     `{line, code, message}`, with these codes:
         *
         *     | code | meaning |
         *     |---|---|
         *     | `invalid_json` | The line is not JSON. |
         *     | `invalid_utf8` | The line is not valid UTF-8. |
         *     | `line_too_long` | The line is longer than PSIF_UPLOAD_MAX_LINE_BYTES. |
         *     | `not_an_object` | The line is JSON but not an object. |
         *     | `unknown_action` | action is neither "upsert" nor "delete" (v3 lines without action must carry a top-level id). |
         *     | `unknown_collection` | collection is missing or names no shop content. |
         *     | `content_not_in_job` | The collection is not in the job's content set. |
         *     | `invalid_properties` | properties is missing or not an object. |
         *     | `missing_id_property` | A property of the identity (catalog idProperties) is missing, null or empty. |
         *     | `invalid_property` | A property has a value its catalog type cannot hold. |
         *     | `delete_not_supported` | A delete for a content ps_eventbus never deletes (catalog deleteKey is null). |
         *     | `invalid_delete_id` | A delete whose properties.id is missing or does not have the form of the content delete key. |
         *     | `invalid_delete_ids` | A v3 delete line whose deleteIds is not a list of ids. |
         *
         *     A rejected upload stores nothing; it is logged for the Reporting API.
         */
        post: operations["upload"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collector/delete/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete objects (ps_eventbus v3 legacy)
         * @description ps_eventbus ≤ 3.2 sent deletes here as multipart NDJSON lines `{collection, deleteIds: [...]}` and expected 200. Each id is matched like a v4 delete line; errors as for the upload.
         */
        post: operations["deleteV3"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collector/v1/upload/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Upload NDJSON shop data (ps_eventbus)
         * @description ps_eventbus' upload (cloudsync-protocol §3.4, §5): multipart/form-data with one part named `file`
         *     holding NDJSON lines `{action, collection, properties}` joined by CRLF or LF; blank lines are skipped. The body is
         *     streamed; every line is validated against the catalog; then the whole batch is stored in one transaction and the
         *     answer is 201. Only 201 means stored: ps_eventbus re-sends the page on anything else, and re-sending is idempotent.
         *
         *     Errors (`{statusCode, code, message, details?}`): 401 `unauthorized`/`invalid_token`; 403 `job_of_another_shop`;
         *     404 `job_not_found` or `job_expired`; 415 `unsupported_media_type`; 413 `payload_too_large` (PSIF_UPLOAD_MAX_BYTES);
         *     400 `malformed_multipart`, `missing_file`, `multiple_files`, `empty_upload`, `client_aborted`, or `invalid_lines`
         *     whose `details` give `invalidLines` (the count) and `lines`: the first 100 bad lines as
         *     `{line, code, message}`, with these codes:
         *
         *     | code | meaning |
         *     |---|---|
         *     | `invalid_json` | The line is not JSON. |
         *     | `invalid_utf8` | The line is not valid UTF-8. |
         *     | `line_too_long` | The line is longer than PSIF_UPLOAD_MAX_LINE_BYTES. |
         *     | `not_an_object` | The line is JSON but not an object. |
         *     | `unknown_action` | action is neither "upsert" nor "delete" (v3 lines without action must carry a top-level id). |
         *     | `unknown_collection` | collection is missing or names no shop content. |
         *     | `content_not_in_job` | The collection is not in the job's content set. |
         *     | `invalid_properties` | properties is missing or not an object. |
         *     | `missing_id_property` | A property of the identity (catalog idProperties) is missing, null or empty. |
         *     | `invalid_property` | A property has a value its catalog type cannot hold. |
         *     | `delete_not_supported` | A delete for a content ps_eventbus never deletes (catalog deleteKey is null). |
         *     | `invalid_delete_id` | A delete whose properties.id is missing or does not have the form of the content delete key. |
         *     | `invalid_delete_ids` | A v3 delete line whose deleteIds is not a list of ids. |
         *
         *     A rejected upload stores nothing; it is logged for the Reporting API.
         */
        post: operations["uploadV1"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/collector/v1/delete/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Delete objects (ps_eventbus v3 legacy)
         * @description ps_eventbus ≤ 3.2 sent deletes here as multipart NDJSON lines `{collection, deleteIds: [...]}` and expected 200. Each id is matched like a v4 delete line; errors as for the upload.
         */
        post: operations["deleteV3V1"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/bundles/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One bundles item */
        get: operations["Bundles_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/bundles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List bundles
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Bundles_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carriers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One carriers item */
        get: operations["Carriers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carriers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List carriers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Carriers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carrier-details/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One carrier-details item */
        get: operations["CarrierDetails_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carrier-details": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List carrier-details
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["CarrierDetails_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carrier-taxes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One carrier-taxes item */
        get: operations["CarrierTaxes_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carrier-taxes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List carrier-taxes
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["CarrierTaxes_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One carts item */
        get: operations["Carts_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/carts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List carts
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Carts_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/cart-products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One cart-products item */
        get: operations["CartProducts_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/cart-products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List cart-products
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["CartProducts_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/cart-rules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One cart-rules item */
        get: operations["CartRules_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/cart-rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List cart-rules
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["CartRules_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/categories/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One categories item */
        get: operations["Categories_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List categories
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Categories_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/currencies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One currencies item */
        get: operations["Currencies_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/currencies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List currencies
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Currencies_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One customers item */
        get: operations["Customers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List customers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Customers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/employees/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One employees item */
        get: operations["Employees_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/employees": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List employees
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Employees_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/images/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One images item */
        get: operations["Images_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Images_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/image-types/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One image-types item */
        get: operations["ImageTypes_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/image-types": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List image-types
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["ImageTypes_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/languages/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One languages item */
        get: operations["Languages_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/languages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List languages
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Languages_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/manufacturers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One manufacturers item */
        get: operations["Manufacturers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/manufacturers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List manufacturers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Manufacturers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/modules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One modules item */
        get: operations["Modules_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/modules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List modules
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Modules_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One orders item */
        get: operations["Orders_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List orders
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Orders_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-carriers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order-carriers item */
        get: operations["OrderCarriers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-carriers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List order-carriers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["OrderCarriers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-cart-rules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order-cart-rules item */
        get: operations["OrderCartRules_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-cart-rules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List order-cart-rules
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["OrderCartRules_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-details/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order-details item */
        get: operations["OrderDetails_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-details": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List order-details
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["OrderDetails_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-status-history/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order-status-history item */
        get: operations["OrderStatusHistory_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/order-status-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List order-status-history
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["OrderStatusHistory_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One products item */
        get: operations["Products_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List products
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Products_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/custom-product-carriers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One custom-product-carriers item */
        get: operations["CustomProductCarriers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/custom-product-carriers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List custom-product-carriers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["CustomProductCarriers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/product-suppliers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One product-suppliers item */
        get: operations["ProductSuppliers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/product-suppliers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List product-suppliers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["ProductSuppliers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/shop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The shop's information (info) */
        get: operations["ShopsController_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/specific-prices/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One specific-prices item */
        get: operations["SpecificPrices_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/specific-prices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List specific-prices
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["SpecificPrices_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stocks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One stocks item */
        get: operations["Stocks_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stocks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List stocks
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Stocks_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stock-movements/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One stock-movements item */
        get: operations["StockMovements_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stock-movements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List stock-movements
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["StockMovements_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stores/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One stores item */
        get: operations["Stores_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/stores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List stores
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Stores_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/suppliers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One suppliers item */
        get: operations["Suppliers_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/suppliers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List suppliers
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Suppliers_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/taxonomies/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One taxonomies item */
        get: operations["Taxonomies_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/taxonomies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List taxonomies
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Taxonomies_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/themes/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One themes item */
        get: operations["Themes_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/themes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List themes
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Themes_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/translations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One translations item */
        get: operations["Translations_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/translations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List translations
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Translations_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/wishlists/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One wishlists item */
        get: operations["Wishlists_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/wishlists": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List wishlists
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["Wishlists_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/wishlist-products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One wishlist-products item */
        get: operations["WishlistProducts_getSingleItem"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/raw/v1/{shopId}/wishlist-products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List wishlist-products
         * @description With `Accept: application/x-ndjson`: every matching item, one JSON object per line, streamed (limit, offset and after are ignored). Filters: equality on every field; `<field>Start`/`<field>End` (inclusive) on numbers and dates; booleans as true|false; dates as ISO 8601. Sorted by `sort` then id. Pages by `offset` or, for deep pages, by the `after` cursor of `links.next` (send `after=` to start).
         */
        get: operations["WishlistProducts_getPaginatedItems"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * KPIs across your shops: installations, countries, sync volume and errors, billing
         * @description The figures of a dashboard. Vendors get their own (`vendorId`, when given, must name you: 403 otherwise); admin tokens get every vendor's, or one vendor's with `vendorId` (404 `vendor_not_found`). An installation is a shop that onboarded a module: active while the shop holds a consent for it, inactive once every consent was revoked. Sync volume and errors cover the contents the consents cover. Billing KPIs are live data unless `sandbox=true`. The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted.
         */
        get: operations["getOverview"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shops": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The shops you may open, with their health at a glance
         * @description Vendors: the shops holding at least one consent for your modules, with your modules' consents only. Admin tokens: every registered shop and module.
         */
        get: operations["listVisibleShops"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/consents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The consents the shop gives your modules, and their log
         * @description Per module: the consents held now and the last changes (granted or revoked, and through which route). Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["getShopConsentReport"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop-sync-setup/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A shop's sync setup: URL, contents and languages
         * @description The contents listed are those your consents cover. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["ShopSyncSetupController_getShopSyncSetup"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop-sync-summary/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * When a content was first and last synced
         * @description `shopContent` is required; the answer names it in snake_case. A content your consents do not cover answers 403 `consent_missing`. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["ShopSyncSummaryController_getSyncSummaryByShopId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop-sync-onboarding/{shopId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * When the shop onboarded your modules
         * @description An onboarding is a module's consents going from none to some (the grant of `info`). Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["ShopOnboardingController_getOnboardingInfoByShopId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/vendor/{vendorId}/errors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sync errors of your shops, by code
         * @description Failed calls to every shop that consents to one of your modules (or to `shopId` only), counted by code. `vendorId` is you: your client id or your vendor name (403 otherwise). The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted.
         *
         *     Error codes:
         *
         *     | code | meaning | retried |
         *     |---|---|---|
         *     | `452` | Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing). | yes |
         *     | `453` | Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions). | yes |
         *     | `454` | Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception. | yes |
         *     | `455` | ps_eventbus error 455 (defined by the module, not raised by current versions). | yes |
         *     | `456` | ps_eventbus error 456 (defined by the module, not raised by current versions). | yes |
         *     | `458` | Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size. | no |
         *     | `459` | ps_eventbus error 459 (defined by the module, not raised by current versions). | yes |
         *     | `460` | ps_eventbus error 460 (defined by the module, not raised by current versions). | yes |
         *     | `401` | The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication. | yes |
         *     | `403` | The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list. | yes |
         *     | `404` | Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong. | yes |
         *     | `429` | The shop or its proxy is rate limiting psif (HTTP 429). | yes |
         *     | `500` | Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page. | yes |
         *     | `502` | Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP. | yes |
         *     | `503` | Service unavailable (HTTP 503): the shop is down or in maintenance. | yes |
         *     | `504` | Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows. | yes |
         *     | `collector_0` | The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php). | yes |
         *     | `collector_400` | psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them). | yes |
         *     | `collector_401` | psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust). | yes |
         *     | `collector_403` | psif's collector refused the upload: the job belongs to another shop. | yes |
         *     | `collector_404` | psif's collector did not know the job or it had expired. | yes |
         *     | `collector_413` | The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES). | yes |
         *     | `collector_500` | psif's collector failed to store the page (see psif's log). | yes |
         *     | `timeout` | The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS). | yes |
         *     | `connection_refused` | The shop refused the connection: nothing listens at its URL. | yes |
         *     | `connection_reset` | The connection to the shop was closed before a complete answer. | yes |
         *     | `dns_error` | The shop's host name does not resolve. | yes |
         *     | `tls_error` | The shop's TLS certificate or handshake was refused. | yes |
         *     | `network_error` | Another network failure while calling the shop. | yes |
         *     | `invalid_json` | The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form). | yes |
         *     | `invalid_reply` | The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page). | yes |
         *     | any other HTTP status, e.g. `520` | The shop answered that status. | yes |
         *     | `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |
         */
        get: operations["VendorErrorCodeController_getVendorErrorsCode"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/errors": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A shop's sync errors, by code
         * @description Failed calls to the shop, counted by code. The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         *
         *     Error codes:
         *
         *     | code | meaning | retried |
         *     |---|---|---|
         *     | `452` | Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing). | yes |
         *     | `453` | Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions). | yes |
         *     | `454` | Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception. | yes |
         *     | `455` | ps_eventbus error 455 (defined by the module, not raised by current versions). | yes |
         *     | `456` | ps_eventbus error 456 (defined by the module, not raised by current versions). | yes |
         *     | `458` | Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size. | no |
         *     | `459` | ps_eventbus error 459 (defined by the module, not raised by current versions). | yes |
         *     | `460` | ps_eventbus error 460 (defined by the module, not raised by current versions). | yes |
         *     | `401` | The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication. | yes |
         *     | `403` | The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list. | yes |
         *     | `404` | Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong. | yes |
         *     | `429` | The shop or its proxy is rate limiting psif (HTTP 429). | yes |
         *     | `500` | Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page. | yes |
         *     | `502` | Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP. | yes |
         *     | `503` | Service unavailable (HTTP 503): the shop is down or in maintenance. | yes |
         *     | `504` | Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows. | yes |
         *     | `collector_0` | The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php). | yes |
         *     | `collector_400` | psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them). | yes |
         *     | `collector_401` | psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust). | yes |
         *     | `collector_403` | psif's collector refused the upload: the job belongs to another shop. | yes |
         *     | `collector_404` | psif's collector did not know the job or it had expired. | yes |
         *     | `collector_413` | The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES). | yes |
         *     | `collector_500` | psif's collector failed to store the page (see psif's log). | yes |
         *     | `timeout` | The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS). | yes |
         *     | `connection_refused` | The shop refused the connection: nothing listens at its URL. | yes |
         *     | `connection_reset` | The connection to the shop was closed before a complete answer. | yes |
         *     | `dns_error` | The shop's host name does not resolve. | yes |
         *     | `tls_error` | The shop's TLS certificate or handshake was refused. | yes |
         *     | `network_error` | Another network failure while calling the shop. | yes |
         *     | `invalid_json` | The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form). | yes |
         *     | `invalid_reply` | The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page). | yes |
         *     | any other HTTP status, e.g. `520` | The shop answered that status. | yes |
         *     | `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |
         */
        get: operations["ShopErrorCodeController_getShopErrorsCode"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/vendor/{vendorId}/errors/hourly": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sync errors of your shops, per hour and code
         * @description Counts per UTC hour and psif error code, for charts. `vendorId` is you: your client id or your vendor name. The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted.
         *
         *     Error codes:
         *
         *     | code | meaning | retried |
         *     |---|---|---|
         *     | `452` | Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing). | yes |
         *     | `453` | Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions). | yes |
         *     | `454` | Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception. | yes |
         *     | `455` | ps_eventbus error 455 (defined by the module, not raised by current versions). | yes |
         *     | `456` | ps_eventbus error 456 (defined by the module, not raised by current versions). | yes |
         *     | `458` | Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size. | no |
         *     | `459` | ps_eventbus error 459 (defined by the module, not raised by current versions). | yes |
         *     | `460` | ps_eventbus error 460 (defined by the module, not raised by current versions). | yes |
         *     | `401` | The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication. | yes |
         *     | `403` | The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list. | yes |
         *     | `404` | Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong. | yes |
         *     | `429` | The shop or its proxy is rate limiting psif (HTTP 429). | yes |
         *     | `500` | Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page. | yes |
         *     | `502` | Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP. | yes |
         *     | `503` | Service unavailable (HTTP 503): the shop is down or in maintenance. | yes |
         *     | `504` | Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows. | yes |
         *     | `collector_0` | The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php). | yes |
         *     | `collector_400` | psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them). | yes |
         *     | `collector_401` | psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust). | yes |
         *     | `collector_403` | psif's collector refused the upload: the job belongs to another shop. | yes |
         *     | `collector_404` | psif's collector did not know the job or it had expired. | yes |
         *     | `collector_413` | The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES). | yes |
         *     | `collector_500` | psif's collector failed to store the page (see psif's log). | yes |
         *     | `timeout` | The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS). | yes |
         *     | `connection_refused` | The shop refused the connection: nothing listens at its URL. | yes |
         *     | `connection_reset` | The connection to the shop was closed before a complete answer. | yes |
         *     | `dns_error` | The shop's host name does not resolve. | yes |
         *     | `tls_error` | The shop's TLS certificate or handshake was refused. | yes |
         *     | `network_error` | Another network failure while calling the shop. | yes |
         *     | `invalid_json` | The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form). | yes |
         *     | `invalid_reply` | The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page). | yes |
         *     | any other HTTP status, e.g. `520` | The shop answered that status. | yes |
         *     | `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |
         */
        get: operations["getVendorErrorsHourly"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/errors/hourly": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A shop's sync errors, per hour and code
         * @description Counts per UTC hour and psif error code, for charts. The window is `[start, end)`: the last 24 hours by default, at most PSIF_SYNC_HISTORY_DAYS days (default 90); 400 `invalid_window` otherwise. Only errors of the contents your consents cover are counted. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         *
         *     Error codes:
         *
         *     | code | meaning | retried |
         *     |---|---|---|
         *     | `452` | Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing). | yes |
         *     | `453` | Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions). | yes |
         *     | `454` | Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception. | yes |
         *     | `455` | ps_eventbus error 455 (defined by the module, not raised by current versions). | yes |
         *     | `456` | ps_eventbus error 456 (defined by the module, not raised by current versions). | yes |
         *     | `458` | Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size. | no |
         *     | `459` | ps_eventbus error 459 (defined by the module, not raised by current versions). | yes |
         *     | `460` | ps_eventbus error 460 (defined by the module, not raised by current versions). | yes |
         *     | `401` | The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication. | yes |
         *     | `403` | The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list. | yes |
         *     | `404` | Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong. | yes |
         *     | `429` | The shop or its proxy is rate limiting psif (HTTP 429). | yes |
         *     | `500` | Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page. | yes |
         *     | `502` | Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP. | yes |
         *     | `503` | Service unavailable (HTTP 503): the shop is down or in maintenance. | yes |
         *     | `504` | Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows. | yes |
         *     | `collector_0` | The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php). | yes |
         *     | `collector_400` | psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them). | yes |
         *     | `collector_401` | psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust). | yes |
         *     | `collector_403` | psif's collector refused the upload: the job belongs to another shop. | yes |
         *     | `collector_404` | psif's collector did not know the job or it had expired. | yes |
         *     | `collector_413` | The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES). | yes |
         *     | `collector_500` | psif's collector failed to store the page (see psif's log). | yes |
         *     | `timeout` | The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS). | yes |
         *     | `connection_refused` | The shop refused the connection: nothing listens at its URL. | yes |
         *     | `connection_reset` | The connection to the shop was closed before a complete answer. | yes |
         *     | `dns_error` | The shop's host name does not resolve. | yes |
         *     | `tls_error` | The shop's TLS certificate or handshake was refused. | yes |
         *     | `network_error` | Another network failure while calling the shop. | yes |
         *     | `invalid_json` | The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form). | yes |
         *     | `invalid_reply` | The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page). | yes |
         *     | any other HTTP status, e.g. `520` | The shop answered that status. | yes |
         *     | `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |
         */
        get: operations["getShopErrorsHourly"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A shop's sync jobs (pulls), newest first
         * @description One job per pull of a content in a language. Only contents your consents cover are listed; filtering on another answers 403 `consent_missing`. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["getShopSyncJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/sync-state": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Where each content stands, per language
         * @description Per content your consents cover and per language: sync mode, milestones, rows held, lag, last error and the pull queued or running. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         *
         *     Error codes:
         *
         *     | code | meaning | retried |
         *     |---|---|---|
         *     | `452` | Cannot refresh token: the shop could not get its PrestaShop Accounts token (ps_accounts missing, not linked, or failing). | yes |
         *     | `453` | Environment misconfigured: ps_eventbus raised an EnvVarException (older module versions). | yes |
         *     | `454` | Database syntax error: the shop refused the job id (its GET /job/{jobId} to psif did not answer 201: check sync_api_url in config.php) or hit a database exception. | yes |
         *     | `455` | ps_eventbus error 455 (defined by the module, not raised by current versions). | yes |
         *     | `456` | ps_eventbus error 456 (defined by the module, not raised by current versions). | yes |
         *     | `458` | Invalid URL query: the shop does not know this content (an older ps_eventbus) or refused the page size. | no |
         *     | `459` | ps_eventbus error 459 (defined by the module, not raised by current versions). | yes |
         *     | `460` | ps_eventbus error 460 (defined by the module, not raised by current versions). | yes |
         *     | `401` | The shop refused psif (HTTP 401): the shop or a proxy in front of it requires authentication. | yes |
         *     | `403` | The shop refused psif (HTTP 403): maintenance mode, a firewall or an IP allow-list. | yes |
         *     | `404` | Not found (HTTP 404): ps_eventbus is not installed or not enabled, or the shop URL is wrong. | yes |
         *     | `429` | The shop or its proxy is rate limiting psif (HTTP 429). | yes |
         *     | `500` | Server error in the shop (HTTP 500): a PHP exception or fatal error, often memory or execution time on a large page. | yes |
         *     | `502` | Bad gateway (HTTP 502): the proxy in front of the shop got no valid answer from PHP. | yes |
         *     | `503` | Service unavailable (HTTP 503): the shop is down or in maintenance. | yes |
         *     | `504` | Gateway timeout (HTTP 504): PHP took longer than the proxy in front of the shop allows. | yes |
         *     | `collector_0` | The shop could not reach psif's collector to upload the page (DNS, firewall or TLS on the shop's side: check proxy_api_url in config.php). | yes |
         *     | `collector_400` | psif's collector rejected the page the shop uploaded (invalid lines; the upload log names them). | yes |
         *     | `collector_401` | psif's collector refused the shop's token (expired, revoked, or from an issuer psif does not trust). | yes |
         *     | `collector_403` | psif's collector refused the upload: the job belongs to another shop. | yes |
         *     | `collector_404` | psif's collector did not know the job or it had expired. | yes |
         *     | `collector_413` | The page was larger than psif's collector accepts (PSIF_UPLOAD_MAX_BYTES). | yes |
         *     | `collector_500` | psif's collector failed to store the page (see psif's log). | yes |
         *     | `timeout` | The shop did not answer in time (PSIF_SYNC_REQUEST_TIMEOUT_MS). | yes |
         *     | `connection_refused` | The shop refused the connection: nothing listens at its URL. | yes |
         *     | `connection_reset` | The connection to the shop was closed before a complete answer. | yes |
         *     | `dns_error` | The shop's host name does not resolve. | yes |
         *     | `tls_error` | The shop's TLS certificate or handshake was refused. | yes |
         *     | `network_error` | Another network failure while calling the shop. | yes |
         *     | `invalid_json` | The shop answered something that is not JSON (a PHP error page, a maintenance page, a redirect to a login form). | yes |
         *     | `invalid_reply` | The shop answered JSON that is not an apiShopContent reply (a different module version or a proxy page). | yes |
         *     | any other HTTP status, e.g. `520` | The shop answered that status. | yes |
         *     | `collector_<status>` | psif's collector answered the shop's upload with that status. | yes |
         */
        get: operations["getShopSyncState"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/reporting/v1/shop/{shopId}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The shop's last health probe
         * @description The last apiHealthCheck call psif made to the shop; 404 `health_unknown` before the first. Vendor tokens: the shop must have a consent for one of your modules (403 `consent_missing` otherwise, also for an unknown shop). Admin tokens: any shop (404 `shop_not_found` for an unknown one), every module's consents.
         */
        get: operations["getShopHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops/{shopId}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A shop's sync: state per content and language, active and recent pulls, health */
        get: operations["getShopSync"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/shops/{shopId}/health-check": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Probe the shop's apiHealthCheck now
         * @description Calls the shop with a short-lived job, so the answer carries the PrestaShop, ps_eventbus, ps_accounts and PHP versions; the result is kept as the shop health.
         */
        post: operations["probeShopHealth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync/v1/sync/trigger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Trigger an incremental sync of shop contents
         * @description Queues an incremental pull (a full sync when the content never finished one) of each content, in each language it depends on. Vendor tokens (API audience and tech-vendor/<name>) may trigger the contents their modules have the consent for (403 `consent_missing` otherwise); shop tokens their own shop (403 `shop_mismatch`); admin tokens any shop. Unknown contents: 400 `unknown_content` naming them; contents no module has the consent for: 409 `not_consented` (psif never pulls them).
         */
        post: operations["AuthSyncController_triggerSyncAuth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync/v1/sync/trigger-full": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Trigger a full sync of shop contents
         * @description Queues a full sync (full=1, then reconciliation) of each content, in each language it depends on. Vendor tokens (API audience and tech-vendor/<name>) may trigger the contents their modules have the consent for (403 `consent_missing` otherwise); shop tokens their own shop (403 `shop_mismatch`); admin tokens any shop. Unknown contents: 400 `unknown_content` naming them; contents no module has the consent for: 409 `not_consented` (psif never pulls them).
         */
        post: operations["AuthSyncController_triggerFullSyncAuth"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync-api/sync/trigger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The shop asks for an incremental sync of everything it shares
         * @description Shop token only. Every content covered by a consent of the shop, in each language it depends on.
         */
        get: operations["shopTriggerSync"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/sync-api/sync/trigger-full": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The shop asks for a full sync of everything it shares
         * @description Shop token only. Every content covered by a consent of the shop, in each language it depends on.
         */
        get: operations["shopTriggerFullSync"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints
         * @description Every endpoint, or those of one vendor and/or environment, oldest first.
         */
        get: operations["listWebhookEndpoints"];
        put?: never;
        /**
         * Register a webhook endpoint of a vendor
         * @description The endpoint receives the events of one vendor in one environment (live or sandbox), signed per Standard Webhooks. Returns the signing secret once.
         */
        post: operations["createWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-endpoints/{endpointId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook endpoint
         * @description The endpoint without its secret.
         */
        get: operations["getWebhookEndpoint"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint
         * @description Removes the endpoint and its delivery log; pending deliveries are dropped.
         */
        delete: operations["deleteWebhookEndpoint"];
        options?: never;
        head?: never;
        /**
         * Change a webhook endpoint
         * @description A disabled endpoint gets no new deliveries and its pending ones wait until it is enabled again. eventTypes replaces the whole list.
         */
        patch: operations["updateWebhookEndpoint"];
        trace?: never;
    };
    "/admin/v1/billing/webhook-endpoints/{endpointId}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the signing secret of an endpoint
         * @description The new secret signs every attempt from now on (attempts already in flight carry the previous one). Returned once.
         */
        post: operations["rotateWebhookEndpointSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-endpoints/{endpointId}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the deliveries of an endpoint
         * @description The delivery log, newest first.
         */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a delivery with its attempts and event
         * @description Every attempt (status, error, duration) and the exact payload sent.
         */
        get: operations["getWebhookDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-deliveries/{deliveryId}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a delivery again
         * @description Queues the delivery now with a fresh retry schedule, whatever its status; the receiver gets the same webhook-id again. 409 while an attempt is in flight.
         */
        post: operations["replayWebhookDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/webhook-endpoints/{endpointId}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send the failed deliveries of an endpoint again
         * @description Queues the failed deliveries (status failed, the default) or every finished one (status all) created since `since` (default: all time). Deliveries in flight are left alone.
         */
        post: operations["replayWebhookEndpoint"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List billing API keys */
        get: operations["listBillingApiKeys"];
        put?: never;
        /**
         * Create a billing API key for a vendor
         * @description The key (for `X-BILLING-API-KEY` on the internal quantity routes) is shown in this answer only; psif keeps a hash.
         */
        post: operations["createBillingApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/api-keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke a billing API key */
        delete: operations["revokeBillingApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/billing/clock/run": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run the billing clock now
         * @description Runs every renewal, trial end, scheduled change and payment retry due by now (test clocks excepted), as the worker's clock does every PSIF_BILLING_CLOCK_INTERVAL_MS. Safe to call while workers run: each transition happens once.
         */
        post: operations["runBillingClock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/products/{productId}/components": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A product's components: plans, addons and charges (A1)
         * @description Public, like a price list: no token needed. `productId` is the module technical name. Filters are optional.
         */
        get: operations["getProductComponents"];
        put?: never;
        /**
         * Add a plan, addon or charge to a product
         * @description Scope `product.write`. Plans need `billingPeriodUnit`; flat_fee and per_unit need `price`; stairstep needs `tiers` (starting at 1, contiguous, only the last open). Prices are immutable: to change one, create a new component and archive the old one.
         */
        post: operations["createComponent"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Your products
         * @description Scope `product.read`.
         */
        get: operations["listProducts"];
        put?: never;
        /**
         * Create a product (a module you sell)
         * @description Scope `product.write`. The id is the module technical name; ids are unique per environment.
         */
        post: operations["createProduct"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/products/{productId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One of your products
         * @description Scope `product.read`.
         */
        get: operations["getProduct"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Rename, describe or archive a product
         * @description Scope `product.write`.
         */
        patch: operations["updateProduct"];
        trace?: never;
    };
    "/billing/v1/products/{productId}/components/{componentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Archive a component or change its unit label
         * @description Scope `product.write`. Archived components can no longer be chosen; existing subscriptions keep them.
         */
        patch: operations["updateComponent"];
        trace?: never;
    };
    "/billing/v1/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a customer (A7)
         * @description A shop token creates its own customer (`id` = its shop UUID). Vendors need `customer.write`. 409 when it exists.
         */
        post: operations["addCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A customer (B1)
         * @description The shop itself, or vendors with `customer.read`.
         */
        get: operations["getCustomer"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change a customer's email, locale or owner
         * @description The shop itself, or vendors with `customer.write`. Sends `customer.updated`.
         */
        patch: operations["updateCustomer"];
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/billing-address": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the billing address (and VAT number)
         * @description The country decides the VAT rate of the next invoices. Live: the shop only; sandbox: also vendors with `customer.write`. Sends `customer-billing-address.updated`.
         */
        put: operations["setBillingAddress"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/payment-method": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set the card that pays the invoices
         * @description The card goes to the gateway; psif keeps only its brand, last 4 digits and expiry. Due invoices are retried with it at once. Live: the shop only (and a gateway must be configured: 503 `GATEWAY_NOT_CONFIGURED`); sandbox: also vendors with `customer.write`, with the test cards of docs/billing.md.
         */
        put: operations["setPaymentMethod"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/subscriptions/{productId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The customer's subscription to a product (B2)
         * @description The one that is not cancelled, else the latest; 404 `SUBSCRIPTION_NOT_FOUND` when there is none (show your plan selection). The shop itself, or vendors with `subscription.read` for their products.
         */
        get: operations["getCustomerSubscription"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/subscriptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Subscribe a customer to a plan
         * @description A shop subscribes itself; vendors need `subscription.write` and subscribe customers to their own products. The customer is created if needed. With a trial (once per customer and product): `in_trial`. With a later `startDate`: `future`. Otherwise `active`, and the first term is invoiced and charged now: without a payment method 402 `PAYMENT_METHOD_REQUIRED`, declined 402 `PAYMENT_DECLINED`, and nothing is created. One subscription per customer and product (409).
         */
        post: operations["createSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/test-clock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Sandbox: the customer's test clock
         * @description Sandbox only. Before its first advance the clock follows real time.
         */
        get: operations["getTestClock"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/test-clock/advance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sandbox: move the customer's time forward
         * @description Sandbox only; the shop itself or vendors with `subscription.write`. Give exactly one of `to`, `seconds` or `months`. Every renewal, trial end, scheduled change and payment retry due by then runs, in order and each at its own date, before the answer; webhooks follow. From the first advance on, the customer's time moves only through this route.
         */
        post: operations["advanceTestClock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A subscription
         * @description The shop itself, or vendors with `subscription.read` for their products.
         */
        get: operations["getSubscription"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change the plan or billing period (A5)
         * @description `subscriptionItemId` is the new plan component. An upgrade (a higher price per term) applies now, with an invoice for the prorated difference that must be paid (402 otherwise, nothing changes); a downgrade, or a billing-period change within the plan group, is scheduled for the end of the term (`has_scheduled_changes`). In trial, the plan changes at once. Plan and period cannot change together. The shop itself, or vendors with `subscription.write` for their products.
         */
        patch: operations["updateSubscription"];
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a subscription
         * @description By default at the end of the term: `non_renewing` (in trial the status stays `in_trial`) until then, then `cancelled`. `endOfTerm: false` cancels now; the term's usage and charges are invoiced, nothing is refunded. Sends `subscription.status-updated`. The shop itself, or vendors with `subscription.write` for their products.
         */
        post: operations["cancelSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/reactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Undo a scheduled cancellation, or restart a cancelled subscription
         * @description A scheduled cancellation is removed. A cancelled subscription starts a new term now, invoiced and paid at once (402 otherwise, nothing changes). Sends `subscription.status-updated`. The shop itself, or vendors with `subscription.write` for their products.
         */
        post: operations["reactivateSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause an active subscription
         * @description No renewal while paused; resume starts a new term. Sends `subscription.status-updated`. The shop itself, or vendors with `subscription.write` for their products.
         */
        post: operations["pauseSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused subscription
         * @description A new term starts now, invoiced and paid at once (402 otherwise, nothing changes). Sends `subscription.status-updated`. The shop itself, or vendors with `subscription.write` for their products.
         */
        post: operations["resumeSubscription"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/scheduled-changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Drop a scheduled downgrade and scheduled quantities
         * @description The shop itself, or vendors with `subscription.write` for their products.
         */
        delete: operations["removeScheduledChanges"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/items/{subscriptionItemId}/quantity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Set an item's quantity (A2)
         * @description Scope `subscription.write.quantity`. An absolute value (SET), kept from term to term, used from the next invoice on; a stairstep item is billed the step the quantity falls in. `subscriptionItemId` is the plan or addon component id. Usage-based items take usage instead (400 `NOT_USAGE_BASED`).
         */
        put: operations["setSubscriptionItemQuantity"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/items/{subscriptionItemId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report usage of a metered item (A3)
         * @description Scope `subscription.write.usage`. `usageQuantity` is added to the term's usage, billed at the end of the term and reset then; the answer gives the term's total. Usage during a trial is free.
         */
        post: operations["setSubscriptionItemUsage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/subscriptions/{subscriptionId}/charge_at_term": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a charge to the next invoice (A4)
         * @description Scope `subscription.write.charge_at_term`. Several per term; the subscription must be `active` or `non_renewing` (a cancellation bills them in its last invoice).
         */
        post: operations["addSubscriptionChargeAtTerm"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/estimates": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Preview the price of a plan (A6)
         * @description Scope `customer.write.estimate` (or the shop itself). Without `subscriptionId`: what a new subscription costs now (0 with a trial) and at the next billing. With it: what a change to `componentId` costs now (a prorated upgrade; 0 for a downgrade) and per term after. Taxes follow the customer's billing country.
         */
        post: operations["addSubscriptionEstimateForCustomer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/invoices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search invoices (A8)
         * @description Scope `invoices.read` (vendors see their products' invoices; a shop its own). `id` with `type` narrows to a subscription or a customer. Newest first unless `order=asc`.
         */
        get: operations["getInvoices"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/invoices/{invoiceId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An invoice with its line items
         * @description Scope `invoices.read` (or the shop itself).
         */
        get: operations["getInvoice"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/invoices/{invoiceId}/download": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A download link of the invoice PDF (A9)
         * @description Scope `invoices.read` (or the shop itself). The link needs no token and is valid one hour (`validTill`, Unix seconds).
         */
        get: operations["getInvoiceDownload"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/invoices/{invoiceId}/pdf": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The invoice PDF (a signed link from A9)
         * @description No token: the link's signature and expiry authorise it; 410 `DOWNLOAD_LINK_EXPIRED` otherwise.
         */
        get: operations["downloadInvoicePdf"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/billing/v1/customers/{customerId}/subscriptions/{productId}/quantity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The plan quantity (internal, B5)
         * @description `X-BILLING-API-KEY` of the product's vendor. `scheduledQuantity` is present when a change waits for the next renewal.
         */
        get: operations["getSubscriptionQuantity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change the plan quantity (internal, B4)
         * @description `X-BILLING-API-KEY` of the product's vendor. `UPDATE` adds `quantity` (negative to remove) to the scheduled (else current) quantity; `SET` replaces it. The result, at least 1, applies from the next renewal (`scheduledQuantity`).
         */
        patch: operations["updateSubscriptionQuantity"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description RFC 6749 §5.2 error response */
        OAuthError: {
            /**
             * @description RFC 6749 §5.2 error code
             * @enum {string}
             */
            error: "invalid_request" | "invalid_client" | "invalid_grant" | "unauthorized_client" | "unsupported_grant_type" | "invalid_scope" | "unsupported_token_type" | "access_denied" | "too_many_requests" | "server_error";
            error_description: string;
        };
        TokenResponse: {
            /** @description JWT (typ at+jwt) */
            access_token: string;
            /** @enum {string} */
            token_type: "bearer";
            expires_in: number;
            /** @description Granted scopes, space-separated; may be empty */
            scope: string;
        };
        IntrospectionResponse: {
            active: boolean;
            client_id?: string;
            sub?: string;
            scope?: string;
            scp?: string[];
            aud?: string[];
            iss?: string;
            exp?: number;
            iat?: number;
            nbf?: number;
            jti?: string;
            token_type?: string;
            token_use?: string;
            /** @description psif extension: vendor, shop, admin or resource_server */
            client_kind?: string;
            ext?: {
                [key: string]: unknown;
            };
        };
        ServerMetadata: {
            issuer: string;
            token_endpoint: string;
            jwks_uri: string;
            introspection_endpoint: string;
            revocation_endpoint: string;
            grant_types_supported: string[];
            response_types_supported: string[];
            token_endpoint_auth_methods_supported: string[];
            introspection_endpoint_auth_methods_supported: string[];
            revocation_endpoint_auth_methods_supported: string[];
            service_documentation: string;
        } & {
            [key: string]: unknown;
        };
        Jwk: {
            kty: string;
            kid: string;
            alg: string;
            use: string;
            crv?: string;
            x?: string;
            y?: string;
            n?: string;
            e?: string;
        };
        Jwks: {
            keys: components["schemas"]["Jwk"][];
        };
        /** @description Error of psif APIs */
        ApiError: {
            statusCode: number;
            /** @description Stable machine-readable code */
            code: string;
            message: string;
            details?: {
                [key: string]: unknown;
            };
        };
        Client: {
            clientId: string;
            kind: "vendor" | "shop" | "admin" | "resource_server";
            name: string;
            shopId: string | null;
            tokenEndpointAuthMethod: "client_secret_basic" | "client_secret_post";
            grantTypes: string[];
            scopes: string[];
            audiences: string[];
            accessTokenTtl: number | null;
            status: "active" | "disabled";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** Format: date-time */
            disabledAt: string | null;
        };
        ClientWithSecret: {
            client: components["schemas"]["Client"];
            /** @description Shown once; psif keeps only a keyed hash */
            clientSecret: string;
            /** Format: date-time */
            previousSecretExpiresAt?: string;
        };
        SigningKey: {
            kid: string;
            alg: string;
            status: "active" | "retired";
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            retiredAt: string | null;
            /** Format: date-time */
            unpublishAt: string | null;
        };
        /** @description Error of the Billing API */
        BillingError: {
            statusCode: number;
            /** @description Stable machine-readable code (see the table in the API description) */
            errorCode: string;
            message: string;
        };
        Shop: {
            shopId: string;
            url: string;
            languages: string[];
            /** @description The psif shop client, null when the shop uses an external issuer */
            clientId: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Module: {
            name: string;
            /** @description Vendor client name */
            vendor: string;
            vendorClientId: string;
            /** Format: date-time */
            createdAt: string;
        };
        ModuleConsents: {
            shopId: string;
            moduleName: string;
            /** @description Granted consents; holds "info" whenever it is not empty */
            consents: string[];
            /** Format: date-time */
            updatedAt: string | null;
        };
        Job: {
            jobId: string;
            shopId: string;
            /** @description snake_case shop contents the job may upload */
            contents: string[];
            mode: "full" | "incremental";
            langIso: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            expiresAt: string;
            /** Format: date-time */
            validatedAt: string | null;
            /** Format: date-time */
            lastUploadAt: string | null;
        };
        UploadResult: {
            /** @description Non-blank lines (all valid) */
            accepted: number;
            /** @description Upsert lines applied */
            upserted: number;
            /** @description Rows soft-deleted (one delete can match several languages or combinations) */
            deleted: number;
            /** @description Blank lines (ps_eventbus writes one when json_encode fails) */
            skipped: number;
            /** @description collection.property names the catalog does not know; not stored */
            ignoredProperties: string[];
        };
        RawBundles: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_product */
            idProduct?: number | null;
            /** @description unique_product_id */
            uniqueProductId?: string | null;
            /** @description id_bundle */
            idBundle?: number | null;
            /** @description id_product_attribute */
            idProductAttribute?: number | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description The object identity: its catalog id properties joined by "-" */
            idBundleProduct?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawCarriers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_carrier */
            idCarrier?: string | null;
            /** @description id_reference */
            idReference?: string | null;
            /** @description name */
            name?: string | null;
            /** @description url */
            url?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description deleted */
            deleted?: boolean | null;
            /** @description disable_carrier_when_out_of_range */
            disableCarrierWhenOutOfRange?: boolean | null;
            /** @description is_module */
            isModule?: boolean | null;
            /** @description is_free */
            isFree?: boolean | null;
            /** @description shipping_external */
            shippingExternal?: boolean | null;
            /** @description need_range */
            needRange?: boolean | null;
            /** @description external_module_name */
            externalModuleName?: string | null;
            /** @description max_width */
            maxWidth?: number | null;
            /** @description max_height */
            maxHeight?: number | null;
            /** @description max_depth */
            maxDepth?: number | null;
            /** @description max_weight */
            maxWeight?: number | null;
            /** @description grade */
            grade?: number | null;
            /** @description delay */
            delay?: string | null;
            /** @description shipping_handling */
            shippingHandling?: number | null;
            /** @description carrier_taxes_rates_group_id */
            carrierTaxesRatesGroupId?: string | null;
            /** @description free_shipping_starts_at_price */
            freeShippingStartsAtPrice?: number | null;
            /** @description free_shipping_starts_at_weight */
            freeShippingStartsAtWeight?: number | null;
            /** @description currency */
            currency?: string | null;
            /** @description weight_unit */
            weightUnit?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawCarrierDetails: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_reference */
            idReference?: string | null;
            /** @description id_zone */
            idZone?: string | null;
            /** @description price */
            price?: number | null;
            /** @description id_range */
            idRange?: string | null;
            /** @description shipping_method */
            shippingMethod?: string | null;
            /** @description delimiter1 */
            delimiter1?: number | null;
            /** @description delimiter2 */
            delimiter2?: number | null;
            /** @description country_ids */
            countryIds?: string | null;
            /** @description state_ids */
            stateIds?: string | null;
            /** @description id_carrier_detail */
            idCarrierDetail?: string | null;
            /** @description The object identity: its catalog id properties joined by "-" */
            carrierDetailsUniqueId?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawCarrierTaxes: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_reference */
            idReference?: string | null;
            /** @description id_zone */
            idZone?: number | null;
            /** @description id_range */
            idRange?: number | null;
            /** @description id_carrier_tax */
            idCarrierTax?: string | null;
            /** @description country_id */
            countryId?: string | null;
            /** @description state_ids */
            stateIds?: string | null;
            /** @description tax_rate */
            taxRate?: number | null;
            /** @description The object identity: its catalog id properties joined by "-" */
            carrierTaxesUniqueId?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawCarts: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_cart */
            idCart?: string | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawCartProducts: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_cart */
            idCart?: string | null;
            /** @description id_product */
            idProduct?: string | null;
            /** @description id_product_attribute */
            idProductAttribute?: string | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description id_cart_product */
            idCartProduct?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawCartRules: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_cart_rule */
            idCartRule?: number | null;
            /** @description id_customer */
            idCustomer?: number | null;
            /** @description code */
            code?: string | null;
            /** @description from (ISO 8601, UTC) */
            from?: string | null;
            /** @description to (ISO 8601, UTC) */
            to?: string | null;
            /** @description description */
            description?: string | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description quantity_per_user */
            quantityPerUser?: number | null;
            /** @description priority */
            priority?: number | null;
            /** @description partial_use */
            partialUse?: boolean | null;
            /** @description minimum_amount */
            minimumAmount?: number | null;
            /** @description minimum_amount_tax */
            minimumAmountTax?: boolean | null;
            /** @description minimum_amount_currency */
            minimumAmountCurrency?: number | null;
            /** @description minimum_amount_shipping */
            minimumAmountShipping?: boolean | null;
            /** @description country_restriction */
            countryRestriction?: boolean | null;
            /** @description carrier_restriction */
            carrierRestriction?: boolean | null;
            /** @description group_restriction */
            groupRestriction?: boolean | null;
            /** @description cart_rule_restriction */
            cartRuleRestriction?: boolean | null;
            /** @description product_restriction */
            productRestriction?: boolean | null;
            /** @description shop_restriction */
            shopRestriction?: boolean | null;
            /** @description free_shipping */
            freeShipping?: boolean | null;
            /** @description reduction_percent */
            reductionPercent?: number | null;
            /** @description reduction_amount */
            reductionAmount?: number | null;
            /** @description reduction_tax */
            reductionTax?: boolean | null;
            /** @description reduction_currency */
            reductionCurrency?: number | null;
            /** @description reduction_product */
            reductionProduct?: number | null;
            /** @description gift_product */
            giftProduct?: number | null;
            /** @description gift_product_attribute */
            giftProductAttribute?: number | null;
            /** @description highlight */
            highlight?: boolean | null;
            /** @description active */
            active?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description reduction_exclude_special */
            reductionExcludeSpecial?: boolean | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawCategories: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description unique_category_id */
            uniqueCategoryId?: string | null;
            /** @description id_category */
            idCategory?: number | null;
            /** @description id_parent */
            idParent?: number | null;
            /** @description name */
            name?: string | null;
            /** @description description */
            description?: string | null;
            /** @description link_rewrite */
            linkRewrite?: string | null;
            /** @description meta_title */
            metaTitle?: string | null;
            /** @description meta_description */
            metaDescription?: string | null;
            /** @description iso_code */
            isoCode?: string | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description meta_keywords */
            metaKeywords?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawCurrencies: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_currency */
            idCurrency?: number | null;
            /** @description iso_code */
            isoCode?: string | null;
            /** @description conversion_rate */
            conversionRate?: number | null;
            /** @description deleted */
            deleted?: boolean | null;
            /** @description active */
            active?: boolean | null;
            /** @description name */
            name?: string | null;
            /** @description precision */
            precision?: number | null;
            /** @description The object identity: its catalog id properties joined by "-" */
            uniqueCurrencyId?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawCustomers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_customer */
            idCustomer?: number | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description newsletter */
            newsletter?: boolean | null;
            /** @description newsletter_date_add (ISO 8601, UTC) */
            newsletterDateAdd?: string | null;
            /** @description optin */
            optin?: boolean | null;
            /** @description active */
            active?: boolean | null;
            /** @description is_guest */
            isGuest?: boolean | null;
            /** @description deleted */
            deleted?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description email_hash */
            emailHash?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawEmployees: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_employee */
            idEmployee?: number | null;
            /** @description id_profile */
            idProfile?: number | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description bo_color */
            boColor?: string | null;
            /** @description bo_theme */
            boTheme?: string | null;
            /** @description bo_css */
            boCss?: string | null;
            /** @description default_tab */
            defaultTab?: number | null;
            /** @description bo_width */
            boWidth?: number | null;
            /** @description bo_menu */
            boMenu?: boolean | null;
            /** @description active */
            active?: boolean | null;
            /** @description optin */
            optin?: boolean | null;
            /** @description id_last_order */
            idLastOrder?: number | null;
            /** @description id_last_customer_message */
            idLastCustomerMessage?: number | null;
            /** @description id_last_customer */
            idLastCustomer?: number | null;
            /** @description last_connection_date (ISO 8601, UTC) */
            lastConnectionDate?: string | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description has_enabled_gravatar */
            hasEnabledGravatar?: boolean | null;
            /** @description email_hash */
            emailHash?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawImages: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_image */
            idImage?: number | null;
            /** @description id_product */
            idProduct?: number | null;
            /** @description position */
            position?: number | null;
            /** @description cover */
            cover?: boolean | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description legend */
            legend?: string | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawImageTypes: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_image_type */
            idImageType?: number | null;
            /** @description name */
            name?: string | null;
            /** @description width */
            width?: number | null;
            /** @description height */
            height?: number | null;
            /** @description products */
            products?: boolean | null;
            /** @description categories */
            categories?: boolean | null;
            /** @description manufacturers */
            manufacturers?: boolean | null;
            /** @description suppliers */
            suppliers?: boolean | null;
            /** @description stores */
            stores?: boolean | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawLanguages: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_lang */
            idLang?: number | null;
            /** @description name */
            name?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description iso_code */
            isoCode?: string | null;
            /** @description language_code */
            languageCode?: string | null;
            /** @description date_format_lite */
            dateFormatLite?: string | null;
            /** @description date_format_full */
            dateFormatFull?: string | null;
            /** @description is_rtl */
            isRtl?: boolean | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description locale */
            locale?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawManufacturers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_manufacturer */
            idManufacturer?: number | null;
            /** @description name */
            name?: string | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description description */
            description?: string | null;
            /** @description short_description */
            shortDescription?: string | null;
            /** @description meta_title */
            metaTitle?: string | null;
            /** @description meta_description */
            metaDescription?: string | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description meta_keywords */
            metaKeywords?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawModules: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description module_id */
            moduleId?: string | null;
            /** @description name */
            name?: string | null;
            /** @description module_version */
            moduleVersion?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawOrders: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_order */
            idOrder?: string | null;
            /** @description reference */
            reference?: string | null;
            /** @description id_customer */
            idCustomer?: string | null;
            /** @description id_cart */
            idCart?: string | null;
            /** @description current_state */
            currentState?: number | null;
            /** @description conversion_rate */
            conversionRate?: number | null;
            /** @description total_paid_tax_excl */
            totalPaidTaxExcl?: number | null;
            /** @description total_paid_tax_incl */
            totalPaidTaxIncl?: number | null;
            /** @description currency */
            currency?: string | null;
            /** @description payment_module */
            paymentModule?: string | null;
            /** @description payment_mode */
            paymentMode?: string | null;
            /** @description total_paid_real */
            totalPaidReal?: number | null;
            /** @description shipping_cost */
            shippingCost?: number | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description id_carrier */
            idCarrier?: number | null;
            /** @description payment_name */
            paymentName?: string | null;
            /** @description is_validated */
            isValidated?: string | null;
            /** @description is_paid */
            isPaid?: boolean | null;
            /** @description is_shipped */
            isShipped?: string | null;
            /** @description status_label */
            statusLabel?: string | null;
            /** @description id_shop_group */
            idShopGroup?: number | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description id_currency */
            idCurrency?: number | null;
            /** @description recyclable */
            recyclable?: boolean | null;
            /** @description gift */
            gift?: boolean | null;
            /** @description total_discounts */
            totalDiscounts?: number | null;
            /** @description total_discounts_tax_incl */
            totalDiscountsTaxIncl?: number | null;
            /** @description total_discounts_tax_excl */
            totalDiscountsTaxExcl?: number | null;
            /** @description total_products */
            totalProducts?: number | null;
            /** @description total_products_wt */
            totalProductsWt?: number | null;
            /** @description total_shipping_tax_incl */
            totalShippingTaxIncl?: number | null;
            /** @description total_shipping_tax_excl */
            totalShippingTaxExcl?: number | null;
            /** @description carrier_tax_rate */
            carrierTaxRate?: number | null;
            /** @description total_wrapping */
            totalWrapping?: number | null;
            /** @description total_wrapping_tax_incl */
            totalWrappingTaxIncl?: number | null;
            /** @description total_wrapping_tax_excl */
            totalWrappingTaxExcl?: number | null;
            /** @description round_mode */
            roundMode?: number | null;
            /** @description round_type */
            roundType?: number | null;
            /** @description invoice_number */
            invoiceNumber?: number | null;
            /** @description delivery_number */
            deliveryNumber?: number | null;
            /** @description invoice_date (ISO 8601, UTC) */
            invoiceDate?: string | null;
            /** @description delivery_date (ISO 8601, UTC) */
            deliveryDate?: string | null;
            /** @description valid */
            valid?: boolean | null;
            /** @description refund */
            refund?: number | null;
            /** @description refund_tax_excl */
            refundTaxExcl?: number | null;
            /** @description new_customer */
            newCustomer?: boolean | null;
            /** @description total_paid_tax */
            totalPaidTax?: number | null;
            /** @description delivery_country_code */
            deliveryCountryCode?: string | null;
            /** @description invoice_country_code */
            invoiceCountryCode?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawOrderCarriers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_order_carrier */
            idOrderCarrier?: string | null;
            /** @description id_order */
            idOrder?: string | null;
            /** @description id_carrier */
            idCarrier?: string | null;
            /** @description id_order_invoice */
            idOrderInvoice?: string | null;
            /** @description weight */
            weight?: number | null;
            /** @description shipping_cost_tax_excl */
            shippingCostTaxExcl?: number | null;
            /** @description shipping_cost_tax_incl */
            shippingCostTaxIncl?: number | null;
            /** @description tracking_number */
            trackingNumber?: string | null;
            /** @description date_add (ISO 8601, UTC) */
            dateAdd?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawOrderCartRules: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_order_cart_rule */
            idOrderCartRule?: number | null;
            /** @description id_order */
            idOrder?: number | null;
            /** @description id_cart_rule */
            idCartRule?: number | null;
            /** @description id_order_invoice */
            idOrderInvoice?: number | null;
            /** @description name */
            name?: string | null;
            /** @description value */
            value?: number | null;
            /** @description value_tax_excl */
            valueTaxExcl?: number | null;
            /** @description free_shipping */
            freeShipping?: boolean | null;
            /** @description deleted */
            deleted?: boolean | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawOrderDetails: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_order_detail */
            idOrderDetail?: string | null;
            /** @description id_order */
            idOrder?: string | null;
            /** @description product_id */
            productId?: string | null;
            /** @description product_attribute_id */
            productAttributeId?: string | null;
            /** @description product_quantity */
            productQuantity?: number | null;
            /** @description unit_price_tax_incl */
            unitPriceTaxIncl?: number | null;
            /** @description unit_price_tax_excl */
            unitPriceTaxExcl?: number | null;
            /** @description refund */
            refund?: number | null;
            /** @description refund_tax_excl */
            refundTaxExcl?: number | null;
            /** @description currency */
            currency?: string | null;
            /** @description category */
            category?: string | null;
            /** @description iso_code */
            isoCode?: string | null;
            /** @description conversion_rate */
            conversionRate?: number | null;
            /** @description unique_product_id */
            uniqueProductId?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawOrderStatusHistory: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_order_state */
            idOrderState?: string | null;
            /** @description name */
            name?: string | null;
            /** @description template */
            template?: string | null;
            /** @description date_add (ISO 8601, UTC) */
            dateAdd?: string | null;
            /** @description id_order */
            idOrder?: string | null;
            /** @description id_order_history */
            idOrderHistory?: string | null;
            /** @description is_validated */
            isValidated?: boolean | null;
            /** @description is_delivered */
            isDelivered?: boolean | null;
            /** @description is_shipped */
            isShipped?: boolean | null;
            /** @description is_paid */
            isPaid?: boolean | null;
            /** @description is_deleted */
            isDeleted?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawProducts: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_product */
            idProduct?: string | null;
            /** @description id_manufacturer */
            idManufacturer?: number | null;
            /** @description id_supplier */
            idSupplier?: number | null;
            /** @description id_attribute */
            idAttribute?: string | null;
            /** @description is_default_attribute */
            isDefaultAttribute?: boolean | null;
            /** @description name */
            name?: string | null;
            /** @description description */
            description?: string | null;
            /** @description description_short */
            descriptionShort?: string | null;
            /** @description link_rewrite */
            linkRewrite?: string | null;
            /** @description default_category */
            defaultCategory?: string | null;
            /** @description id_category_default */
            idCategoryDefault?: string | null;
            /** @description reference */
            reference?: string | null;
            /** @description upc */
            upc?: string | null;
            /** @description ean */
            ean?: string | null;
            /** @description condition */
            condition?: string | null;
            /** @description visibility */
            visibility?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description manufacturer */
            manufacturer?: string | null;
            /** @description weight */
            weight?: number | null;
            /** @description price_tax_excl */
            priceTaxExcl?: number | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description available_for_order */
            availableForOrder?: boolean | null;
            /** @description available_date */
            availableDate?: string | null;
            /** @description is_bundle */
            isBundle?: boolean | null;
            /** @description is_virtual */
            isVirtual?: boolean | null;
            /** @description unity */
            unity?: string | null;
            /** @description unit_price_ratio */
            unitPriceRatio?: number | null;
            /** @description width */
            width?: number | null;
            /** @description height */
            height?: number | null;
            /** @description depth */
            depth?: number | null;
            /** @description additional_shipping_cost */
            additionalShippingCost?: number | null;
            /** @description unique_product_id */
            uniqueProductId?: string | null;
            /** @description id_product_attribute */
            idProductAttribute?: string | null;
            /** @description iso_code */
            isoCode?: string | null;
            /** @description isbn */
            isbn?: string | null;
            /** @description additional_delivery_times */
            additionalDeliveryTimes?: number | null;
            /** @description delivery_in_stock */
            deliveryInStock?: string | null;
            /** @description delivery_out_stock */
            deliveryOutStock?: string | null;
            /** @description mpn */
            mpn?: string | null;
            /** @description features */
            features?: string | null;
            /** @description attributes */
            attributes?: string | null;
            /** @description images */
            images?: string | null;
            /** @description cover */
            cover?: string | null;
            /** @description link */
            link?: string | null;
            /** @description price_tax_incl */
            priceTaxIncl?: number | null;
            /** @description sale_price_tax_excl */
            salePriceTaxExcl?: number | null;
            /** @description sale_price_tax_incl */
            salePriceTaxIncl?: number | null;
            /** @description tax */
            tax?: number | null;
            /** @description sale_tax */
            saleTax?: number | null;
            /** @description category_path */
            categoryPath?: string | null;
            /** @description category_id_path */
            categoryIdPath?: string | null;
            /** @description price_per_unit */
            pricePerUnit?: string | null;
            /** @description id_category_default */
            idCategoryDefaultBigint?: number | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawCustomProductCarriers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_product */
            idProduct?: number | null;
            /** @description id_carrier_reference */
            idCarrierReference?: number | null;
            /** @description id_shop */
            idShop?: string | null;
            /** @description The object identity: its catalog id properties joined by "-" */
            idCustomProductCarrier?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawProductSuppliers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_product_supplier */
            idProductSupplier?: number | null;
            /** @description id_product */
            idProduct?: number | null;
            /** @description id_product_attribute */
            idProductAttribute?: number | null;
            /** @description id_supplier */
            idSupplier?: number | null;
            /** @description product_supplier_reference */
            productSupplierReference?: string | null;
            /** @description product_supplier_price_te */
            productSupplierPriceTe?: number | null;
            /** @description id_currency */
            idCurrency?: number | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawInfo: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description folder_created_at (ISO 8601, UTC) */
            folderCreatedAt?: string | null;
            /** @description cms_version */
            cmsVersion?: string | null;
            /** @description url_is_simplified */
            urlIsSimplified?: boolean | null;
            /** @description cart_is_persistent */
            cartIsPersistent?: boolean | null;
            /** @description default_language */
            defaultLanguage?: string | null;
            /** @description languages */
            languages?: string | null;
            /** @description default_currency */
            defaultCurrency?: string | null;
            /** @description currencies */
            currencies?: string | null;
            /** @description weight_unit */
            weightUnit?: string | null;
            /** @description distance_unit */
            distanceUnit?: string | null;
            /** @description volume_unit */
            volumeUnit?: string | null;
            /** @description dimension_unit */
            dimensionUnit?: string | null;
            /** @description timezone */
            timezone?: string | null;
            /** @description is_order_return_enabled */
            isOrderReturnEnabled?: boolean | null;
            /** @description order_return_nb_days */
            orderReturnNbDays?: number | null;
            /** @description php_version */
            phpVersion?: string | null;
            /** @description http_server */
            httpServer?: string | null;
            /** @description url */
            url?: string | null;
            /** @description ssl */
            ssl?: boolean | null;
            /** @description multi_shop_count */
            multiShopCount?: number | null;
            /** @description country_code */
            countryCode?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawSpecificPrices: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_specific_price */
            idSpecificPrice?: number | null;
            /** @description id_product */
            idProduct?: number | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description id_shop_group */
            idShopGroup?: number | null;
            /** @description id_currency */
            idCurrency?: number | null;
            /** @description id_country */
            idCountry?: number | null;
            /** @description id_group */
            idGroup?: number | null;
            /** @description id_customer */
            idCustomer?: number | null;
            /** @description id_product_attribute */
            idProductAttribute?: number | null;
            /** @description price */
            price?: number | null;
            /** @description from_quantity */
            fromQuantity?: number | null;
            /** @description reduction */
            reduction?: number | null;
            /** @description reduction_tax */
            reductionTax?: number | null;
            /** @description from (ISO 8601, UTC) */
            from?: string | null;
            /** @description to (ISO 8601, UTC) */
            to?: string | null;
            /** @description reduction_type */
            reductionType?: string | null;
            /** @description country */
            country?: string | null;
            /** @description currency */
            currency?: string | null;
            /** @description price_tax_included */
            priceTaxIncluded?: number | null;
            /** @description price_tax_excluded */
            priceTaxExcluded?: number | null;
            /** @description sale_price_tax_incl */
            salePriceTaxIncl?: number | null;
            /** @description sale_price_tax_excl */
            salePriceTaxExcl?: number | null;
            /** @description discount_percentage */
            discountPercentage?: number | null;
            /** @description discount_value_tax_incl */
            discountValueTaxIncl?: number | null;
            /** @description discount_value_tax_excl */
            discountValueTaxExcl?: number | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawStocks: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_stock_available */
            idStockAvailable?: number | null;
            /** @description id_product */
            idProduct?: number | null;
            /** @description id_product_attribute */
            idProductAttribute?: number | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description id_shop_group */
            idShopGroup?: number | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description depends_on_stock */
            dependsOnStock?: boolean | null;
            /** @description out_of_stock */
            outOfStock?: boolean | null;
            /** @description physical_quantity */
            physicalQuantity?: number | null;
            /** @description reserved_quantity */
            reservedQuantity?: number | null;
            /** @description location */
            location?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawStockMovements: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_stock_mvt */
            idStockMvt?: number | null;
            /** @description id_stock */
            idStock?: number | null;
            /** @description id_order */
            idOrder?: number | null;
            /** @description id_supply_order */
            idSupplyOrder?: number | null;
            /** @description id_stock_mvt_reason */
            idStockMvtReason?: number | null;
            /** @description name */
            name?: string | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description id_employee */
            idEmployee?: number | null;
            /** @description employee_lastname */
            employeeLastname?: string | null;
            /** @description employee_firstname */
            employeeFirstname?: string | null;
            /** @description physical_quantity */
            physicalQuantity?: number | null;
            /** @description date_add (ISO 8601, UTC) */
            dateAdd?: string | null;
            /** @description sign */
            sign?: number | null;
            /** @description price_te */
            priceTe?: number | null;
            /** @description last_wa */
            lastWa?: number | null;
            /** @description current_wa */
            currentWa?: number | null;
            /** @description referer */
            referer?: number | null;
            /** @description deleted */
            deleted?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawStores: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_store */
            idStore?: number | null;
            /** @description id_country */
            idCountry?: number | null;
            /** @description id_state */
            idState?: number | null;
            /** @description city */
            city?: string | null;
            /** @description postcode */
            postcode?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description name */
            name?: string | null;
            /** @description address1 */
            address1?: string | null;
            /** @description address2 */
            address2?: string | null;
            /** @description hours */
            hours?: string | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawSuppliers: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_supplier */
            idSupplier?: number | null;
            /** @description name */
            name?: string | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description description */
            description?: string | null;
            /** @description meta_title */
            metaTitle?: string | null;
            /** @description meta_description */
            metaDescription?: string | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description meta_keywords */
            metaKeywords?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawTaxonomies: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_category */
            idCategory?: string | null;
            /** @description google_category_id */
            googleCategoryId?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawThemes: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description theme_id */
            themeId?: string | null;
            /** @description name */
            name?: string | null;
            /** @description theme_version */
            themeVersion?: string | null;
            /** @description active */
            active?: boolean | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawTranslations: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_translation */
            idTranslation?: number | null;
            /** @description id_lang */
            idLang?: number | null;
            /** @description key */
            key?: string | null;
            /** @description translation */
            translation?: string | null;
            /** @description domain */
            domain?: string | null;
            /** @description theme */
            theme?: string | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
        RawWishlists: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_wishlist */
            idWishlist?: number | null;
            /** @description id_customer */
            idCustomer?: number | null;
            /** @description id_shop */
            idShop?: number | null;
            /** @description id_shop_group */
            idShopGroup?: number | null;
            /** @description token */
            token?: string | null;
            /** @description name */
            name?: string | null;
            /** @description counter */
            counter?: number | null;
            /** @description created_at (ISO 8601, UTC) */
            createdAt?: string | null;
            /** @description updated_at (ISO 8601, UTC) */
            updatedAt?: string | null;
            /** @description default */
            default?: boolean | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
            /** @description psif: deleted */
            deleted?: boolean | null;
            /** @description psif: deleted at */
            deletedAt?: string | null;
        };
        RawWishlistProducts: {
            /** @description The object identity: its catalog id properties joined by "-" */
            id?: string;
            /** @description The shop UUID */
            shopId?: string;
            /** @description id_wishlist_product */
            idWishlistProduct?: number | null;
            /** @description id_wishlist */
            idWishlist?: number | null;
            /** @description id_product */
            idProduct?: number | null;
            /** @description id_product_attribute */
            idProductAttribute?: number | null;
            /** @description quantity */
            quantity?: number | null;
            /** @description priority */
            priority?: number | null;
            /** @description psif: created at */
            createdAt?: string | null;
            /** @description psif: updated at */
            updatedAt?: string | null;
            /** @description psif: last synced at */
            lastSyncedAt?: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        detail?: string;
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        detail?: string;
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        detail?: string;
                    };
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getAuthorizationServerMetadata: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerMetadata"];
                };
            };
        };
    };
    getOpenIdConfiguration: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ServerMetadata"];
                };
            };
        };
    };
    getJwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Jwks"];
                };
            };
        };
    };
    issueToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "grant_type": "client_credentials"
                 *     }
                 */
                "application/x-www-form-urlencoded": {
                    /** @description Must be client_credentials */
                    grant_type?: string;
                    /** @description Space-separated scopes; each must be allowed for the client (a.* allows a.b) */
                    scope?: string;
                    /** @description Space-separated (or repeated) audiences; each must be allowed for the client. Omitted: every allowed audience. */
                    audience?: string | string[];
                    /** @description Required with client_secret_post; with Basic it must match the Basic user */
                    client_id?: string;
                    /** @description Only for clients registered with client_secret_post */
                    client_secret?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
        };
    };
    introspectToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "token": "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl",
                 *       "token_type_hint": "access_token"
                 *     }
                 */
                "application/x-www-form-urlencoded": {
                    token?: string;
                    /** @description access_token (psif issues no refresh tokens) */
                    token_type_hint?: string;
                    client_id?: string;
                    client_secret?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IntrospectionResponse"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
        };
    };
    revokeToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "token": "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl",
                 *       "token_type_hint": "access_token"
                 *     }
                 */
                "application/x-www-form-urlencoded": {
                    token?: string;
                    /** @description access_token (psif issues no refresh tokens) */
                    token_type_hint?: string;
                    client_id?: string;
                    client_secret?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Revoked, or nothing to revoke */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description RFC 6749 §5.2 error response */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
            /** @description RFC 6749 §5.2 error response */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OAuthError"];
                };
            };
        };
    };
    listClients: {
        parameters: {
            query?: {
                kind?: "vendor" | "shop" | "admin" | "resource_server";
                status?: "active" | "disabled";
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Client"][];
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createClient: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "kind": "vendor",
                 *       "name": "newco",
                 *       "scopes": [
                 *         "product.read",
                 *         "subscription.read"
                 *       ]
                 *     }
                 */
                "application/json": {
                    kind: "vendor" | "shop" | "admin" | "resource_server";
                    name?: string;
                    /** Format: uuid */
                    shopId?: string;
                    /** @description Scopes the client may request; "a.*" allows "a.b" */
                    scopes?: string[];
                    /** @description Audiences allowed beyond the defaults of the kind */
                    audiences?: string[];
                    tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
                    /** @description Default ["client_credentials"]; [] for an introspection-only resource server */
                    grantTypes?: string[];
                    accessTokenTtl?: number | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientWithSecret"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    updateClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "scopes": [
                 *         "product.read",
                 *         "product.write",
                 *         "subscription.read"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Allowed scopes */
                    scopes?: string[];
                    /** @description Allowed audiences (the whole list) */
                    audiences?: string[];
                    tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
                    /** @description Allowed grant types */
                    grantTypes?: string[];
                    accessTokenTtl?: number | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    rotateClientSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "graceSeconds": 3600
                 *     }
                 */
                "application/json": {
                    graceSeconds?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ClientWithSecret"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    disableClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    enableClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                clientId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Client"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listSigningKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["SigningKey"][];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    rotateSigningKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "alg": "ES256"
                 *     }
                 */
                "application/json": {
                    alg?: "ES256" | "RS256";
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SigningKey"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listShops: {
        parameters: {
            query?: {
                limit?: number;
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Shop"][];
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    registerShop: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopId": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "url": "https://shop.example",
                 *       "languages": [
                 *         "en",
                 *         "fr"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Shop UUID (PrestaShop Accounts), lowercase */
                    shopId: string;
                    /** @description Base URL of the shop (ps_eventbus is reached below it) */
                    url: string;
                    /** @description ISO codes of the shop languages to sync, default first */
                    languages?: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shop: components["schemas"]["Shop"];
                        clientId: string;
                        clientSecret: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    adminGetShop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Shop"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteShop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listModules: {
        parameters: {
            query?: {
                vendor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: components["schemas"]["Module"][];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createModule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "name": "ps_mymodule",
                 *       "vendor": "acme"
                 *     }
                 */
                "application/json": {
                    /** @description Module technical name, e.g. ps_mymodule */
                    name: string;
                    /** @description Name of an existing vendor client */
                    vendor: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Module"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getModule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Module technical name, e.g. ps_mymodule */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Module"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteModule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Module technical name, e.g. ps_mymodule */
                name: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createJob: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopId": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "contents": [
                 *         "products"
                 *       ],
                 *       "full": true
                 *     }
                 */
                "application/json": {
                    /** @description Shop UUID (PrestaShop Accounts), lowercase */
                    shopId: string;
                    contents?: string[];
                    full?: boolean;
                    langIso?: string;
                    ttlSeconds?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    reconcileJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "content": "products"
                 *     }
                 */
                "application/json": {
                    content: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deleted: number;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listUploads: {
        parameters: {
            query?: {
                status?: "stored" | "rejected";
                /** @description A job id issued by psif */
                jobId?: string;
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            uploadId: string;
                            jobId: string;
                            endpoint: string;
                            /** Format: date-time */
                            receivedAt: string;
                            durationMs: number;
                            status: "stored" | "rejected";
                            httpStatus: number;
                            errorCode: string | null;
                            errorMessage: string | null;
                            bytes: number;
                            lines: number;
                            upserted: number;
                            deleted: number;
                            skipped: number;
                            collections: string[];
                            fullSyncRequested: boolean | null;
                            userAgent: string | null;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listLiveSyncRequests: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            content: string;
                            /** Format: date-time */
                            pendingSince: string;
                            /** Format: date-time */
                            dueAt: string;
                            lastAction: string;
                            notifications: number;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Shop"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    putShop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "url": "https://shop.example",
                 *       "languages": [
                 *         "en",
                 *         "fr"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Base URL of the shop (ps_eventbus is reached below it) */
                    url: string;
                    /** @description ISO codes of the shop languages to sync, default first */
                    languages?: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Shop"];
                };
            };
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Shop"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    patchShop: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "languages": [
                 *         "en",
                 *         "fr"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Base URL of the shop (ps_eventbus is reached below it) */
                    url?: string;
                    /** @description ISO codes of the shop languages to sync, default first */
                    languages?: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Shop"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listShopConsents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        items: components["schemas"]["ModuleConsents"][];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopConsents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                /** @description Module technical name, e.g. ps_mymodule */
                moduleName: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModuleConsents"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    putShopConsents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                /** @description Module technical name, e.g. ps_mymodule */
                moduleName: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "consents": [
                 *         "products",
                 *         "categories",
                 *         "orders"
                 *       ]
                 *     }
                 */
                "application/json": {
                    consents: ("products" | "carriers" | "carts" | "categories" | "currencies" | "customers" | "employees" | "images" | "languages" | "manufacturers" | "modules" | "orders" | "info" | "stocks" | "stores" | "suppliers" | "taxonomies" | "themes" | "translations" | "wishlists")[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModuleConsents"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteShopConsents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                /** @description Module technical name, e.g. ps_mymodule */
                moduleName: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    postConsentHistorical: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "moduleName": "ps_mymodule",
                 *       "shopConsentAccepted": [
                 *         "products",
                 *         "orders"
                 *       ],
                 *       "shopConsentRevoked": []
                 *     }
                 */
                "application/json": {
                    /** @description Module technical name, e.g. ps_mymodule */
                    moduleName: string;
                    shopConsentAccepted: string[];
                    shopConsentRevoked: string[];
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModuleConsents"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    validateJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    validateJobV1: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    notify: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopContents": [
                 *         "products"
                 *       ],
                 *       "action": "upsert"
                 *     }
                 */
                "application/json": {
                    shopContents: string[];
                    action: "upsert" | "delete";
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        contents: string[];
                        action: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    notifyLegacy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopContents": [
                 *         "products"
                 *       ],
                 *       "action": "upsert"
                 *     }
                 */
                "application/json": {
                    shopContents: string[];
                    action: "upsert" | "delete";
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        contents: string[];
                        action: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    upload: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description NDJSON lines joined by CRLF or LF (ps_eventbus: filename "file", text/plain)
                     */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadResult"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteV3: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description NDJSON lines joined by CRLF or LF (ps_eventbus: filename "file", text/plain)
                     */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadResult"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    uploadV1: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description NDJSON lines joined by CRLF or LF (ps_eventbus: filename "file", text/plain)
                     */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadResult"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteV3V1: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A job id issued by psif */
                jobId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /**
                     * Format: binary
                     * @description NDJSON lines joined by CRLF or LF (ps_eventbus: filename "file", text/plain)
                     */
                    file: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UploadResult"];
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Bundles_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawBundles"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Bundles_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idProduct" | "uniqueProductId" | "idBundle" | "idProductAttribute" | "quantity" | "idBundleProduct" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description uniqueProductId equals */
                uniqueProductId?: string;
                /** @description idBundle equals */
                idBundle?: number;
                /** @description idBundle ≥ (inclusive) */
                idBundleStart?: number;
                /** @description idBundle ≤ (inclusive) */
                idBundleEnd?: number;
                /** @description idProductAttribute equals */
                idProductAttribute?: number;
                /** @description idProductAttribute ≥ (inclusive) */
                idProductAttributeStart?: number;
                /** @description idProductAttribute ≤ (inclusive) */
                idProductAttributeEnd?: number;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description idBundleProduct equals */
                idBundleProduct?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawBundles"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Carriers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCarriers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Carriers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCarrier" | "idReference" | "name" | "url" | "active" | "deleted" | "disableCarrierWhenOutOfRange" | "isModule" | "isFree" | "shippingExternal" | "needRange" | "externalModuleName" | "maxWidth" | "maxHeight" | "maxDepth" | "maxWeight" | "grade" | "delay" | "shippingHandling" | "carrierTaxesRatesGroupId" | "freeShippingStartsAtPrice" | "freeShippingStartsAtWeight" | "currency" | "weightUnit" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCarrier equals */
                idCarrier?: string;
                /** @description idReference equals */
                idReference?: string;
                /** @description name equals */
                name?: string;
                /** @description url equals */
                url?: string;
                /** @description active equals */
                active?: boolean;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description disableCarrierWhenOutOfRange equals */
                disableCarrierWhenOutOfRange?: boolean;
                /** @description isModule equals */
                isModule?: boolean;
                /** @description isFree equals */
                isFree?: boolean;
                /** @description shippingExternal equals */
                shippingExternal?: boolean;
                /** @description needRange equals */
                needRange?: boolean;
                /** @description externalModuleName equals */
                externalModuleName?: string;
                /** @description maxWidth equals */
                maxWidth?: number;
                /** @description maxWidth ≥ (inclusive) */
                maxWidthStart?: number;
                /** @description maxWidth ≤ (inclusive) */
                maxWidthEnd?: number;
                /** @description maxHeight equals */
                maxHeight?: number;
                /** @description maxHeight ≥ (inclusive) */
                maxHeightStart?: number;
                /** @description maxHeight ≤ (inclusive) */
                maxHeightEnd?: number;
                /** @description maxDepth equals */
                maxDepth?: number;
                /** @description maxDepth ≥ (inclusive) */
                maxDepthStart?: number;
                /** @description maxDepth ≤ (inclusive) */
                maxDepthEnd?: number;
                /** @description maxWeight equals */
                maxWeight?: number;
                /** @description maxWeight ≥ (inclusive) */
                maxWeightStart?: number;
                /** @description maxWeight ≤ (inclusive) */
                maxWeightEnd?: number;
                /** @description grade equals */
                grade?: number;
                /** @description grade ≥ (inclusive) */
                gradeStart?: number;
                /** @description grade ≤ (inclusive) */
                gradeEnd?: number;
                /** @description delay equals */
                delay?: string;
                /** @description shippingHandling equals */
                shippingHandling?: number;
                /** @description shippingHandling ≥ (inclusive) */
                shippingHandlingStart?: number;
                /** @description shippingHandling ≤ (inclusive) */
                shippingHandlingEnd?: number;
                /** @description carrierTaxesRatesGroupId equals */
                carrierTaxesRatesGroupId?: string;
                /** @description freeShippingStartsAtPrice equals */
                freeShippingStartsAtPrice?: number;
                /** @description freeShippingStartsAtPrice ≥ (inclusive) */
                freeShippingStartsAtPriceStart?: number;
                /** @description freeShippingStartsAtPrice ≤ (inclusive) */
                freeShippingStartsAtPriceEnd?: number;
                /** @description freeShippingStartsAtWeight equals */
                freeShippingStartsAtWeight?: number;
                /** @description freeShippingStartsAtWeight ≥ (inclusive) */
                freeShippingStartsAtWeightStart?: number;
                /** @description freeShippingStartsAtWeight ≤ (inclusive) */
                freeShippingStartsAtWeightEnd?: number;
                /** @description currency equals */
                currency?: string;
                /** @description weightUnit equals */
                weightUnit?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCarriers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CarrierDetails_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCarrierDetails"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CarrierDetails_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idReference" | "idZone" | "price" | "idRange" | "shippingMethod" | "delimiter1" | "delimiter2" | "countryIds" | "stateIds" | "idCarrierDetail" | "carrierDetailsUniqueId" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idReference equals */
                idReference?: string;
                /** @description idZone equals */
                idZone?: string;
                /** @description price equals */
                price?: number;
                /** @description price ≥ (inclusive) */
                priceStart?: number;
                /** @description price ≤ (inclusive) */
                priceEnd?: number;
                /** @description idRange equals */
                idRange?: string;
                /** @description shippingMethod equals */
                shippingMethod?: string;
                /** @description delimiter1 equals */
                delimiter1?: number;
                /** @description delimiter1 ≥ (inclusive) */
                delimiter1Start?: number;
                /** @description delimiter1 ≤ (inclusive) */
                delimiter1End?: number;
                /** @description delimiter2 equals */
                delimiter2?: number;
                /** @description delimiter2 ≥ (inclusive) */
                delimiter2Start?: number;
                /** @description delimiter2 ≤ (inclusive) */
                delimiter2End?: number;
                /** @description countryIds equals */
                countryIds?: string;
                /** @description stateIds equals */
                stateIds?: string;
                /** @description idCarrierDetail equals */
                idCarrierDetail?: string;
                /** @description carrierDetailsUniqueId equals */
                carrierDetailsUniqueId?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCarrierDetails"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CarrierTaxes_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCarrierTaxes"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CarrierTaxes_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idReference" | "idZone" | "idRange" | "idCarrierTax" | "countryId" | "stateIds" | "taxRate" | "carrierTaxesUniqueId" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idReference equals */
                idReference?: string;
                /** @description idZone equals */
                idZone?: number;
                /** @description idZone ≥ (inclusive) */
                idZoneStart?: number;
                /** @description idZone ≤ (inclusive) */
                idZoneEnd?: number;
                /** @description idRange equals */
                idRange?: number;
                /** @description idRange ≥ (inclusive) */
                idRangeStart?: number;
                /** @description idRange ≤ (inclusive) */
                idRangeEnd?: number;
                /** @description idCarrierTax equals */
                idCarrierTax?: string;
                /** @description countryId equals */
                countryId?: string;
                /** @description stateIds equals */
                stateIds?: string;
                /** @description taxRate equals */
                taxRate?: number;
                /** @description taxRate ≥ (inclusive) */
                taxRateStart?: number;
                /** @description taxRate ≤ (inclusive) */
                taxRateEnd?: number;
                /** @description carrierTaxesUniqueId equals */
                carrierTaxesUniqueId?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCarrierTaxes"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Carts_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCarts"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Carts_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCart" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCart equals */
                idCart?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCarts"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CartProducts_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCartProducts"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CartProducts_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCart" | "idProduct" | "idProductAttribute" | "quantity" | "createdAt" | "idCartProduct" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCart equals */
                idCart?: string;
                /** @description idProduct equals */
                idProduct?: string;
                /** @description idProductAttribute equals */
                idProductAttribute?: string;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description idCartProduct equals */
                idCartProduct?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCartProducts"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CartRules_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCartRules"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CartRules_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCartRule" | "idCustomer" | "code" | "from" | "to" | "description" | "quantity" | "quantityPerUser" | "priority" | "partialUse" | "minimumAmount" | "minimumAmountTax" | "minimumAmountCurrency" | "minimumAmountShipping" | "countryRestriction" | "carrierRestriction" | "groupRestriction" | "cartRuleRestriction" | "productRestriction" | "shopRestriction" | "freeShipping" | "reductionPercent" | "reductionAmount" | "reductionTax" | "reductionCurrency" | "reductionProduct" | "giftProduct" | "giftProductAttribute" | "highlight" | "active" | "createdAt" | "updatedAt" | "reductionExcludeSpecial" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCartRule equals */
                idCartRule?: number;
                /** @description idCartRule ≥ (inclusive) */
                idCartRuleStart?: number;
                /** @description idCartRule ≤ (inclusive) */
                idCartRuleEnd?: number;
                /** @description idCustomer equals */
                idCustomer?: number;
                /** @description idCustomer ≥ (inclusive) */
                idCustomerStart?: number;
                /** @description idCustomer ≤ (inclusive) */
                idCustomerEnd?: number;
                /** @description code equals */
                code?: string;
                /** @description from equals */
                from?: string;
                /** @description from ≥ (inclusive) */
                fromStart?: string;
                /** @description from ≤ (inclusive) */
                fromEnd?: string;
                /** @description to equals */
                to?: string;
                /** @description to ≥ (inclusive) */
                toStart?: string;
                /** @description to ≤ (inclusive) */
                toEnd?: string;
                /** @description description equals */
                description?: string;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description quantityPerUser equals */
                quantityPerUser?: number;
                /** @description quantityPerUser ≥ (inclusive) */
                quantityPerUserStart?: number;
                /** @description quantityPerUser ≤ (inclusive) */
                quantityPerUserEnd?: number;
                /** @description priority equals */
                priority?: number;
                /** @description priority ≥ (inclusive) */
                priorityStart?: number;
                /** @description priority ≤ (inclusive) */
                priorityEnd?: number;
                /** @description partialUse equals */
                partialUse?: boolean;
                /** @description minimumAmount equals */
                minimumAmount?: number;
                /** @description minimumAmount ≥ (inclusive) */
                minimumAmountStart?: number;
                /** @description minimumAmount ≤ (inclusive) */
                minimumAmountEnd?: number;
                /** @description minimumAmountTax equals */
                minimumAmountTax?: boolean;
                /** @description minimumAmountCurrency equals */
                minimumAmountCurrency?: number;
                /** @description minimumAmountCurrency ≥ (inclusive) */
                minimumAmountCurrencyStart?: number;
                /** @description minimumAmountCurrency ≤ (inclusive) */
                minimumAmountCurrencyEnd?: number;
                /** @description minimumAmountShipping equals */
                minimumAmountShipping?: boolean;
                /** @description countryRestriction equals */
                countryRestriction?: boolean;
                /** @description carrierRestriction equals */
                carrierRestriction?: boolean;
                /** @description groupRestriction equals */
                groupRestriction?: boolean;
                /** @description cartRuleRestriction equals */
                cartRuleRestriction?: boolean;
                /** @description productRestriction equals */
                productRestriction?: boolean;
                /** @description shopRestriction equals */
                shopRestriction?: boolean;
                /** @description freeShipping equals */
                freeShipping?: boolean;
                /** @description reductionPercent equals */
                reductionPercent?: number;
                /** @description reductionPercent ≥ (inclusive) */
                reductionPercentStart?: number;
                /** @description reductionPercent ≤ (inclusive) */
                reductionPercentEnd?: number;
                /** @description reductionAmount equals */
                reductionAmount?: number;
                /** @description reductionAmount ≥ (inclusive) */
                reductionAmountStart?: number;
                /** @description reductionAmount ≤ (inclusive) */
                reductionAmountEnd?: number;
                /** @description reductionTax equals */
                reductionTax?: boolean;
                /** @description reductionCurrency equals */
                reductionCurrency?: number;
                /** @description reductionCurrency ≥ (inclusive) */
                reductionCurrencyStart?: number;
                /** @description reductionCurrency ≤ (inclusive) */
                reductionCurrencyEnd?: number;
                /** @description reductionProduct equals */
                reductionProduct?: number;
                /** @description reductionProduct ≥ (inclusive) */
                reductionProductStart?: number;
                /** @description reductionProduct ≤ (inclusive) */
                reductionProductEnd?: number;
                /** @description giftProduct equals */
                giftProduct?: number;
                /** @description giftProduct ≥ (inclusive) */
                giftProductStart?: number;
                /** @description giftProduct ≤ (inclusive) */
                giftProductEnd?: number;
                /** @description giftProductAttribute equals */
                giftProductAttribute?: number;
                /** @description giftProductAttribute ≥ (inclusive) */
                giftProductAttributeStart?: number;
                /** @description giftProductAttribute ≤ (inclusive) */
                giftProductAttributeEnd?: number;
                /** @description highlight equals */
                highlight?: boolean;
                /** @description active equals */
                active?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description reductionExcludeSpecial equals */
                reductionExcludeSpecial?: boolean;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCartRules"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Categories_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCategories"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Categories_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "uniqueCategoryId" | "idCategory" | "idParent" | "name" | "description" | "linkRewrite" | "metaTitle" | "metaDescription" | "isoCode" | "createdAt" | "updatedAt" | "metaKeywords" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description uniqueCategoryId equals */
                uniqueCategoryId?: string;
                /** @description idCategory equals */
                idCategory?: number;
                /** @description idCategory ≥ (inclusive) */
                idCategoryStart?: number;
                /** @description idCategory ≤ (inclusive) */
                idCategoryEnd?: number;
                /** @description idParent equals */
                idParent?: number;
                /** @description idParent ≥ (inclusive) */
                idParentStart?: number;
                /** @description idParent ≤ (inclusive) */
                idParentEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description description equals */
                description?: string;
                /** @description linkRewrite equals */
                linkRewrite?: string;
                /** @description metaTitle equals */
                metaTitle?: string;
                /** @description metaDescription equals */
                metaDescription?: string;
                /** @description isoCode equals */
                isoCode?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description metaKeywords equals */
                metaKeywords?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCategories"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Currencies_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCurrencies"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Currencies_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCurrency" | "isoCode" | "conversionRate" | "deleted" | "active" | "name" | "precision" | "uniqueCurrencyId" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCurrency equals */
                idCurrency?: number;
                /** @description idCurrency ≥ (inclusive) */
                idCurrencyStart?: number;
                /** @description idCurrency ≤ (inclusive) */
                idCurrencyEnd?: number;
                /** @description isoCode equals */
                isoCode?: string;
                /** @description conversionRate equals */
                conversionRate?: number;
                /** @description conversionRate ≥ (inclusive) */
                conversionRateStart?: number;
                /** @description conversionRate ≤ (inclusive) */
                conversionRateEnd?: number;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description active equals */
                active?: boolean;
                /** @description name equals */
                name?: string;
                /** @description precision equals */
                precision?: number;
                /** @description precision ≥ (inclusive) */
                precisionStart?: number;
                /** @description precision ≤ (inclusive) */
                precisionEnd?: number;
                /** @description uniqueCurrencyId equals */
                uniqueCurrencyId?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCurrencies"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Customers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCustomers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Customers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCustomer" | "idLang" | "newsletter" | "newsletterDateAdd" | "optin" | "active" | "isGuest" | "deleted" | "createdAt" | "updatedAt" | "emailHash" | "lastSyncedAt" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCustomer equals */
                idCustomer?: number;
                /** @description idCustomer ≥ (inclusive) */
                idCustomerStart?: number;
                /** @description idCustomer ≤ (inclusive) */
                idCustomerEnd?: number;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description newsletter equals */
                newsletter?: boolean;
                /** @description newsletterDateAdd equals */
                newsletterDateAdd?: string;
                /** @description newsletterDateAdd ≥ (inclusive) */
                newsletterDateAddStart?: string;
                /** @description newsletterDateAdd ≤ (inclusive) */
                newsletterDateAddEnd?: string;
                /** @description optin equals */
                optin?: boolean;
                /** @description active equals */
                active?: boolean;
                /** @description isGuest equals */
                isGuest?: boolean;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description emailHash equals */
                emailHash?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCustomers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Employees_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawEmployees"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Employees_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idEmployee" | "idProfile" | "idLang" | "boColor" | "boTheme" | "boCss" | "defaultTab" | "boWidth" | "boMenu" | "active" | "optin" | "idLastOrder" | "idLastCustomerMessage" | "idLastCustomer" | "lastConnectionDate" | "idShop" | "hasEnabledGravatar" | "emailHash" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idEmployee equals */
                idEmployee?: number;
                /** @description idEmployee ≥ (inclusive) */
                idEmployeeStart?: number;
                /** @description idEmployee ≤ (inclusive) */
                idEmployeeEnd?: number;
                /** @description idProfile equals */
                idProfile?: number;
                /** @description idProfile ≥ (inclusive) */
                idProfileStart?: number;
                /** @description idProfile ≤ (inclusive) */
                idProfileEnd?: number;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description boColor equals */
                boColor?: string;
                /** @description boTheme equals */
                boTheme?: string;
                /** @description boCss equals */
                boCss?: string;
                /** @description defaultTab equals */
                defaultTab?: number;
                /** @description defaultTab ≥ (inclusive) */
                defaultTabStart?: number;
                /** @description defaultTab ≤ (inclusive) */
                defaultTabEnd?: number;
                /** @description boWidth equals */
                boWidth?: number;
                /** @description boWidth ≥ (inclusive) */
                boWidthStart?: number;
                /** @description boWidth ≤ (inclusive) */
                boWidthEnd?: number;
                /** @description boMenu equals */
                boMenu?: boolean;
                /** @description active equals */
                active?: boolean;
                /** @description optin equals */
                optin?: boolean;
                /** @description idLastOrder equals */
                idLastOrder?: number;
                /** @description idLastOrder ≥ (inclusive) */
                idLastOrderStart?: number;
                /** @description idLastOrder ≤ (inclusive) */
                idLastOrderEnd?: number;
                /** @description idLastCustomerMessage equals */
                idLastCustomerMessage?: number;
                /** @description idLastCustomerMessage ≥ (inclusive) */
                idLastCustomerMessageStart?: number;
                /** @description idLastCustomerMessage ≤ (inclusive) */
                idLastCustomerMessageEnd?: number;
                /** @description idLastCustomer equals */
                idLastCustomer?: number;
                /** @description idLastCustomer ≥ (inclusive) */
                idLastCustomerStart?: number;
                /** @description idLastCustomer ≤ (inclusive) */
                idLastCustomerEnd?: number;
                /** @description lastConnectionDate equals */
                lastConnectionDate?: string;
                /** @description lastConnectionDate ≥ (inclusive) */
                lastConnectionDateStart?: string;
                /** @description lastConnectionDate ≤ (inclusive) */
                lastConnectionDateEnd?: string;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description hasEnabledGravatar equals */
                hasEnabledGravatar?: boolean;
                /** @description emailHash equals */
                emailHash?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawEmployees"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Images_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawImages"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Images_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idImage" | "idProduct" | "position" | "cover" | "idLang" | "legend" | "idShop" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idImage equals */
                idImage?: number;
                /** @description idImage ≥ (inclusive) */
                idImageStart?: number;
                /** @description idImage ≤ (inclusive) */
                idImageEnd?: number;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description position equals */
                position?: number;
                /** @description position ≥ (inclusive) */
                positionStart?: number;
                /** @description position ≤ (inclusive) */
                positionEnd?: number;
                /** @description cover equals */
                cover?: boolean;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description legend equals */
                legend?: string;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawImages"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ImageTypes_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawImageTypes"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ImageTypes_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idImageType" | "name" | "width" | "height" | "products" | "categories" | "manufacturers" | "suppliers" | "stores" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idImageType equals */
                idImageType?: number;
                /** @description idImageType ≥ (inclusive) */
                idImageTypeStart?: number;
                /** @description idImageType ≤ (inclusive) */
                idImageTypeEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description width equals */
                width?: number;
                /** @description width ≥ (inclusive) */
                widthStart?: number;
                /** @description width ≤ (inclusive) */
                widthEnd?: number;
                /** @description height equals */
                height?: number;
                /** @description height ≥ (inclusive) */
                heightStart?: number;
                /** @description height ≤ (inclusive) */
                heightEnd?: number;
                /** @description products equals */
                products?: boolean;
                /** @description categories equals */
                categories?: boolean;
                /** @description manufacturers equals */
                manufacturers?: boolean;
                /** @description suppliers equals */
                suppliers?: boolean;
                /** @description stores equals */
                stores?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawImageTypes"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Languages_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawLanguages"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Languages_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idLang" | "name" | "active" | "isoCode" | "languageCode" | "dateFormatLite" | "dateFormatFull" | "isRtl" | "idShop" | "locale" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description active equals */
                active?: boolean;
                /** @description isoCode equals */
                isoCode?: string;
                /** @description languageCode equals */
                languageCode?: string;
                /** @description dateFormatLite equals */
                dateFormatLite?: string;
                /** @description dateFormatFull equals */
                dateFormatFull?: string;
                /** @description isRtl equals */
                isRtl?: boolean;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description locale equals */
                locale?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawLanguages"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Manufacturers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawManufacturers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Manufacturers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idManufacturer" | "name" | "createdAt" | "updatedAt" | "active" | "idLang" | "description" | "shortDescription" | "metaTitle" | "metaDescription" | "idShop" | "metaKeywords" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idManufacturer equals */
                idManufacturer?: number;
                /** @description idManufacturer ≥ (inclusive) */
                idManufacturerStart?: number;
                /** @description idManufacturer ≤ (inclusive) */
                idManufacturerEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description active equals */
                active?: boolean;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description description equals */
                description?: string;
                /** @description shortDescription equals */
                shortDescription?: string;
                /** @description metaTitle equals */
                metaTitle?: string;
                /** @description metaDescription equals */
                metaDescription?: string;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description metaKeywords equals */
                metaKeywords?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawManufacturers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Modules_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawModules"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Modules_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "moduleId" | "name" | "moduleVersion" | "active" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description moduleId equals */
                moduleId?: string;
                /** @description name equals */
                name?: string;
                /** @description moduleVersion equals */
                moduleVersion?: string;
                /** @description active equals */
                active?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawModules"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Orders_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawOrders"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Orders_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idOrder" | "reference" | "idCustomer" | "idCart" | "currentState" | "conversionRate" | "totalPaidTaxExcl" | "totalPaidTaxIncl" | "currency" | "paymentModule" | "paymentMode" | "totalPaidReal" | "shippingCost" | "createdAt" | "updatedAt" | "idCarrier" | "paymentName" | "isValidated" | "isPaid" | "isShipped" | "statusLabel" | "idShopGroup" | "idShop" | "idLang" | "idCurrency" | "recyclable" | "gift" | "totalDiscounts" | "totalDiscountsTaxIncl" | "totalDiscountsTaxExcl" | "totalProducts" | "totalProductsWt" | "totalShippingTaxIncl" | "totalShippingTaxExcl" | "carrierTaxRate" | "totalWrapping" | "totalWrappingTaxIncl" | "totalWrappingTaxExcl" | "roundMode" | "roundType" | "invoiceNumber" | "deliveryNumber" | "invoiceDate" | "deliveryDate" | "valid" | "refund" | "refundTaxExcl" | "newCustomer" | "totalPaidTax" | "deliveryCountryCode" | "invoiceCountryCode" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idOrder equals */
                idOrder?: number;
                /** @description idOrder ≥ (inclusive) */
                idOrderStart?: number;
                /** @description idOrder ≤ (inclusive) */
                idOrderEnd?: number;
                /** @description reference equals */
                reference?: string;
                /** @description idCustomer equals */
                idCustomer?: number;
                /** @description idCustomer ≥ (inclusive) */
                idCustomerStart?: number;
                /** @description idCustomer ≤ (inclusive) */
                idCustomerEnd?: number;
                /** @description idCart equals */
                idCart?: string;
                /** @description currentState equals */
                currentState?: number;
                /** @description currentState ≥ (inclusive) */
                currentStateStart?: number;
                /** @description currentState ≤ (inclusive) */
                currentStateEnd?: number;
                /** @description conversionRate equals */
                conversionRate?: number;
                /** @description conversionRate ≥ (inclusive) */
                conversionRateStart?: number;
                /** @description conversionRate ≤ (inclusive) */
                conversionRateEnd?: number;
                /** @description totalPaidTaxExcl equals */
                totalPaidTaxExcl?: number;
                /** @description totalPaidTaxExcl ≥ (inclusive) */
                totalPaidTaxExclStart?: number;
                /** @description totalPaidTaxExcl ≤ (inclusive) */
                totalPaidTaxExclEnd?: number;
                /** @description totalPaidTaxIncl equals */
                totalPaidTaxIncl?: number;
                /** @description totalPaidTaxIncl ≥ (inclusive) */
                totalPaidTaxInclStart?: number;
                /** @description totalPaidTaxIncl ≤ (inclusive) */
                totalPaidTaxInclEnd?: number;
                /** @description currency equals */
                currency?: string;
                /** @description paymentModule equals */
                paymentModule?: string;
                /** @description paymentMode equals */
                paymentMode?: string;
                /** @description totalPaidReal equals */
                totalPaidReal?: number;
                /** @description totalPaidReal ≥ (inclusive) */
                totalPaidRealStart?: number;
                /** @description totalPaidReal ≤ (inclusive) */
                totalPaidRealEnd?: number;
                /** @description shippingCost equals */
                shippingCost?: number;
                /** @description shippingCost ≥ (inclusive) */
                shippingCostStart?: number;
                /** @description shippingCost ≤ (inclusive) */
                shippingCostEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description idCarrier equals */
                idCarrier?: number;
                /** @description idCarrier ≥ (inclusive) */
                idCarrierStart?: number;
                /** @description idCarrier ≤ (inclusive) */
                idCarrierEnd?: number;
                /** @description paymentName equals */
                paymentName?: string;
                /** @description isValidated equals */
                isValidated?: string;
                /** @description isPaid equals */
                isPaid?: boolean;
                /** @description isShipped equals */
                isShipped?: string;
                /** @description statusLabel equals */
                statusLabel?: string;
                /** @description idShopGroup equals */
                idShopGroup?: number;
                /** @description idShopGroup ≥ (inclusive) */
                idShopGroupStart?: number;
                /** @description idShopGroup ≤ (inclusive) */
                idShopGroupEnd?: number;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description idCurrency equals */
                idCurrency?: number;
                /** @description idCurrency ≥ (inclusive) */
                idCurrencyStart?: number;
                /** @description idCurrency ≤ (inclusive) */
                idCurrencyEnd?: number;
                /** @description recyclable equals */
                recyclable?: boolean;
                /** @description gift equals */
                gift?: boolean;
                /** @description totalDiscounts equals */
                totalDiscounts?: number;
                /** @description totalDiscounts ≥ (inclusive) */
                totalDiscountsStart?: number;
                /** @description totalDiscounts ≤ (inclusive) */
                totalDiscountsEnd?: number;
                /** @description totalDiscountsTaxIncl equals */
                totalDiscountsTaxIncl?: number;
                /** @description totalDiscountsTaxIncl ≥ (inclusive) */
                totalDiscountsTaxInclStart?: number;
                /** @description totalDiscountsTaxIncl ≤ (inclusive) */
                totalDiscountsTaxInclEnd?: number;
                /** @description totalDiscountsTaxExcl equals */
                totalDiscountsTaxExcl?: number;
                /** @description totalDiscountsTaxExcl ≥ (inclusive) */
                totalDiscountsTaxExclStart?: number;
                /** @description totalDiscountsTaxExcl ≤ (inclusive) */
                totalDiscountsTaxExclEnd?: number;
                /** @description totalProducts equals */
                totalProducts?: number;
                /** @description totalProducts ≥ (inclusive) */
                totalProductsStart?: number;
                /** @description totalProducts ≤ (inclusive) */
                totalProductsEnd?: number;
                /** @description totalProductsWt equals */
                totalProductsWt?: number;
                /** @description totalProductsWt ≥ (inclusive) */
                totalProductsWtStart?: number;
                /** @description totalProductsWt ≤ (inclusive) */
                totalProductsWtEnd?: number;
                /** @description totalShippingTaxIncl equals */
                totalShippingTaxIncl?: number;
                /** @description totalShippingTaxIncl ≥ (inclusive) */
                totalShippingTaxInclStart?: number;
                /** @description totalShippingTaxIncl ≤ (inclusive) */
                totalShippingTaxInclEnd?: number;
                /** @description totalShippingTaxExcl equals */
                totalShippingTaxExcl?: number;
                /** @description totalShippingTaxExcl ≥ (inclusive) */
                totalShippingTaxExclStart?: number;
                /** @description totalShippingTaxExcl ≤ (inclusive) */
                totalShippingTaxExclEnd?: number;
                /** @description carrierTaxRate equals */
                carrierTaxRate?: number;
                /** @description carrierTaxRate ≥ (inclusive) */
                carrierTaxRateStart?: number;
                /** @description carrierTaxRate ≤ (inclusive) */
                carrierTaxRateEnd?: number;
                /** @description totalWrapping equals */
                totalWrapping?: number;
                /** @description totalWrapping ≥ (inclusive) */
                totalWrappingStart?: number;
                /** @description totalWrapping ≤ (inclusive) */
                totalWrappingEnd?: number;
                /** @description totalWrappingTaxIncl equals */
                totalWrappingTaxIncl?: number;
                /** @description totalWrappingTaxIncl ≥ (inclusive) */
                totalWrappingTaxInclStart?: number;
                /** @description totalWrappingTaxIncl ≤ (inclusive) */
                totalWrappingTaxInclEnd?: number;
                /** @description totalWrappingTaxExcl equals */
                totalWrappingTaxExcl?: number;
                /** @description totalWrappingTaxExcl ≥ (inclusive) */
                totalWrappingTaxExclStart?: number;
                /** @description totalWrappingTaxExcl ≤ (inclusive) */
                totalWrappingTaxExclEnd?: number;
                /** @description roundMode equals */
                roundMode?: number;
                /** @description roundMode ≥ (inclusive) */
                roundModeStart?: number;
                /** @description roundMode ≤ (inclusive) */
                roundModeEnd?: number;
                /** @description roundType equals */
                roundType?: number;
                /** @description roundType ≥ (inclusive) */
                roundTypeStart?: number;
                /** @description roundType ≤ (inclusive) */
                roundTypeEnd?: number;
                /** @description invoiceNumber equals */
                invoiceNumber?: number;
                /** @description invoiceNumber ≥ (inclusive) */
                invoiceNumberStart?: number;
                /** @description invoiceNumber ≤ (inclusive) */
                invoiceNumberEnd?: number;
                /** @description deliveryNumber equals */
                deliveryNumber?: number;
                /** @description deliveryNumber ≥ (inclusive) */
                deliveryNumberStart?: number;
                /** @description deliveryNumber ≤ (inclusive) */
                deliveryNumberEnd?: number;
                /** @description invoiceDate equals */
                invoiceDate?: string;
                /** @description invoiceDate ≥ (inclusive) */
                invoiceDateStart?: string;
                /** @description invoiceDate ≤ (inclusive) */
                invoiceDateEnd?: string;
                /** @description deliveryDate equals */
                deliveryDate?: string;
                /** @description deliveryDate ≥ (inclusive) */
                deliveryDateStart?: string;
                /** @description deliveryDate ≤ (inclusive) */
                deliveryDateEnd?: string;
                /** @description valid equals */
                valid?: boolean;
                /** @description refund equals */
                refund?: number;
                /** @description refund ≥ (inclusive) */
                refundStart?: number;
                /** @description refund ≤ (inclusive) */
                refundEnd?: number;
                /** @description refundTaxExcl equals */
                refundTaxExcl?: number;
                /** @description refundTaxExcl ≥ (inclusive) */
                refundTaxExclStart?: number;
                /** @description refundTaxExcl ≤ (inclusive) */
                refundTaxExclEnd?: number;
                /** @description newCustomer equals */
                newCustomer?: boolean;
                /** @description totalPaidTax equals */
                totalPaidTax?: number;
                /** @description totalPaidTax ≥ (inclusive) */
                totalPaidTaxStart?: number;
                /** @description totalPaidTax ≤ (inclusive) */
                totalPaidTaxEnd?: number;
                /** @description deliveryCountryCode equals */
                deliveryCountryCode?: string;
                /** @description invoiceCountryCode equals */
                invoiceCountryCode?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawOrders"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderCarriers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawOrderCarriers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderCarriers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idOrderCarrier" | "idOrder" | "idCarrier" | "idOrderInvoice" | "weight" | "shippingCostTaxExcl" | "shippingCostTaxIncl" | "trackingNumber" | "dateAdd" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idOrderCarrier equals */
                idOrderCarrier?: string;
                /** @description idOrder equals */
                idOrder?: string;
                /** @description idCarrier equals */
                idCarrier?: string;
                /** @description idOrderInvoice equals */
                idOrderInvoice?: string;
                /** @description weight equals */
                weight?: number;
                /** @description weight ≥ (inclusive) */
                weightStart?: number;
                /** @description weight ≤ (inclusive) */
                weightEnd?: number;
                /** @description shippingCostTaxExcl equals */
                shippingCostTaxExcl?: number;
                /** @description shippingCostTaxExcl ≥ (inclusive) */
                shippingCostTaxExclStart?: number;
                /** @description shippingCostTaxExcl ≤ (inclusive) */
                shippingCostTaxExclEnd?: number;
                /** @description shippingCostTaxIncl equals */
                shippingCostTaxIncl?: number;
                /** @description shippingCostTaxIncl ≥ (inclusive) */
                shippingCostTaxInclStart?: number;
                /** @description shippingCostTaxIncl ≤ (inclusive) */
                shippingCostTaxInclEnd?: number;
                /** @description trackingNumber equals */
                trackingNumber?: string;
                /** @description dateAdd equals */
                dateAdd?: string;
                /** @description dateAdd ≥ (inclusive) */
                dateAddStart?: string;
                /** @description dateAdd ≤ (inclusive) */
                dateAddEnd?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawOrderCarriers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderCartRules_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawOrderCartRules"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderCartRules_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idOrderCartRule" | "idOrder" | "idCartRule" | "idOrderInvoice" | "name" | "value" | "valueTaxExcl" | "freeShipping" | "deleted" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idOrderCartRule equals */
                idOrderCartRule?: number;
                /** @description idOrderCartRule ≥ (inclusive) */
                idOrderCartRuleStart?: number;
                /** @description idOrderCartRule ≤ (inclusive) */
                idOrderCartRuleEnd?: number;
                /** @description idOrder equals */
                idOrder?: number;
                /** @description idOrder ≥ (inclusive) */
                idOrderStart?: number;
                /** @description idOrder ≤ (inclusive) */
                idOrderEnd?: number;
                /** @description idCartRule equals */
                idCartRule?: number;
                /** @description idCartRule ≥ (inclusive) */
                idCartRuleStart?: number;
                /** @description idCartRule ≤ (inclusive) */
                idCartRuleEnd?: number;
                /** @description idOrderInvoice equals */
                idOrderInvoice?: number;
                /** @description idOrderInvoice ≥ (inclusive) */
                idOrderInvoiceStart?: number;
                /** @description idOrderInvoice ≤ (inclusive) */
                idOrderInvoiceEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description value equals */
                value?: number;
                /** @description value ≥ (inclusive) */
                valueStart?: number;
                /** @description value ≤ (inclusive) */
                valueEnd?: number;
                /** @description valueTaxExcl equals */
                valueTaxExcl?: number;
                /** @description valueTaxExcl ≥ (inclusive) */
                valueTaxExclStart?: number;
                /** @description valueTaxExcl ≤ (inclusive) */
                valueTaxExclEnd?: number;
                /** @description freeShipping equals */
                freeShipping?: boolean;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawOrderCartRules"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderDetails_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawOrderDetails"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderDetails_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idOrderDetail" | "idOrder" | "productId" | "productAttributeId" | "productQuantity" | "unitPriceTaxIncl" | "unitPriceTaxExcl" | "refund" | "refundTaxExcl" | "currency" | "category" | "isoCode" | "conversionRate" | "uniqueProductId" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idOrderDetail equals */
                idOrderDetail?: number;
                /** @description idOrderDetail ≥ (inclusive) */
                idOrderDetailStart?: number;
                /** @description idOrderDetail ≤ (inclusive) */
                idOrderDetailEnd?: number;
                /** @description idOrder equals */
                idOrder?: number;
                /** @description idOrder ≥ (inclusive) */
                idOrderStart?: number;
                /** @description idOrder ≤ (inclusive) */
                idOrderEnd?: number;
                /** @description productId equals */
                productId?: number;
                /** @description productId ≥ (inclusive) */
                productIdStart?: number;
                /** @description productId ≤ (inclusive) */
                productIdEnd?: number;
                /** @description productAttributeId equals */
                productAttributeId?: number;
                /** @description productAttributeId ≥ (inclusive) */
                productAttributeIdStart?: number;
                /** @description productAttributeId ≤ (inclusive) */
                productAttributeIdEnd?: number;
                /** @description productQuantity equals */
                productQuantity?: number;
                /** @description productQuantity ≥ (inclusive) */
                productQuantityStart?: number;
                /** @description productQuantity ≤ (inclusive) */
                productQuantityEnd?: number;
                /** @description unitPriceTaxIncl equals */
                unitPriceTaxIncl?: number;
                /** @description unitPriceTaxIncl ≥ (inclusive) */
                unitPriceTaxInclStart?: number;
                /** @description unitPriceTaxIncl ≤ (inclusive) */
                unitPriceTaxInclEnd?: number;
                /** @description unitPriceTaxExcl equals */
                unitPriceTaxExcl?: number;
                /** @description unitPriceTaxExcl ≥ (inclusive) */
                unitPriceTaxExclStart?: number;
                /** @description unitPriceTaxExcl ≤ (inclusive) */
                unitPriceTaxExclEnd?: number;
                /** @description refund equals */
                refund?: number;
                /** @description refund ≥ (inclusive) */
                refundStart?: number;
                /** @description refund ≤ (inclusive) */
                refundEnd?: number;
                /** @description refundTaxExcl equals */
                refundTaxExcl?: number;
                /** @description refundTaxExcl ≥ (inclusive) */
                refundTaxExclStart?: number;
                /** @description refundTaxExcl ≤ (inclusive) */
                refundTaxExclEnd?: number;
                /** @description currency equals */
                currency?: string;
                /** @description category equals */
                category?: number;
                /** @description category ≥ (inclusive) */
                categoryStart?: number;
                /** @description category ≤ (inclusive) */
                categoryEnd?: number;
                /** @description isoCode equals */
                isoCode?: string;
                /** @description conversionRate equals */
                conversionRate?: number;
                /** @description conversionRate ≥ (inclusive) */
                conversionRateStart?: number;
                /** @description conversionRate ≤ (inclusive) */
                conversionRateEnd?: number;
                /** @description uniqueProductId equals */
                uniqueProductId?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawOrderDetails"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderStatusHistory_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawOrderStatusHistory"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    OrderStatusHistory_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idOrderState" | "name" | "template" | "dateAdd" | "idOrder" | "idOrderHistory" | "isValidated" | "isDelivered" | "isShipped" | "isPaid" | "isDeleted" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idOrderState equals */
                idOrderState?: number;
                /** @description idOrderState ≥ (inclusive) */
                idOrderStateStart?: number;
                /** @description idOrderState ≤ (inclusive) */
                idOrderStateEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description template equals */
                template?: string;
                /** @description dateAdd equals */
                dateAdd?: string;
                /** @description dateAdd ≥ (inclusive) */
                dateAddStart?: string;
                /** @description dateAdd ≤ (inclusive) */
                dateAddEnd?: string;
                /** @description idOrder equals */
                idOrder?: number;
                /** @description idOrder ≥ (inclusive) */
                idOrderStart?: number;
                /** @description idOrder ≤ (inclusive) */
                idOrderEnd?: number;
                /** @description idOrderHistory equals */
                idOrderHistory?: number;
                /** @description idOrderHistory ≥ (inclusive) */
                idOrderHistoryStart?: number;
                /** @description idOrderHistory ≤ (inclusive) */
                idOrderHistoryEnd?: number;
                /** @description isValidated equals */
                isValidated?: boolean;
                /** @description isDelivered equals */
                isDelivered?: boolean;
                /** @description isShipped equals */
                isShipped?: boolean;
                /** @description isPaid equals */
                isPaid?: boolean;
                /** @description isDeleted equals */
                isDeleted?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawOrderStatusHistory"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Products_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawProducts"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Products_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idProduct" | "idManufacturer" | "idSupplier" | "idAttribute" | "isDefaultAttribute" | "name" | "description" | "descriptionShort" | "linkRewrite" | "defaultCategory" | "idCategoryDefault" | "reference" | "upc" | "ean" | "condition" | "visibility" | "active" | "quantity" | "manufacturer" | "weight" | "priceTaxExcl" | "createdAt" | "updatedAt" | "availableForOrder" | "availableDate" | "isBundle" | "isVirtual" | "unity" | "unitPriceRatio" | "width" | "height" | "depth" | "additionalShippingCost" | "uniqueProductId" | "idProductAttribute" | "isoCode" | "isbn" | "additionalDeliveryTimes" | "deliveryInStock" | "deliveryOutStock" | "mpn" | "images" | "cover" | "link" | "priceTaxIncl" | "salePriceTaxExcl" | "salePriceTaxIncl" | "tax" | "saleTax" | "categoryPath" | "categoryIdPath" | "pricePerUnit" | "idCategoryDefaultBigint" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idManufacturer equals */
                idManufacturer?: number;
                /** @description idManufacturer ≥ (inclusive) */
                idManufacturerStart?: number;
                /** @description idManufacturer ≤ (inclusive) */
                idManufacturerEnd?: number;
                /** @description idSupplier equals */
                idSupplier?: number;
                /** @description idSupplier ≥ (inclusive) */
                idSupplierStart?: number;
                /** @description idSupplier ≤ (inclusive) */
                idSupplierEnd?: number;
                /** @description idAttribute equals */
                idAttribute?: number;
                /** @description idAttribute ≥ (inclusive) */
                idAttributeStart?: number;
                /** @description idAttribute ≤ (inclusive) */
                idAttributeEnd?: number;
                /** @description isDefaultAttribute equals */
                isDefaultAttribute?: boolean;
                /** @description name equals */
                name?: string;
                /** @description description equals */
                description?: string;
                /** @description descriptionShort equals */
                descriptionShort?: string;
                /** @description linkRewrite equals */
                linkRewrite?: string;
                /** @description defaultCategory equals */
                defaultCategory?: string;
                /** @description idCategoryDefault equals */
                idCategoryDefault?: number;
                /** @description idCategoryDefault ≥ (inclusive) */
                idCategoryDefaultStart?: number;
                /** @description idCategoryDefault ≤ (inclusive) */
                idCategoryDefaultEnd?: number;
                /** @description reference equals */
                reference?: string;
                /** @description upc equals */
                upc?: string;
                /** @description ean equals */
                ean?: string;
                /** @description condition equals */
                condition?: string;
                /** @description visibility equals */
                visibility?: string;
                /** @description active equals */
                active?: boolean;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description manufacturer equals */
                manufacturer?: string;
                /** @description weight equals */
                weight?: number;
                /** @description weight ≥ (inclusive) */
                weightStart?: number;
                /** @description weight ≤ (inclusive) */
                weightEnd?: number;
                /** @description priceTaxExcl equals */
                priceTaxExcl?: number;
                /** @description priceTaxExcl ≥ (inclusive) */
                priceTaxExclStart?: number;
                /** @description priceTaxExcl ≤ (inclusive) */
                priceTaxExclEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description availableForOrder equals */
                availableForOrder?: boolean;
                /** @description availableDate equals */
                availableDate?: string;
                /** @description availableDate ≥ (inclusive) */
                availableDateStart?: string;
                /** @description availableDate ≤ (inclusive) */
                availableDateEnd?: string;
                /** @description isBundle equals */
                isBundle?: boolean;
                /** @description isVirtual equals */
                isVirtual?: boolean;
                /** @description unity equals */
                unity?: string;
                /** @description unitPriceRatio equals */
                unitPriceRatio?: number;
                /** @description unitPriceRatio ≥ (inclusive) */
                unitPriceRatioStart?: number;
                /** @description unitPriceRatio ≤ (inclusive) */
                unitPriceRatioEnd?: number;
                /** @description width equals */
                width?: number;
                /** @description width ≥ (inclusive) */
                widthStart?: number;
                /** @description width ≤ (inclusive) */
                widthEnd?: number;
                /** @description height equals */
                height?: number;
                /** @description height ≥ (inclusive) */
                heightStart?: number;
                /** @description height ≤ (inclusive) */
                heightEnd?: number;
                /** @description depth equals */
                depth?: number;
                /** @description depth ≥ (inclusive) */
                depthStart?: number;
                /** @description depth ≤ (inclusive) */
                depthEnd?: number;
                /** @description additionalShippingCost equals */
                additionalShippingCost?: number;
                /** @description additionalShippingCost ≥ (inclusive) */
                additionalShippingCostStart?: number;
                /** @description additionalShippingCost ≤ (inclusive) */
                additionalShippingCostEnd?: number;
                /** @description uniqueProductId equals */
                uniqueProductId?: string;
                /** @description idProductAttribute equals */
                idProductAttribute?: string;
                /** @description isoCode equals */
                isoCode?: string;
                /** @description isbn equals */
                isbn?: string;
                /** @description additionalDeliveryTimes equals */
                additionalDeliveryTimes?: number;
                /** @description additionalDeliveryTimes ≥ (inclusive) */
                additionalDeliveryTimesStart?: number;
                /** @description additionalDeliveryTimes ≤ (inclusive) */
                additionalDeliveryTimesEnd?: number;
                /** @description deliveryInStock equals */
                deliveryInStock?: string;
                /** @description deliveryOutStock equals */
                deliveryOutStock?: string;
                /** @description mpn equals */
                mpn?: string;
                /** @description images equals */
                images?: string;
                /** @description cover equals */
                cover?: string;
                /** @description link equals */
                link?: string;
                /** @description priceTaxIncl equals */
                priceTaxIncl?: number;
                /** @description priceTaxIncl ≥ (inclusive) */
                priceTaxInclStart?: number;
                /** @description priceTaxIncl ≤ (inclusive) */
                priceTaxInclEnd?: number;
                /** @description salePriceTaxExcl equals */
                salePriceTaxExcl?: number;
                /** @description salePriceTaxExcl ≥ (inclusive) */
                salePriceTaxExclStart?: number;
                /** @description salePriceTaxExcl ≤ (inclusive) */
                salePriceTaxExclEnd?: number;
                /** @description salePriceTaxIncl equals */
                salePriceTaxIncl?: number;
                /** @description salePriceTaxIncl ≥ (inclusive) */
                salePriceTaxInclStart?: number;
                /** @description salePriceTaxIncl ≤ (inclusive) */
                salePriceTaxInclEnd?: number;
                /** @description tax equals */
                tax?: number;
                /** @description tax ≥ (inclusive) */
                taxStart?: number;
                /** @description tax ≤ (inclusive) */
                taxEnd?: number;
                /** @description saleTax equals */
                saleTax?: number;
                /** @description saleTax ≥ (inclusive) */
                saleTaxStart?: number;
                /** @description saleTax ≤ (inclusive) */
                saleTaxEnd?: number;
                /** @description categoryPath equals */
                categoryPath?: string;
                /** @description categoryIdPath equals */
                categoryIdPath?: string;
                /** @description pricePerUnit equals */
                pricePerUnit?: number;
                /** @description pricePerUnit ≥ (inclusive) */
                pricePerUnitStart?: number;
                /** @description pricePerUnit ≤ (inclusive) */
                pricePerUnitEnd?: number;
                /** @description idCategoryDefaultBigint equals */
                idCategoryDefaultBigint?: number;
                /** @description idCategoryDefaultBigint ≥ (inclusive) */
                idCategoryDefaultBigintStart?: number;
                /** @description idCategoryDefaultBigint ≤ (inclusive) */
                idCategoryDefaultBigintEnd?: number;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawProducts"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CustomProductCarriers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawCustomProductCarriers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    CustomProductCarriers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idProduct" | "idCarrierReference" | "idShop" | "idCustomProductCarrier" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idCarrierReference equals */
                idCarrierReference?: number;
                /** @description idCarrierReference ≥ (inclusive) */
                idCarrierReferenceStart?: number;
                /** @description idCarrierReference ≤ (inclusive) */
                idCarrierReferenceEnd?: number;
                /** @description idShop equals */
                idShop?: string;
                /** @description idCustomProductCarrier equals */
                idCustomProductCarrier?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawCustomProductCarriers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ProductSuppliers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawProductSuppliers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ProductSuppliers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idProductSupplier" | "idProduct" | "idProductAttribute" | "idSupplier" | "productSupplierReference" | "productSupplierPriceTe" | "idCurrency" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idProductSupplier equals */
                idProductSupplier?: number;
                /** @description idProductSupplier ≥ (inclusive) */
                idProductSupplierStart?: number;
                /** @description idProductSupplier ≤ (inclusive) */
                idProductSupplierEnd?: number;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idProductAttribute equals */
                idProductAttribute?: number;
                /** @description idProductAttribute ≥ (inclusive) */
                idProductAttributeStart?: number;
                /** @description idProductAttribute ≤ (inclusive) */
                idProductAttributeEnd?: number;
                /** @description idSupplier equals */
                idSupplier?: number;
                /** @description idSupplier ≥ (inclusive) */
                idSupplierStart?: number;
                /** @description idSupplier ≤ (inclusive) */
                idSupplierEnd?: number;
                /** @description productSupplierReference equals */
                productSupplierReference?: string;
                /** @description productSupplierPriceTe equals */
                productSupplierPriceTe?: number;
                /** @description productSupplierPriceTe ≥ (inclusive) */
                productSupplierPriceTeStart?: number;
                /** @description productSupplierPriceTe ≤ (inclusive) */
                productSupplierPriceTeEnd?: number;
                /** @description idCurrency equals */
                idCurrency?: number;
                /** @description idCurrency ≥ (inclusive) */
                idCurrencyStart?: number;
                /** @description idCurrency ≤ (inclusive) */
                idCurrencyEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawProductSuppliers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ShopsController_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawInfo"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    SpecificPrices_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawSpecificPrices"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    SpecificPrices_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idSpecificPrice" | "idProduct" | "idShop" | "idShopGroup" | "idCurrency" | "idCountry" | "idGroup" | "idCustomer" | "idProductAttribute" | "price" | "fromQuantity" | "reduction" | "reductionTax" | "from" | "to" | "reductionType" | "country" | "currency" | "priceTaxIncluded" | "priceTaxExcluded" | "salePriceTaxIncl" | "salePriceTaxExcl" | "discountPercentage" | "discountValueTaxIncl" | "discountValueTaxExcl" | "createdAt" | "updatedAt" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idSpecificPrice equals */
                idSpecificPrice?: number;
                /** @description idSpecificPrice ≥ (inclusive) */
                idSpecificPriceStart?: number;
                /** @description idSpecificPrice ≤ (inclusive) */
                idSpecificPriceEnd?: number;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description idShopGroup equals */
                idShopGroup?: number;
                /** @description idShopGroup ≥ (inclusive) */
                idShopGroupStart?: number;
                /** @description idShopGroup ≤ (inclusive) */
                idShopGroupEnd?: number;
                /** @description idCurrency equals */
                idCurrency?: number;
                /** @description idCurrency ≥ (inclusive) */
                idCurrencyStart?: number;
                /** @description idCurrency ≤ (inclusive) */
                idCurrencyEnd?: number;
                /** @description idCountry equals */
                idCountry?: number;
                /** @description idCountry ≥ (inclusive) */
                idCountryStart?: number;
                /** @description idCountry ≤ (inclusive) */
                idCountryEnd?: number;
                /** @description idGroup equals */
                idGroup?: number;
                /** @description idGroup ≥ (inclusive) */
                idGroupStart?: number;
                /** @description idGroup ≤ (inclusive) */
                idGroupEnd?: number;
                /** @description idCustomer equals */
                idCustomer?: number;
                /** @description idCustomer ≥ (inclusive) */
                idCustomerStart?: number;
                /** @description idCustomer ≤ (inclusive) */
                idCustomerEnd?: number;
                /** @description idProductAttribute equals */
                idProductAttribute?: number;
                /** @description idProductAttribute ≥ (inclusive) */
                idProductAttributeStart?: number;
                /** @description idProductAttribute ≤ (inclusive) */
                idProductAttributeEnd?: number;
                /** @description price equals */
                price?: number;
                /** @description price ≥ (inclusive) */
                priceStart?: number;
                /** @description price ≤ (inclusive) */
                priceEnd?: number;
                /** @description fromQuantity equals */
                fromQuantity?: number;
                /** @description fromQuantity ≥ (inclusive) */
                fromQuantityStart?: number;
                /** @description fromQuantity ≤ (inclusive) */
                fromQuantityEnd?: number;
                /** @description reduction equals */
                reduction?: number;
                /** @description reduction ≥ (inclusive) */
                reductionStart?: number;
                /** @description reduction ≤ (inclusive) */
                reductionEnd?: number;
                /** @description reductionTax equals */
                reductionTax?: number;
                /** @description reductionTax ≥ (inclusive) */
                reductionTaxStart?: number;
                /** @description reductionTax ≤ (inclusive) */
                reductionTaxEnd?: number;
                /** @description from equals */
                from?: string;
                /** @description from ≥ (inclusive) */
                fromStart?: string;
                /** @description from ≤ (inclusive) */
                fromEnd?: string;
                /** @description to equals */
                to?: string;
                /** @description to ≥ (inclusive) */
                toStart?: string;
                /** @description to ≤ (inclusive) */
                toEnd?: string;
                /** @description reductionType equals */
                reductionType?: string;
                /** @description country equals */
                country?: string;
                /** @description currency equals */
                currency?: string;
                /** @description priceTaxIncluded equals */
                priceTaxIncluded?: number;
                /** @description priceTaxIncluded ≥ (inclusive) */
                priceTaxIncludedStart?: number;
                /** @description priceTaxIncluded ≤ (inclusive) */
                priceTaxIncludedEnd?: number;
                /** @description priceTaxExcluded equals */
                priceTaxExcluded?: number;
                /** @description priceTaxExcluded ≥ (inclusive) */
                priceTaxExcludedStart?: number;
                /** @description priceTaxExcluded ≤ (inclusive) */
                priceTaxExcludedEnd?: number;
                /** @description salePriceTaxIncl equals */
                salePriceTaxIncl?: number;
                /** @description salePriceTaxIncl ≥ (inclusive) */
                salePriceTaxInclStart?: number;
                /** @description salePriceTaxIncl ≤ (inclusive) */
                salePriceTaxInclEnd?: number;
                /** @description salePriceTaxExcl equals */
                salePriceTaxExcl?: number;
                /** @description salePriceTaxExcl ≥ (inclusive) */
                salePriceTaxExclStart?: number;
                /** @description salePriceTaxExcl ≤ (inclusive) */
                salePriceTaxExclEnd?: number;
                /** @description discountPercentage equals */
                discountPercentage?: number;
                /** @description discountPercentage ≥ (inclusive) */
                discountPercentageStart?: number;
                /** @description discountPercentage ≤ (inclusive) */
                discountPercentageEnd?: number;
                /** @description discountValueTaxIncl equals */
                discountValueTaxIncl?: number;
                /** @description discountValueTaxIncl ≥ (inclusive) */
                discountValueTaxInclStart?: number;
                /** @description discountValueTaxIncl ≤ (inclusive) */
                discountValueTaxInclEnd?: number;
                /** @description discountValueTaxExcl equals */
                discountValueTaxExcl?: number;
                /** @description discountValueTaxExcl ≥ (inclusive) */
                discountValueTaxExclStart?: number;
                /** @description discountValueTaxExcl ≤ (inclusive) */
                discountValueTaxExclEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawSpecificPrices"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Stocks_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawStocks"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Stocks_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idStockAvailable" | "idProduct" | "idProductAttribute" | "idShop" | "idShopGroup" | "quantity" | "dependsOnStock" | "outOfStock" | "physicalQuantity" | "reservedQuantity" | "location" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idStockAvailable equals */
                idStockAvailable?: number;
                /** @description idStockAvailable ≥ (inclusive) */
                idStockAvailableStart?: number;
                /** @description idStockAvailable ≤ (inclusive) */
                idStockAvailableEnd?: number;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idProductAttribute equals */
                idProductAttribute?: number;
                /** @description idProductAttribute ≥ (inclusive) */
                idProductAttributeStart?: number;
                /** @description idProductAttribute ≤ (inclusive) */
                idProductAttributeEnd?: number;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description idShopGroup equals */
                idShopGroup?: number;
                /** @description idShopGroup ≥ (inclusive) */
                idShopGroupStart?: number;
                /** @description idShopGroup ≤ (inclusive) */
                idShopGroupEnd?: number;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description dependsOnStock equals */
                dependsOnStock?: boolean;
                /** @description outOfStock equals */
                outOfStock?: boolean;
                /** @description physicalQuantity equals */
                physicalQuantity?: number;
                /** @description physicalQuantity ≥ (inclusive) */
                physicalQuantityStart?: number;
                /** @description physicalQuantity ≤ (inclusive) */
                physicalQuantityEnd?: number;
                /** @description reservedQuantity equals */
                reservedQuantity?: number;
                /** @description reservedQuantity ≥ (inclusive) */
                reservedQuantityStart?: number;
                /** @description reservedQuantity ≤ (inclusive) */
                reservedQuantityEnd?: number;
                /** @description location equals */
                location?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawStocks"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    StockMovements_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawStockMovements"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    StockMovements_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idStockMvt" | "idStock" | "idOrder" | "idSupplyOrder" | "idStockMvtReason" | "name" | "idLang" | "idEmployee" | "employeeLastname" | "employeeFirstname" | "physicalQuantity" | "dateAdd" | "sign" | "priceTe" | "lastWa" | "currentWa" | "referer" | "deleted" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idStockMvt equals */
                idStockMvt?: number;
                /** @description idStockMvt ≥ (inclusive) */
                idStockMvtStart?: number;
                /** @description idStockMvt ≤ (inclusive) */
                idStockMvtEnd?: number;
                /** @description idStock equals */
                idStock?: number;
                /** @description idStock ≥ (inclusive) */
                idStockStart?: number;
                /** @description idStock ≤ (inclusive) */
                idStockEnd?: number;
                /** @description idOrder equals */
                idOrder?: number;
                /** @description idOrder ≥ (inclusive) */
                idOrderStart?: number;
                /** @description idOrder ≤ (inclusive) */
                idOrderEnd?: number;
                /** @description idSupplyOrder equals */
                idSupplyOrder?: number;
                /** @description idSupplyOrder ≥ (inclusive) */
                idSupplyOrderStart?: number;
                /** @description idSupplyOrder ≤ (inclusive) */
                idSupplyOrderEnd?: number;
                /** @description idStockMvtReason equals */
                idStockMvtReason?: number;
                /** @description idStockMvtReason ≥ (inclusive) */
                idStockMvtReasonStart?: number;
                /** @description idStockMvtReason ≤ (inclusive) */
                idStockMvtReasonEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description idEmployee equals */
                idEmployee?: number;
                /** @description idEmployee ≥ (inclusive) */
                idEmployeeStart?: number;
                /** @description idEmployee ≤ (inclusive) */
                idEmployeeEnd?: number;
                /** @description employeeLastname equals */
                employeeLastname?: string;
                /** @description employeeFirstname equals */
                employeeFirstname?: string;
                /** @description physicalQuantity equals */
                physicalQuantity?: number;
                /** @description physicalQuantity ≥ (inclusive) */
                physicalQuantityStart?: number;
                /** @description physicalQuantity ≤ (inclusive) */
                physicalQuantityEnd?: number;
                /** @description dateAdd equals */
                dateAdd?: string;
                /** @description dateAdd ≥ (inclusive) */
                dateAddStart?: string;
                /** @description dateAdd ≤ (inclusive) */
                dateAddEnd?: string;
                /** @description sign equals */
                sign?: number;
                /** @description sign ≥ (inclusive) */
                signStart?: number;
                /** @description sign ≤ (inclusive) */
                signEnd?: number;
                /** @description priceTe equals */
                priceTe?: number;
                /** @description priceTe ≥ (inclusive) */
                priceTeStart?: number;
                /** @description priceTe ≤ (inclusive) */
                priceTeEnd?: number;
                /** @description lastWa equals */
                lastWa?: number;
                /** @description lastWa ≥ (inclusive) */
                lastWaStart?: number;
                /** @description lastWa ≤ (inclusive) */
                lastWaEnd?: number;
                /** @description currentWa equals */
                currentWa?: number;
                /** @description currentWa ≥ (inclusive) */
                currentWaStart?: number;
                /** @description currentWa ≤ (inclusive) */
                currentWaEnd?: number;
                /** @description referer equals */
                referer?: number;
                /** @description referer ≥ (inclusive) */
                refererStart?: number;
                /** @description referer ≤ (inclusive) */
                refererEnd?: number;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawStockMovements"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Stores_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawStores"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Stores_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idStore" | "idCountry" | "idState" | "city" | "postcode" | "active" | "createdAt" | "updatedAt" | "idLang" | "name" | "address1" | "address2" | "hours" | "idShop" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idStore equals */
                idStore?: number;
                /** @description idStore ≥ (inclusive) */
                idStoreStart?: number;
                /** @description idStore ≤ (inclusive) */
                idStoreEnd?: number;
                /** @description idCountry equals */
                idCountry?: number;
                /** @description idCountry ≥ (inclusive) */
                idCountryStart?: number;
                /** @description idCountry ≤ (inclusive) */
                idCountryEnd?: number;
                /** @description idState equals */
                idState?: number;
                /** @description idState ≥ (inclusive) */
                idStateStart?: number;
                /** @description idState ≤ (inclusive) */
                idStateEnd?: number;
                /** @description city equals */
                city?: string;
                /** @description postcode equals */
                postcode?: string;
                /** @description active equals */
                active?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description address1 equals */
                address1?: string;
                /** @description address2 equals */
                address2?: string;
                /** @description hours equals */
                hours?: string;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawStores"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Suppliers_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawSuppliers"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Suppliers_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idSupplier" | "name" | "createdAt" | "updatedAt" | "active" | "idLang" | "description" | "metaTitle" | "metaDescription" | "idShop" | "metaKeywords" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idSupplier equals */
                idSupplier?: number;
                /** @description idSupplier ≥ (inclusive) */
                idSupplierStart?: number;
                /** @description idSupplier ≤ (inclusive) */
                idSupplierEnd?: number;
                /** @description name equals */
                name?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description active equals */
                active?: boolean;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description description equals */
                description?: string;
                /** @description metaTitle equals */
                metaTitle?: string;
                /** @description metaDescription equals */
                metaDescription?: string;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description metaKeywords equals */
                metaKeywords?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawSuppliers"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Taxonomies_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawTaxonomies"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Taxonomies_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idCategory" | "googleCategoryId" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idCategory equals */
                idCategory?: string;
                /** @description googleCategoryId equals */
                googleCategoryId?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawTaxonomies"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Themes_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawThemes"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Themes_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "themeId" | "name" | "themeVersion" | "active" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description themeId equals */
                themeId?: string;
                /** @description name equals */
                name?: string;
                /** @description themeVersion equals */
                themeVersion?: string;
                /** @description active equals */
                active?: boolean;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawThemes"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Translations_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawTranslations"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Translations_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idTranslation" | "idLang" | "key" | "translation" | "domain" | "theme" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idTranslation equals */
                idTranslation?: number;
                /** @description idTranslation ≥ (inclusive) */
                idTranslationStart?: number;
                /** @description idTranslation ≤ (inclusive) */
                idTranslationEnd?: number;
                /** @description idLang equals */
                idLang?: number;
                /** @description idLang ≥ (inclusive) */
                idLangStart?: number;
                /** @description idLang ≤ (inclusive) */
                idLangEnd?: number;
                /** @description key equals */
                key?: string;
                /** @description translation equals */
                translation?: string;
                /** @description domain equals */
                domain?: string;
                /** @description theme equals */
                theme?: string;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawTranslations"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Wishlists_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawWishlists"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    Wishlists_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idWishlist" | "idCustomer" | "idShop" | "idShopGroup" | "token" | "name" | "counter" | "createdAt" | "updatedAt" | "default" | "lastSyncedAt" | "deleted" | "deletedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idWishlist equals */
                idWishlist?: number;
                /** @description idWishlist ≥ (inclusive) */
                idWishlistStart?: number;
                /** @description idWishlist ≤ (inclusive) */
                idWishlistEnd?: number;
                /** @description idCustomer equals */
                idCustomer?: number;
                /** @description idCustomer ≥ (inclusive) */
                idCustomerStart?: number;
                /** @description idCustomer ≤ (inclusive) */
                idCustomerEnd?: number;
                /** @description idShop equals */
                idShop?: number;
                /** @description idShop ≥ (inclusive) */
                idShopStart?: number;
                /** @description idShop ≤ (inclusive) */
                idShopEnd?: number;
                /** @description idShopGroup equals */
                idShopGroup?: number;
                /** @description idShopGroup ≥ (inclusive) */
                idShopGroupStart?: number;
                /** @description idShopGroup ≤ (inclusive) */
                idShopGroupEnd?: number;
                /** @description token equals */
                token?: string;
                /** @description name equals */
                name?: string;
                /** @description counter equals */
                counter?: number;
                /** @description counter ≥ (inclusive) */
                counterStart?: number;
                /** @description counter ≤ (inclusive) */
                counterEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description default equals */
                default?: boolean;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
                /** @description deleted equals */
                deleted?: boolean;
                /** @description deletedAt equals */
                deletedAt?: string;
                /** @description deletedAt ≥ (inclusive) */
                deletedAtStart?: string;
                /** @description deletedAt ≤ (inclusive) */
                deletedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawWishlists"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    WishlistProducts_getSingleItem: {
        parameters: {
            query?: {
                fields?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        item: components["schemas"]["RawWishlistProducts"];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    WishlistProducts_getPaginatedItems: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Items to skip (offset pagination) */
                offset?: number;
                /** @description Field to sort by (default id); ties are broken by id */
                sort?: "id" | "idWishlistProduct" | "idWishlist" | "idProduct" | "idProductAttribute" | "quantity" | "priority" | "createdAt" | "updatedAt" | "lastSyncedAt";
                direction?: "asc" | "desc";
                /** @description Keyset pagination: the cursor of links.next; empty to start. Exclusive with offset. */
                after?: string;
                /** @description Comma-separated fields to return (id and shopId always are) */
                fields?: string;
                /** @description id equals */
                id?: string;
                /** @description idWishlistProduct equals */
                idWishlistProduct?: number;
                /** @description idWishlistProduct ≥ (inclusive) */
                idWishlistProductStart?: number;
                /** @description idWishlistProduct ≤ (inclusive) */
                idWishlistProductEnd?: number;
                /** @description idWishlist equals */
                idWishlist?: number;
                /** @description idWishlist ≥ (inclusive) */
                idWishlistStart?: number;
                /** @description idWishlist ≤ (inclusive) */
                idWishlistEnd?: number;
                /** @description idProduct equals */
                idProduct?: number;
                /** @description idProduct ≥ (inclusive) */
                idProductStart?: number;
                /** @description idProduct ≤ (inclusive) */
                idProductEnd?: number;
                /** @description idProductAttribute equals */
                idProductAttribute?: number;
                /** @description idProductAttribute ≥ (inclusive) */
                idProductAttributeStart?: number;
                /** @description idProductAttribute ≤ (inclusive) */
                idProductAttributeEnd?: number;
                /** @description quantity equals */
                quantity?: number;
                /** @description quantity ≥ (inclusive) */
                quantityStart?: number;
                /** @description quantity ≤ (inclusive) */
                quantityEnd?: number;
                /** @description priority equals */
                priority?: number;
                /** @description priority ≥ (inclusive) */
                priorityStart?: number;
                /** @description priority ≤ (inclusive) */
                priorityEnd?: number;
                /** @description createdAt equals */
                createdAt?: string;
                /** @description createdAt ≥ (inclusive) */
                createdAtStart?: string;
                /** @description createdAt ≤ (inclusive) */
                createdAtEnd?: string;
                /** @description updatedAt equals */
                updatedAt?: string;
                /** @description updatedAt ≥ (inclusive) */
                updatedAtStart?: string;
                /** @description updatedAt ≤ (inclusive) */
                updatedAtEnd?: string;
                /** @description lastSyncedAt equals */
                lastSyncedAt?: string;
                /** @description lastSyncedAt ≥ (inclusive) */
                lastSyncedAtStart?: string;
                /** @description lastSyncedAt ≤ (inclusive) */
                lastSyncedAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of items; with `Accept: application/x-ndjson`, every matching item, one per line */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: components["schemas"]["RawWishlistProducts"][];
                        /** @description Matching items (in a keyset walk: when its first page was read) */
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                    "application/x-ndjson": string;
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getOverview: {
        parameters: {
            query?: {
                /** @description Vendors: yourself (the default). Operators: one vendor, by client id or name (every vendor by default) */
                vendorId?: string;
                /** @description Billing KPIs of sandbox data instead of live data */
                sandbox?: boolean;
                /** @description Window start, ISO 8601 date-time, inclusive (default: 24 hours before end) */
                start?: string;
                /** @description Window end, ISO 8601 date-time, exclusive (default: now) */
                end?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        start: string;
                        /** Format: date-time */
                        end: string;
                        /**
                         * @description The width of each syncVolume entry: hours for windows up to 3 days, UTC days beyond
                         * @enum {string}
                         */
                        bucket: "hour" | "day";
                        /** @description Shops holding at least one consent for your modules (operators: every registered shop) */
                        shops: number;
                        modules: {
                            name: string;
                            vendorClientId: string;
                            /** @description Shops holding at least one consent for the module */
                            activeInstallations: number;
                            /** @description Shops that onboarded the module and later revoked every consent */
                            inactiveInstallations: number;
                        }[];
                        installations: {
                            active: number;
                            inactive: number;
                        };
                        /** @description Most shops first */
                        shopsByCountry: {
                            /** @description ISO 3166 alpha-2 code from the shop's synced info content; unknown before it is synced */
                            country: string;
                            shops: number;
                        }[];
                        /** @description Every bucket of the window, oldest first, empty ones included */
                        syncVolume: {
                            /**
                             * Format: date-time
                             * @description Start of the bucket
                             */
                            at: string;
                            /** @description Objects pulled by the pulls that finished in the bucket */
                            objects: number;
                            /** @description Failed calls to the shops in the bucket */
                            errors: number;
                        }[];
                        billing: {
                            /** @enum {string} */
                            environment: "live" | "sandbox";
                            /** @description Active subscriptions, those cancelling at term end included */
                            activeSubscriptions: number;
                            trialSubscriptions: number;
                            /** @description Monthly recurring revenue per currency: plans and fixed addons of the paying subscriptions at their current quantities, yearly terms divided by 12, usage left out */
                            mrr: {
                                currency: string;
                                /** @description Minor units (cents), before tax */
                                amount: number;
                            }[];
                            churn: {
                                /** @description Subscriptions paying at the window start and cancelled within it */
                                cancelled: number;
                                /** @description Subscriptions paying at the window start */
                                activeAtStart: number;
                                /** @description cancelled / activeAtStart; null when nothing was paying at the start */
                                rate: number | null;
                            };
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listVisibleShops: {
        parameters: {
            query?: {
                /** @description Part of the shop URL or id, case-insensitive */
                q?: string;
                /** @description Page size (1 to 200) */
                limit?: number;
                /** @description Shops to skip */
                offset?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Newest shops first */
                        items: {
                            shopId: string;
                            url: string;
                            /** @description ISO 3166 alpha-2 code from the shop's synced info content */
                            country: string | null;
                            /** @description Your modules holding consents in the shop (operators: every module) */
                            modules: {
                                name: string;
                                consents: string[];
                            }[];
                            /**
                             * Format: date-time
                             * @description The last successful pull of any content
                             */
                            lastSyncAt: string | null;
                            /** @description Failed calls of the last 24 hours, for the contents you may see */
                            errors24h: number;
                            /** @description The last health probe; null before the first */
                            healthy: boolean | null;
                            /**
                             * Format: date-time
                             * @description When the shop was last probed
                             */
                            checkedAt: string | null;
                        }[];
                        total: number;
                        limit: number;
                        offset: number;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopConsentReport: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        modules: {
                            module: string;
                            /** @description Held now */
                            consents: {
                                consent: string;
                                /** Format: date-time */
                                grantedAt: string;
                            }[];
                            /** @description The last changes, newest first (at most 100 for the shop) */
                            events: {
                                consent: string;
                                /** @enum {string} */
                                action: "granted" | "revoked";
                                /** @description Where the change came from */
                                via: string;
                                /** Format: date-time */
                                at: string;
                            }[];
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ShopSyncSetupController_getShopSyncSetup: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The shop URL psif pulls from */
                        targetUrl: string;
                        /** @description The contents your modules' consents cover, in catalog order */
                        shopContent: string[];
                        /** @description ISO codes of the shop languages, default first */
                        shopLanguages: string[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ShopSyncSummaryController_getSyncSummaryByShopId: {
        parameters: {
            query: {
                /**
                 * @description A shop content, snake_case or kebab-case (products, cart_products, cart-products...)
                 * @example products
                 */
                shopContent: "bundles" | "carriers" | "carrier_details" | "carrier-details" | "carrier_taxes" | "carrier-taxes" | "carts" | "cart_products" | "cart-products" | "cart_rules" | "cart-rules" | "categories" | "currencies" | "customers" | "employees" | "images" | "image_types" | "image-types" | "languages" | "manufacturers" | "modules" | "orders" | "order_carriers" | "order-carriers" | "order_cart_rules" | "order-cart-rules" | "order_details" | "order-details" | "order_status_history" | "order-status-history" | "products" | "custom_product_carriers" | "custom-product-carriers" | "product_suppliers" | "product-suppliers" | "info" | "specific_prices" | "specific-prices" | "stocks" | "stock_movements" | "stock-movements" | "stores" | "suppliers" | "taxonomies" | "themes" | "translations" | "wishlists" | "wishlist_products" | "wishlist-products";
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When the first full sync had finished in every language the content is pulled in; null before
                         */
                        firstSyncFinishedAt: string | null;
                        /**
                         * Format: date-time
                         * @description The last full or incremental pull that finished; null before the first
                         */
                        lastSyncFinishedAt: string | null;
                        /** @description A shop content in snake_case, as ps_eventbus names it (e.g. cart_products) */
                        shopContent: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ShopOnboardingController_getOnboardingInfoByShopId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /**
                         * Format: date-time
                         * @description When the shop first consented to one of your modules
                         */
                        firstOnboarding: string | null;
                        /**
                         * Format: date-time
                         * @description When the shop last went from no consent to some consent for one of your modules
                         */
                        lastOnboarding: string | null;
                        targetUrl: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    VendorErrorCodeController_getVendorErrorsCode: {
        parameters: {
            query?: {
                /** @description Only this shop (it must consent to one of your modules) */
                shopId?: string;
                /** @description Window start, ISO 8601 date-time, inclusive (default: 24 hours before end) */
                start?: string;
                /** @description Window end, ISO 8601 date-time, exclusive (default: now) */
                end?: string;
            };
            header?: never;
            path: {
                /** @description You: your client id or your vendor name */
                vendorId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        start: string;
                        /** Format: date-time */
                        end: string;
                        /** @description One entry per code, most frequent first */
                        errors: {
                            /** @description The HTTP status of the failed call as PrestaShop reports it (452-460, 500...; collector_<status> gives <status>); 0 when there was no HTTP answer */
                            code: number;
                            /** @description Failed calls with this code in the window */
                            distribution: number;
                            description: string;
                            /** @description psif's exact code (see the table); several may share one integer code */
                            errorCode: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    ShopErrorCodeController_getShopErrorsCode: {
        parameters: {
            query?: {
                /** @description Window start, ISO 8601 date-time, inclusive (default: 24 hours before end) */
                start?: string;
                /** @description Window end, ISO 8601 date-time, exclusive (default: now) */
                end?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        start: string;
                        /** Format: date-time */
                        end: string;
                        /** @description One entry per code, most frequent first */
                        errors: {
                            /** @description The HTTP status of the failed call as PrestaShop reports it (452-460, 500...; collector_<status> gives <status>); 0 when there was no HTTP answer */
                            code: number;
                            /** @description Failed calls with this code in the window */
                            distribution: number;
                            description: string;
                            /** @description psif's exact code (see the table); several may share one integer code */
                            errorCode: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getVendorErrorsHourly: {
        parameters: {
            query?: {
                /** @description Only this shop (it must consent to one of your modules) */
                shopId?: string;
                /** @description Window start, ISO 8601 date-time, inclusive (default: 24 hours before end) */
                start?: string;
                /** @description Window end, ISO 8601 date-time, exclusive (default: now) */
                end?: string;
            };
            header?: never;
            path: {
                /** @description You: your client id or your vendor name */
                vendorId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        start: string;
                        /** Format: date-time */
                        end: string;
                        /** @description Hours without errors are left out; ordered by hour, then code */
                        buckets: {
                            /**
                             * Format: date-time
                             * @description Start of the UTC hour
                             */
                            hour: string;
                            /** @description psif's error code (see the table) */
                            code: string;
                            count: number;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopErrorsHourly: {
        parameters: {
            query?: {
                /** @description Window start, ISO 8601 date-time, inclusive (default: 24 hours before end) */
                start?: string;
                /** @description Window end, ISO 8601 date-time, exclusive (default: now) */
                end?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date-time */
                        start: string;
                        /** Format: date-time */
                        end: string;
                        /** @description Hours without errors are left out; ordered by hour, then code */
                        buckets: {
                            /**
                             * Format: date-time
                             * @description Start of the UTC hour
                             */
                            hour: string;
                            /** @description psif's error code (see the table) */
                            code: string;
                            count: number;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopSyncJobs: {
        parameters: {
            query?: {
                /** @description Page size (1 to 1000) */
                limit?: number;
                /** @description Jobs to skip */
                offset?: number;
                status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                /**
                 * @description A shop content, snake_case or kebab-case (products, cart_products, cart-products...)
                 * @example products
                 */
                shopContent?: "bundles" | "carriers" | "carrier_details" | "carrier-details" | "carrier_taxes" | "carrier-taxes" | "carts" | "cart_products" | "cart-products" | "cart_rules" | "cart-rules" | "categories" | "currencies" | "customers" | "employees" | "images" | "image_types" | "image-types" | "languages" | "manufacturers" | "modules" | "orders" | "order_carriers" | "order-carriers" | "order_cart_rules" | "order-cart-rules" | "order_details" | "order-details" | "order_status_history" | "order-status-history" | "products" | "custom_product_carriers" | "custom-product-carriers" | "product_suppliers" | "product-suppliers" | "info" | "specific_prices" | "specific-prices" | "stocks" | "stock_movements" | "stock-movements" | "stores" | "suppliers" | "taxonomies" | "themes" | "translations" | "wishlists" | "wishlist_products" | "wishlist-products";
                mode?: "full" | "incremental";
                /** @description What asked for the pull */
                trigger?: "consent" | "api" | "shop" | "live_sync" | "schedule" | "resync";
                /** @description Created at or after (inclusive) */
                createdAtStart?: string;
                /** @description Created at or before (inclusive) */
                createdAtEnd?: string;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        kind: string;
                        items: {
                            id: string;
                            /** @description A shop content in snake_case, as ps_eventbus names it (e.g. cart_products) */
                            shopContent: string;
                            langIso: string;
                            /** @enum {string} */
                            mode: "full" | "incremental";
                            /** @description What asked for the pull: consent, api, shop, live_sync, schedule, resync */
                            trigger: string;
                            /** @enum {string} */
                            status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
                            /** @description Pages pulled */
                            pages: number;
                            /** @description Objects (upload lines) pulled */
                            objects: number;
                            /** @description Objects the shop reported still to send, at the last page */
                            remaining: number | null;
                            /** @description Calls to the shop, failed ones included */
                            calls: number;
                            /** @description Consecutive failed calls */
                            failures: number;
                            /** @description Rows soft-deleted by the reconciliation that ended a full sync */
                            reconciled: number | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            durationMs: number | null;
                            /** @description The last failed call */
                            lastError: {
                                code: string;
                                message: string | null;
                                description: string;
                            } | null;
                        }[];
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                        links: {
                            first: string;
                            last: string;
                            prev: string | null;
                            next: string | null;
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopSyncState: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        items: {
                            /** @description A shop content in snake_case, as ps_eventbus names it (e.g. cart_products) */
                            shopContent: string;
                            langIso: string;
                            /**
                             * @description never synced, in its full sync, or incremental
                             * @enum {string}
                             */
                            mode: "never" | "full" | "incremental";
                            /** Format: date-time */
                            firstFullSyncFinishedAt: string | null;
                            /** Format: date-time */
                            lastFullSyncStartedAt: string | null;
                            /** Format: date-time */
                            lastFullSyncFinishedAt: string | null;
                            /** Format: date-time */
                            lastIncrementalAt: string | null;
                            /** Format: date-time */
                            lastSuccessAt: string | null;
                            /** @description Rows psif holds (not deleted): in this language for per-language contents, else in all */
                            rowCount: number;
                            /** @description Seconds since the last successful pull; null before the first */
                            lag: number | null;
                            lastError: {
                                code: string;
                                /** Format: date-time */
                                at: string | null;
                                description: string;
                            } | null;
                            /** @description The pull running now, else the one queued */
                            activeTask: {
                                id: string;
                                /** @enum {string} */
                                mode: "full" | "incremental";
                                trigger: string;
                                /** @enum {string} */
                                status: "queued" | "running";
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                startedAt: string | null;
                                pages: number;
                                objects: number;
                                remaining: number | null;
                            } | null;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopHealth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        shopId: string;
                        /** Format: date-time */
                        checkedAt: string;
                        healthy: boolean;
                        latencyMs: number;
                        httpStatus: number | null;
                        /** Format: date-time */
                        lastHealthyAt: string | null;
                        error: {
                            code: string;
                            message: string | null;
                            description: string;
                        } | null;
                        /** @description The shop's apiHealthCheck answer; versions only when the probe carried a valid job */
                        report: {
                            prestashopVersion: string | null;
                            psEventbusVersion: string | null;
                            psAccountsVersion: string | null;
                            phpVersion: string | null;
                            /** @description The ps_accounts shop UUID */
                            shopId: string | null;
                            /** @description The shop could get its token */
                            psAccount: boolean | null;
                            isValidJwt: boolean | null;
                            /** @description ps_eventbus' tables exist */
                            psEventbus: boolean | null;
                            /** @description The module's configured psif URLs */
                            env: {
                                proxyApiUrl: string | null;
                                syncApiUrl: string | null;
                                liveSyncApiUrl: string | null;
                            };
                        } | null;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getShopSync: {
        parameters: {
            query?: {
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        state: {
                            shopContent: string;
                            langIso: string;
                            mode: "never" | "full" | "incremental";
                            pageSize: number;
                            /** Format: date-time */
                            firstFullSyncFinishedAt: string | null;
                            /** Format: date-time */
                            lastFullSyncStartedAt: string | null;
                            /** Format: date-time */
                            lastFullSyncFinishedAt: string | null;
                            /** Format: date-time */
                            lastIncrementalAt: string | null;
                            /** Format: date-time */
                            lastSuccessAt: string | null;
                            /** Format: date-time */
                            lastErrorAt: string | null;
                            lastErrorCode: string | null;
                        }[];
                        tasks: {
                            taskId: string;
                            shopContent: string;
                            langIso: string;
                            mode: string;
                            trigger: string;
                            status: string;
                            pages: number;
                            objects: number;
                            remaining: number | null;
                            pageSize: number;
                            calls: number;
                            failures: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            startedAt: string | null;
                            /** Format: date-time */
                            finishedAt: string | null;
                            /** Format: date-time */
                            runAfter: string;
                            errorCode: string | null;
                            errorMessage: string | null;
                            reconciled: number | null;
                            /** @description The worker process running the pull, or the last one that did */
                            worker: string | null;
                        }[];
                        health: {
                            healthy: boolean;
                            /** Format: date-time */
                            checkedAt: string;
                            /** Format: date-time */
                            lastHealthyAt: string | null;
                            latencyMs: number;
                            httpStatus: number | null;
                            errorCode: string | null;
                            errorMessage: string | null;
                            report: {
                                [key: string]: unknown;
                            } | null;
                        } | null;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    probeShopHealth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Shop UUID (PrestaShop Accounts), lowercase */
                shopId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        healthy: boolean;
                        /** Format: date-time */
                        checkedAt: string;
                        /** Format: date-time */
                        lastHealthyAt: string | null;
                        latencyMs: number;
                        httpStatus: number | null;
                        errorCode: string | null;
                        errorMessage: string | null;
                        report: {
                            [key: string]: unknown;
                        } | null;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    AuthSyncController_triggerSyncAuth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopId": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "shopContents": [
                 *         "products",
                 *         "orders"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Shop UUID (PrestaShop Accounts), lowercase */
                    shopId: string;
                    /** @description Shop contents, snake or kebab case */
                    shopContents: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description "queued": the pulls are in the queue (a pull already queued for the same content and language is reused) */
                        result: string;
                        tasks: {
                            taskId: string;
                            /** @description snake_case content name */
                            shopContent: string;
                            /** @description '' when the shop's default language is used */
                            langIso: string;
                            mode: "full" | "incremental";
                            status: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    AuthSyncController_triggerFullSyncAuth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "shopId": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "shopContents": [
                 *         "products",
                 *         "orders"
                 *       ]
                 *     }
                 */
                "application/json": {
                    /** @description Shop UUID (PrestaShop Accounts), lowercase */
                    shopId: string;
                    /** @description Shop contents, snake or kebab case */
                    shopContents: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description "queued": the pulls are in the queue (a pull already queued for the same content and language is reused) */
                        result: string;
                        tasks: {
                            taskId: string;
                            /** @description snake_case content name */
                            shopContent: string;
                            /** @description '' when the shop's default language is used */
                            langIso: string;
                            mode: "full" | "incremental";
                            status: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    shopTriggerSync: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description "queued": the pulls are in the queue (a pull already queued for the same content and language is reused) */
                        result: string;
                        tasks: {
                            taskId: string;
                            /** @description snake_case content name */
                            shopContent: string;
                            /** @description '' when the shop's default language is used */
                            langIso: string;
                            mode: "full" | "incremental";
                            status: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    shopTriggerFullSync: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description "queued": the pulls are in the queue (a pull already queued for the same content and language is reused) */
                        result: string;
                        tasks: {
                            taskId: string;
                            /** @description snake_case content name */
                            shopContent: string;
                            /** @description '' when the shop's default language is used */
                            langIso: string;
                            mode: "full" | "incremental";
                            status: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listWebhookEndpoints: {
        parameters: {
            query?: {
                /** @description Vendor client id or vendor name */
                vendor?: string;
                /** @description Billing environment whose events the endpoint receives */
                env?: "live" | "sandbox";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            endpointId: string;
                            vendorClientId: string;
                            /** @description Vendor name */
                            vendor: string;
                            /** @description Billing environment whose events the endpoint receives */
                            env: "live" | "sandbox";
                            url: string;
                            eventTypes: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                            description: string | null;
                            status: "active" | "disabled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "vendor": "acme",
                 *       "env": "sandbox",
                 *       "url": "https://hooks.example/psif",
                 *       "eventTypes": [
                 *         "subscription.created",
                 *         "invoice.paid"
                 *       ],
                 *       "description": "Billing events of the staging back office"
                 *     }
                 */
                "application/json": {
                    /** @description Vendor client id or vendor name */
                    vendor: string;
                    /**
                     * @description Billing environment whose events the endpoint receives
                     * @default live
                     */
                    env?: "live" | "sandbox";
                    /** @description http(s) URL receiving signed POST requests */
                    url: string;
                    /** @description Event types sent to the endpoint; empty or absent: every type */
                    eventTypes?: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description A webhook endpoint (its secret is shown only when created or rotated) */
                        endpoint: {
                            endpointId: string;
                            vendorClientId: string;
                            /** @description Vendor name */
                            vendor: string;
                            /** @description Billing environment whose events the endpoint receives */
                            env: "live" | "sandbox";
                            url: string;
                            eventTypes: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                            description: string | null;
                            status: "active" | "disabled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                        /** @description The whsec_ signing secret: shown once, store it now */
                        secret: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A webhook endpoint (its secret is shown only when created or rotated) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpointId: string;
                        vendorClientId: string;
                        /** @description Vendor name */
                        vendor: string;
                        /** @description Billing environment whose events the endpoint receives */
                        env: "live" | "sandbox";
                        url: string;
                        eventTypes: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                        description: string | null;
                        status: "active" | "disabled";
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    deleteWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    updateWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "description": "Billing events of the production back office"
                 *     }
                 */
                "application/json": {
                    /** @description http(s) URL receiving signed POST requests */
                    url?: string;
                    /** @description Event types sent to the endpoint; empty or absent: every type */
                    eventTypes?: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                    status?: "active" | "disabled";
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description A webhook endpoint (its secret is shown only when created or rotated) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        endpointId: string;
                        vendorClientId: string;
                        /** @description Vendor name */
                        vendor: string;
                        /** @description Billing environment whose events the endpoint receives */
                        env: "live" | "sandbox";
                        url: string;
                        eventTypes: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                        description: string | null;
                        status: "active" | "disabled";
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    rotateWebhookEndpointSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description A webhook endpoint (its secret is shown only when created or rotated) */
                        endpoint: {
                            endpointId: string;
                            vendorClientId: string;
                            /** @description Vendor name */
                            vendor: string;
                            /** @description Billing environment whose events the endpoint receives */
                            env: "live" | "sandbox";
                            url: string;
                            eventTypes: ("subscription.created" | "subscription.updated" | "subscription.status-updated" | "payment.succeeded" | "payment.failed" | "customer.created" | "customer.updated" | "customer-billing-address.updated" | "invoice.created" | "invoice.paid" | "invoice.payment-due" | "invoice.not-paid")[];
                            description: string | null;
                            status: "active" | "disabled";
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                        /** @description The whsec_ signing secret: shown once, store it now */
                        secret: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: {
                status?: "pending" | "succeeded" | "failed";
                limit?: number;
                offset?: number;
            };
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            deliveryId: string;
                            /** @description The webhook-id header: the same for every attempt and every endpoint of the event */
                            eventId: string;
                            endpointId: string;
                            eventType: string;
                            status: "pending" | "succeeded" | "failed";
                            /** @description Attempts since the delivery was created or last replayed */
                            attempts: number;
                            /** Format: date-time */
                            nextAttemptAt: string | null;
                            /** Format: date-time */
                            lastAttemptAt: string | null;
                            lastHttpStatus: number | null;
                            lastError: string | null;
                            /** Format: date-time */
                            succeededAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        total: number;
                        pagination: {
                            offset: number;
                            limit: number;
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        delivery: {
                            deliveryId: string;
                            /** @description The webhook-id header: the same for every attempt and every endpoint of the event */
                            eventId: string;
                            endpointId: string;
                            eventType: string;
                            status: "pending" | "succeeded" | "failed";
                            /** @description Attempts since the delivery was created or last replayed */
                            attempts: number;
                            /** Format: date-time */
                            nextAttemptAt: string | null;
                            /** Format: date-time */
                            lastAttemptAt: string | null;
                            lastHttpStatus: number | null;
                            lastError: string | null;
                            /** Format: date-time */
                            succeededAt: string | null;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                        event: {
                            eventId: string;
                            type: string;
                            /** @description Billing environment whose events the endpoint receives */
                            env: "live" | "sandbox";
                            resourceVersion: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** @description The JSON body sent (and signed) */
                            payload: {
                                [key: string]: unknown;
                            };
                        };
                        attempts: {
                            /** @description Ordinal over the whole life of the delivery, replays included */
                            attempt: number;
                            /** Format: date-time */
                            at: string;
                            /** @description Null when no answer came (connection error, timeout) */
                            httpStatus: number | null;
                            error: string | null;
                            durationMs: number;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    replayWebhookDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deliveryId: string;
                        /** @description The webhook-id header: the same for every attempt and every endpoint of the event */
                        eventId: string;
                        endpointId: string;
                        eventType: string;
                        status: "pending" | "succeeded" | "failed";
                        /** @description Attempts since the delivery was created or last replayed */
                        attempts: number;
                        /** Format: date-time */
                        nextAttemptAt: string | null;
                        /** Format: date-time */
                        lastAttemptAt: string | null;
                        lastHttpStatus: number | null;
                        lastError: string | null;
                        /** Format: date-time */
                        succeededAt: string | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    replayWebhookEndpoint: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                endpointId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "status": "failed"
                 *     }
                 */
                "application/json": {
                    /** Format: date-time */
                    since?: string;
                    /** @default failed */
                    status?: "failed" | "all";
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Deliveries queued again */
                        replayed: number;
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    listBillingApiKeys: {
        parameters: {
            query?: {
                vendor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            keyId: string;
                            vendorClientId: string;
                            /** @description The first characters of the key, to recognise it */
                            prefix: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            lastUsedAt: string | null;
                            /** Format: date-time */
                            revokedAt: string | null;
                        }[];
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    createBillingApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "vendor": "acme"
                 *     }
                 */
                "application/json": {
                    /** @description Vendor client id or name */
                    vendor: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        key: string;
                        item: {
                            keyId: string;
                            vendorClientId: string;
                            /** @description The first characters of the key, to recognise it */
                            prefix: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            lastUsedAt: string | null;
                            /** Format: date-time */
                            revokedAt: string | null;
                        };
                    };
                };
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    revokeBillingApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Error of psif APIs */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    runBillingClock: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        transitions: number;
                        skipped: number;
                    };
                };
            };
            /** @description Error of psif APIs */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
            /** @description Error of psif APIs */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiError"];
                };
            };
        };
    };
    getProductComponents: {
        parameters: {
            query?: {
                filter_status?: "active" | "archived" | "deleted";
                filter_component_type?: "plan" | "addon" | "charge";
                filter_period_unit?: "day" | "month" | "year";
                /** @description Accepted for compatibility; labels are the module's own */
                lang_iso_code?: "de" | "en" | "es" | "fr" | "it" | "nl" | "pl" | "pt" | "ro";
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            productId: string;
                            /** @enum {string} */
                            componentType: "plan" | "addon" | "charge";
                            componentGroupId: string;
                            /** @enum {string} */
                            status: "active" | "archived" | "deleted";
                            isUsageBased: boolean;
                            /** @enum {string} */
                            pricingModel: "flat_fee" | "per_unit" | "stairstep";
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            price: number | null;
                            /** @description ISO 4217 code */
                            currencyCode: string;
                            tiers: {
                                startingUnit: number;
                                endingUnit: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                price: number;
                            }[];
                            /** @enum {string|null} */
                            billingPeriodUnit: "month" | "year" | null;
                            trialPeriodValue: number | null;
                            /** @enum {string|null} */
                            trialPeriodUnit: "day" | "week" | "month" | "year" | null;
                            freeQuantity: number;
                            mandatoryComponentIds: string[];
                            unitDescription: string | null;
                        }[];
                        total: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    createComponent: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "rbm-advanced-EUR-Monthly",
                 *       "componentType": "plan",
                 *       "componentGroupId": "rbm-advanced",
                 *       "pricingModel": "per_unit",
                 *       "price": 990,
                 *       "currencyCode": "EUR",
                 *       "billingPeriodUnit": "month",
                 *       "unitDescription": "stores"
                 *     }
                 */
                "application/json": {
                    /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                    id: string;
                    /** @enum {string} */
                    componentType: "plan" | "addon" | "charge";
                    /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                    componentGroupId?: string;
                    /** @enum {string} */
                    pricingModel: "flat_fee" | "per_unit" | "stairstep";
                    /** @description Metered: usage is reported (A3) and billed at the end of each term */
                    isUsageBased?: boolean;
                    /** @description flat_fee: the price per term; per_unit: the price of one unit (minor units) */
                    price?: number;
                    tiers?: {
                        startingUnit: number;
                        /** @description Last unit of the step; absent or null for the open last step */
                        endingUnit?: number | null;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        price: number;
                    }[];
                    /** @description ISO 4217 code */
                    currencyCode?: string;
                    /**
                     * @description Plans only: one invoice per month or year
                     * @enum {string}
                     */
                    billingPeriodUnit?: "month" | "year";
                    trialPeriodValue?: number;
                    /** @enum {string} */
                    trialPeriodUnit?: "day" | "week" | "month" | "year";
                    /** @description Units (or usage) not charged */
                    freeQuantity?: number;
                    /** @description Plans only: addons added to every subscription */
                    mandatoryComponentIds?: string[];
                    unitDescription?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            productId: string;
                            /** @enum {string} */
                            componentType: "plan" | "addon" | "charge";
                            componentGroupId: string;
                            /** @enum {string} */
                            status: "active" | "archived" | "deleted";
                            isUsageBased: boolean;
                            /** @enum {string} */
                            pricingModel: "flat_fee" | "per_unit" | "stairstep";
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            price: number | null;
                            /** @description ISO 4217 code */
                            currencyCode: string;
                            tiers: {
                                startingUnit: number;
                                endingUnit: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                price: number;
                            }[];
                            /** @enum {string|null} */
                            billingPeriodUnit: "month" | "year" | null;
                            trialPeriodValue: number | null;
                            /** @enum {string|null} */
                            trialPeriodUnit: "day" | "week" | "month" | "year" | null;
                            freeQuantity: number;
                            mandatoryComponentIds: string[];
                            unitDescription: string | null;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    listProducts: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            name: string;
                            description: string | null;
                            /** @enum {string} */
                            status: "active" | "archived";
                            /** @description Unix time, seconds (UTC) */
                            createdAt: number;
                            /** @description Unix time, seconds (UTC) */
                            updatedAt: number;
                        }[];
                        total: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    createProduct: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "rbm_example",
                 *       "name": "RBM",
                 *       "description": "Recurring billing module"
                 *     }
                 */
                "application/json": {
                    /** @description The module technical name, e.g. `rbm_example` */
                    id: string;
                    name: string;
                    description?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            name: string;
                            description: string | null;
                            /** @enum {string} */
                            status: "active" | "archived";
                            /** @description Unix time, seconds (UTC) */
                            createdAt: number;
                            /** @description Unix time, seconds (UTC) */
                            updatedAt: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getProduct: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            name: string;
                            description: string | null;
                            /** @enum {string} */
                            status: "active" | "archived";
                            /** @description Unix time, seconds (UTC) */
                            createdAt: number;
                            /** @description Unix time, seconds (UTC) */
                            updatedAt: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    updateProduct: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "description": "Recurring billing module, with reports"
                 *     }
                 */
                "application/json": {
                    name?: string;
                    description?: string | null;
                    /** @enum {string} */
                    status?: "active" | "archived";
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            name: string;
                            description: string | null;
                            /** @enum {string} */
                            status: "active" | "archived";
                            /** @description Unix time, seconds (UTC) */
                            createdAt: number;
                            /** @description Unix time, seconds (UTC) */
                            updatedAt: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    updateComponent: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
                /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                componentId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "unitDescription": "stores"
                 *     }
                 */
                "application/json": {
                    /** @enum {string} */
                    status?: "active" | "archived" | "deleted";
                    unitDescription?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            productId: string;
                            /** @enum {string} */
                            componentType: "plan" | "addon" | "charge";
                            componentGroupId: string;
                            /** @enum {string} */
                            status: "active" | "archived" | "deleted";
                            isUsageBased: boolean;
                            /** @enum {string} */
                            pricingModel: "flat_fee" | "per_unit" | "stairstep";
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            price: number | null;
                            /** @description ISO 4217 code */
                            currencyCode: string;
                            tiers: {
                                startingUnit: number;
                                endingUnit: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                price: number;
                            }[];
                            /** @enum {string|null} */
                            billingPeriodUnit: "month" | "year" | null;
                            trialPeriodValue: number | null;
                            /** @enum {string|null} */
                            trialPeriodUnit: "day" | "week" | "month" | "year" | null;
                            freeQuantity: number;
                            mandatoryComponentIds: string[];
                            unitDescription: string | null;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    addCustomer: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "id": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "email": "owner@shop.example",
                 *       "locale": "fr"
                 *     }
                 */
                "application/json": {
                    /** @description The shop UUID (or a user customer id) */
                    id: string;
                    /** Format: email */
                    email?: string;
                    /**
                     * @description Language of the customer
                     * @enum {string}
                     */
                    locale?: "de" | "en" | "es" | "fr" | "it" | "nl" | "pl" | "pt" | "ro";
                    /**
                     * @description Default shop; a shop token may only create its own shop customer
                     * @enum {string}
                     */
                    type?: "shop" | "user";
                    /** @description The owner (PrestaShop Accounts user) of the shop */
                    parentId?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "customer";
                            /** @enum {string} */
                            type: "shop" | "user";
                            email: string | null;
                            locale: string | null;
                            /** @enum {string} */
                            auto_collection: "on";
                            net_term_days: number;
                            /** @enum {string} */
                            taxability: "taxable";
                            /** @description Unix time, seconds (UTC) */
                            created_at: number;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number;
                            created_from_ip: string | null;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            deleted: boolean;
                            preferred_currency_code: string;
                            vat_number: string | null;
                            billing_address: {
                                first_name?: string;
                                last_name?: string;
                                company?: string;
                                line1?: string;
                                line2?: string;
                                city?: string;
                                zip?: string;
                                country: string;
                                validation_status?: string;
                                /** @enum {string} */
                                object: "billing_address";
                            } | null;
                            /** @description valid, expired or no_card */
                            card_status: string;
                            payment_method: {
                                /** @enum {string} */
                                object: "payment_method";
                                type: string;
                                reference_id: string;
                                gateway: string;
                                status: string;
                                brand: string;
                                last4: string;
                                expiry_month: number;
                                expiry_year: number;
                            } | null;
                            relationship: {
                                parent_id: string;
                                root_id: string;
                                payment_owner_id: string;
                                invoice_owner_id: string;
                            } | null;
                            /** @description Sandbox: the test clock's time, once it has been advanced */
                            test_clock: number | (never | null);
                            meta_data: Record<string, never>;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getCustomer: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        object: "customer";
                        /** @enum {string} */
                        type: "shop" | "user";
                        email: string | null;
                        locale: string | null;
                        /** @enum {string} */
                        auto_collection: "on";
                        net_term_days: number;
                        /** @enum {string} */
                        taxability: "taxable";
                        /** @description Unix time, seconds (UTC) */
                        created_at: number;
                        /** @description Unix time, seconds (UTC) */
                        updated_at: number;
                        created_from_ip: string | null;
                        /** @description ms epoch of the last change: drop events older than what you have */
                        resource_version: number;
                        deleted: boolean;
                        preferred_currency_code: string;
                        vat_number: string | null;
                        billing_address: {
                            first_name?: string;
                            last_name?: string;
                            company?: string;
                            line1?: string;
                            line2?: string;
                            city?: string;
                            zip?: string;
                            country: string;
                            validation_status?: string;
                            /** @enum {string} */
                            object: "billing_address";
                        } | null;
                        /** @description valid, expired or no_card */
                        card_status: string;
                        payment_method: {
                            /** @enum {string} */
                            object: "payment_method";
                            type: string;
                            reference_id: string;
                            gateway: string;
                            status: string;
                            brand: string;
                            last4: string;
                            expiry_month: number;
                            expiry_year: number;
                        } | null;
                        relationship: {
                            parent_id: string;
                            root_id: string;
                            payment_owner_id: string;
                            invoice_owner_id: string;
                        } | null;
                        /** @description Sandbox: the test clock's time, once it has been advanced */
                        test_clock: number | (never | null);
                        meta_data: Record<string, never>;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    updateCustomer: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "email": "billing@shop.example"
                 *     }
                 */
                "application/json": {
                    /** Format: email */
                    email?: string | null;
                    /**
                     * @description Language of the customer
                     * @enum {string|null}
                     */
                    locale?: "de" | "en" | "es" | "fr" | "it" | "nl" | "pl" | "pt" | "ro" | null;
                    parentId?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "customer";
                            /** @enum {string} */
                            type: "shop" | "user";
                            email: string | null;
                            locale: string | null;
                            /** @enum {string} */
                            auto_collection: "on";
                            net_term_days: number;
                            /** @enum {string} */
                            taxability: "taxable";
                            /** @description Unix time, seconds (UTC) */
                            created_at: number;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number;
                            created_from_ip: string | null;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            deleted: boolean;
                            preferred_currency_code: string;
                            vat_number: string | null;
                            billing_address: {
                                first_name?: string;
                                last_name?: string;
                                company?: string;
                                line1?: string;
                                line2?: string;
                                city?: string;
                                zip?: string;
                                country: string;
                                validation_status?: string;
                                /** @enum {string} */
                                object: "billing_address";
                            } | null;
                            /** @description valid, expired or no_card */
                            card_status: string;
                            payment_method: {
                                /** @enum {string} */
                                object: "payment_method";
                                type: string;
                                reference_id: string;
                                gateway: string;
                                status: string;
                                brand: string;
                                last4: string;
                                expiry_month: number;
                                expiry_year: number;
                            } | null;
                            relationship: {
                                parent_id: string;
                                root_id: string;
                                payment_owner_id: string;
                                invoice_owner_id: string;
                            } | null;
                            /** @description Sandbox: the test clock's time, once it has been advanced */
                            test_clock: number | (never | null);
                            meta_data: Record<string, never>;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    setBillingAddress: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "billingAddress": {
                 *         "company": "Boutique Paris SAS",
                 *         "line1": "1 rue de la Paix",
                 *         "city": "Paris",
                 *         "zip": "75002",
                 *         "country": "FR"
                 *       }
                 *     }
                 */
                "application/json": {
                    billingAddress: {
                        first_name?: string;
                        last_name?: string;
                        company?: string;
                        line1?: string;
                        line2?: string;
                        city?: string;
                        zip?: string;
                        /** @description ISO 3166-1 alpha-2: decides the VAT rate */
                        country: string;
                    };
                    vatNumber?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "customer";
                            /** @enum {string} */
                            type: "shop" | "user";
                            email: string | null;
                            locale: string | null;
                            /** @enum {string} */
                            auto_collection: "on";
                            net_term_days: number;
                            /** @enum {string} */
                            taxability: "taxable";
                            /** @description Unix time, seconds (UTC) */
                            created_at: number;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number;
                            created_from_ip: string | null;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            deleted: boolean;
                            preferred_currency_code: string;
                            vat_number: string | null;
                            billing_address: {
                                first_name?: string;
                                last_name?: string;
                                company?: string;
                                line1?: string;
                                line2?: string;
                                city?: string;
                                zip?: string;
                                country: string;
                                validation_status?: string;
                                /** @enum {string} */
                                object: "billing_address";
                            } | null;
                            /** @description valid, expired or no_card */
                            card_status: string;
                            payment_method: {
                                /** @enum {string} */
                                object: "payment_method";
                                type: string;
                                reference_id: string;
                                gateway: string;
                                status: string;
                                brand: string;
                                last4: string;
                                expiry_month: number;
                                expiry_year: number;
                            } | null;
                            relationship: {
                                parent_id: string;
                                root_id: string;
                                payment_owner_id: string;
                                invoice_owner_id: string;
                            } | null;
                            /** @description Sandbox: the test clock's time, once it has been advanced */
                            test_clock: number | (never | null);
                            meta_data: Record<string, never>;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    setPaymentMethod: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "number": "4111111111111111",
                 *       "expiryMonth": 12,
                 *       "expiryYear": 2030,
                 *       "cvc": "123"
                 *     }
                 */
                "application/json": {
                    /** @description Card number (sandbox: the test cards of docs/billing.md); never stored */
                    number: string;
                    expiryMonth: number;
                    expiryYear: number;
                    cvc: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "customer";
                            /** @enum {string} */
                            type: "shop" | "user";
                            email: string | null;
                            locale: string | null;
                            /** @enum {string} */
                            auto_collection: "on";
                            net_term_days: number;
                            /** @enum {string} */
                            taxability: "taxable";
                            /** @description Unix time, seconds (UTC) */
                            created_at: number;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number;
                            created_from_ip: string | null;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            deleted: boolean;
                            preferred_currency_code: string;
                            vat_number: string | null;
                            billing_address: {
                                first_name?: string;
                                last_name?: string;
                                company?: string;
                                line1?: string;
                                line2?: string;
                                city?: string;
                                zip?: string;
                                country: string;
                                validation_status?: string;
                                /** @enum {string} */
                                object: "billing_address";
                            } | null;
                            /** @description valid, expired or no_card */
                            card_status: string;
                            payment_method: {
                                /** @enum {string} */
                                object: "payment_method";
                                type: string;
                                reference_id: string;
                                gateway: string;
                                status: string;
                                brand: string;
                                last4: string;
                                expiry_month: number;
                                expiry_year: number;
                            } | null;
                            relationship: {
                                parent_id: string;
                                root_id: string;
                                payment_owner_id: string;
                                invoice_owner_id: string;
                            } | null;
                            /** @description Sandbox: the test clock's time, once it has been advanced */
                            test_clock: number | (never | null);
                            meta_data: Record<string, never>;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getCustomerSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        object: "subscription";
                        customer_id: string;
                        product_id: string;
                        plan_id: string;
                        plan_quantity: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_unit_price: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_amount: number;
                        plan_free_quantity: number;
                        pricing_model: string;
                        billing_period: number;
                        billing_period_unit: string | null;
                        currency_code: string;
                        /** @enum {string} */
                        status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                        /** @description Unix time, seconds (UTC) */
                        start_date: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_end: number | null;
                        trial_end_action: string;
                        /** @description Unix time, seconds (UTC) */
                        current_term_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        current_term_end: number | null;
                        /** @description Unix time, seconds (UTC) */
                        next_billing_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        created_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        started_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        activated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        updated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancelled_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancel_schedule_created_at: number | null;
                        cancel_reason: string | null;
                        /** @description Unix time, seconds (UTC) */
                        pause_date: number | null;
                        remaining_billing_cycles: number | null;
                        has_scheduled_changes: boolean;
                        subscription_scheduled_changes: {
                            item_price_id: string;
                            quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            billing_period_unit: string | null;
                        } | null;
                        due_invoices_count: number;
                        /** @description Unix time, seconds (UTC) */
                        due_since: number | null;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        total_dues: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        mrr: number;
                        is_free_trial_used: boolean;
                        deleted: boolean;
                        /** @description ms epoch of the last change: drop events older than what you have */
                        resource_version: number;
                        channel: string;
                        meta_data: {
                            module: string;
                        };
                        subscription_items: {
                            item_price_id: string;
                            /** @enum {string} */
                            item_type: "plan" | "addon" | "charge";
                            group_id: string;
                            quantity: number | null;
                            usage: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amount: number;
                            free_quantity: number;
                            pricing_model: string;
                            is_usage_based: boolean;
                        }[];
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    createSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "productId": "rbm_example",
                 *       "planId": "rbm-advanced-EUR-Monthly",
                 *       "quantity": 2
                 *     }
                 */
                "application/json": {
                    /** @description The module technical name, e.g. `rbm_example` */
                    productId: string;
                    /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                    planId: string;
                    quantity?: number;
                    addons?: {
                        /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                        componentId: string;
                        quantity?: number;
                    }[];
                    /**
                     * Format: date-time
                     * @description A later start makes the subscription `future` until then
                     */
                    startDate?: string;
                    /** @description Used when the customer does not exist yet */
                    customer?: {
                        /** Format: email */
                        email?: string;
                        /**
                         * @description Language of the customer
                         * @enum {string}
                         */
                        locale?: "de" | "en" | "es" | "fr" | "it" | "nl" | "pl" | "pt" | "ro";
                        parentId?: string;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        object: "subscription";
                        customer_id: string;
                        product_id: string;
                        plan_id: string;
                        plan_quantity: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_unit_price: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_amount: number;
                        plan_free_quantity: number;
                        pricing_model: string;
                        billing_period: number;
                        billing_period_unit: string | null;
                        currency_code: string;
                        /** @enum {string} */
                        status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                        /** @description Unix time, seconds (UTC) */
                        start_date: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_end: number | null;
                        trial_end_action: string;
                        /** @description Unix time, seconds (UTC) */
                        current_term_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        current_term_end: number | null;
                        /** @description Unix time, seconds (UTC) */
                        next_billing_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        created_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        started_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        activated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        updated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancelled_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancel_schedule_created_at: number | null;
                        cancel_reason: string | null;
                        /** @description Unix time, seconds (UTC) */
                        pause_date: number | null;
                        remaining_billing_cycles: number | null;
                        has_scheduled_changes: boolean;
                        subscription_scheduled_changes: {
                            item_price_id: string;
                            quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            billing_period_unit: string | null;
                        } | null;
                        due_invoices_count: number;
                        /** @description Unix time, seconds (UTC) */
                        due_since: number | null;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        total_dues: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        mrr: number;
                        is_free_trial_used: boolean;
                        deleted: boolean;
                        /** @description ms epoch of the last change: drop events older than what you have */
                        resource_version: number;
                        channel: string;
                        meta_data: {
                            module: string;
                        };
                        subscription_items: {
                            item_price_id: string;
                            /** @enum {string} */
                            item_type: "plan" | "addon" | "charge";
                            group_id: string;
                            quantity: number | null;
                            usage: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amount: number;
                            free_quantity: number;
                            pricing_model: string;
                            is_usage_based: boolean;
                        }[];
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getTestClock: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        customerId: string;
                        /** Format: date-time */
                        now: string;
                        /** @description True once advanced: the customer's time moves only when advanced */
                        frozen: boolean;
                        /** @description Renewals, trial ends, retries... run by this advance */
                        transitions?: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    advanceTestClock: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "months": 1
                 *     }
                 */
                "application/json": {
                    /**
                     * Format: date-time
                     * @description The time to move the clock to
                     */
                    to?: string;
                    /** @description Or: how far to move it */
                    seconds?: number;
                    /** @description Or: calendar months to move it (from the clock's day) */
                    months?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        customerId: string;
                        /** Format: date-time */
                        now: string;
                        /** @description True once advanced: the customer's time moves only when advanced */
                        frozen: boolean;
                        /** @description Renewals, trial ends, retries... run by this advance */
                        transitions?: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        object: "subscription";
                        customer_id: string;
                        product_id: string;
                        plan_id: string;
                        plan_quantity: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_unit_price: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        plan_amount: number;
                        plan_free_quantity: number;
                        pricing_model: string;
                        billing_period: number;
                        billing_period_unit: string | null;
                        currency_code: string;
                        /** @enum {string} */
                        status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                        /** @description Unix time, seconds (UTC) */
                        start_date: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        trial_end: number | null;
                        trial_end_action: string;
                        /** @description Unix time, seconds (UTC) */
                        current_term_start: number | null;
                        /** @description Unix time, seconds (UTC) */
                        current_term_end: number | null;
                        /** @description Unix time, seconds (UTC) */
                        next_billing_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        created_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        started_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        activated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        updated_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancelled_at: number | null;
                        /** @description Unix time, seconds (UTC) */
                        cancel_schedule_created_at: number | null;
                        cancel_reason: string | null;
                        /** @description Unix time, seconds (UTC) */
                        pause_date: number | null;
                        remaining_billing_cycles: number | null;
                        has_scheduled_changes: boolean;
                        subscription_scheduled_changes: {
                            item_price_id: string;
                            quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            billing_period_unit: string | null;
                        } | null;
                        due_invoices_count: number;
                        /** @description Unix time, seconds (UTC) */
                        due_since: number | null;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        total_dues: number;
                        /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                        mrr: number;
                        is_free_trial_used: boolean;
                        deleted: boolean;
                        /** @description ms epoch of the last change: drop events older than what you have */
                        resource_version: number;
                        channel: string;
                        meta_data: {
                            module: string;
                        };
                        subscription_items: {
                            item_price_id: string;
                            /** @enum {string} */
                            item_type: "plan" | "addon" | "charge";
                            group_id: string;
                            quantity: number | null;
                            usage: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amount: number;
                            free_quantity: number;
                            pricing_model: string;
                            is_usage_based: boolean;
                        }[];
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    updateSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "subscriptionItemId": "rbm-advanced-EUR-Yearly"
                 *     }
                 */
                "application/json": {
                    /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                    subscriptionItemId: string;
                    couponCode?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            productId: string;
                            shopId: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            currencyCode: string;
                            billingPeriodUnit: string | null;
                            /** @description Unix time, seconds (UTC) */
                            activatedAt: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelledAt: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trialEndAt: number | null;
                            /** @description Unix time, seconds (UTC) */
                            nextRenewalAt: number | null;
                            /** @description Unix time, seconds (UTC) */
                            currentTermStart: number | null;
                            /** @description Unix time, seconds (UTC) */
                            currentTermEnd: number | null;
                            hasScheduledChanges: boolean;
                            resourceVersion: string;
                            subscriptionItems: {
                                id: string;
                                groupId: string;
                                itemType: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unitPrice: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                freeQuantity: number;
                            }[];
                            subscriptionWithScheduledChanges: {
                                componentId: string;
                                groupId: string;
                                billingPeriodUnit: string | null;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unitPrice: number;
                            } | null;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    cancelSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "endOfTerm": true
                 *     }
                 */
                "application/json": {
                    /** @default true */
                    endOfTerm?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "subscription";
                            customer_id: string;
                            product_id: string;
                            plan_id: string;
                            plan_quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_amount: number;
                            plan_free_quantity: number;
                            pricing_model: string;
                            billing_period: number;
                            billing_period_unit: string | null;
                            currency_code: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            /** @description Unix time, seconds (UTC) */
                            start_date: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_end: number | null;
                            trial_end_action: string;
                            /** @description Unix time, seconds (UTC) */
                            current_term_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            current_term_end: number | null;
                            /** @description Unix time, seconds (UTC) */
                            next_billing_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            created_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            started_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            activated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelled_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancel_schedule_created_at: number | null;
                            cancel_reason: string | null;
                            /** @description Unix time, seconds (UTC) */
                            pause_date: number | null;
                            remaining_billing_cycles: number | null;
                            has_scheduled_changes: boolean;
                            subscription_scheduled_changes: {
                                item_price_id: string;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                billing_period_unit: string | null;
                            } | null;
                            due_invoices_count: number;
                            /** @description Unix time, seconds (UTC) */
                            due_since: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            total_dues: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            mrr: number;
                            is_free_trial_used: boolean;
                            deleted: boolean;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            channel: string;
                            meta_data: {
                                module: string;
                            };
                            subscription_items: {
                                item_price_id: string;
                                /** @enum {string} */
                                item_type: "plan" | "addon" | "charge";
                                group_id: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                free_quantity: number;
                                pricing_model: string;
                                is_usage_based: boolean;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    reactivateSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "subscription";
                            customer_id: string;
                            product_id: string;
                            plan_id: string;
                            plan_quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_amount: number;
                            plan_free_quantity: number;
                            pricing_model: string;
                            billing_period: number;
                            billing_period_unit: string | null;
                            currency_code: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            /** @description Unix time, seconds (UTC) */
                            start_date: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_end: number | null;
                            trial_end_action: string;
                            /** @description Unix time, seconds (UTC) */
                            current_term_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            current_term_end: number | null;
                            /** @description Unix time, seconds (UTC) */
                            next_billing_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            created_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            started_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            activated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelled_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancel_schedule_created_at: number | null;
                            cancel_reason: string | null;
                            /** @description Unix time, seconds (UTC) */
                            pause_date: number | null;
                            remaining_billing_cycles: number | null;
                            has_scheduled_changes: boolean;
                            subscription_scheduled_changes: {
                                item_price_id: string;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                billing_period_unit: string | null;
                            } | null;
                            due_invoices_count: number;
                            /** @description Unix time, seconds (UTC) */
                            due_since: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            total_dues: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            mrr: number;
                            is_free_trial_used: boolean;
                            deleted: boolean;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            channel: string;
                            meta_data: {
                                module: string;
                            };
                            subscription_items: {
                                item_price_id: string;
                                /** @enum {string} */
                                item_type: "plan" | "addon" | "charge";
                                group_id: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                free_quantity: number;
                                pricing_model: string;
                                is_usage_based: boolean;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    pauseSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "subscription";
                            customer_id: string;
                            product_id: string;
                            plan_id: string;
                            plan_quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_amount: number;
                            plan_free_quantity: number;
                            pricing_model: string;
                            billing_period: number;
                            billing_period_unit: string | null;
                            currency_code: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            /** @description Unix time, seconds (UTC) */
                            start_date: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_end: number | null;
                            trial_end_action: string;
                            /** @description Unix time, seconds (UTC) */
                            current_term_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            current_term_end: number | null;
                            /** @description Unix time, seconds (UTC) */
                            next_billing_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            created_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            started_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            activated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelled_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancel_schedule_created_at: number | null;
                            cancel_reason: string | null;
                            /** @description Unix time, seconds (UTC) */
                            pause_date: number | null;
                            remaining_billing_cycles: number | null;
                            has_scheduled_changes: boolean;
                            subscription_scheduled_changes: {
                                item_price_id: string;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                billing_period_unit: string | null;
                            } | null;
                            due_invoices_count: number;
                            /** @description Unix time, seconds (UTC) */
                            due_since: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            total_dues: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            mrr: number;
                            is_free_trial_used: boolean;
                            deleted: boolean;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            channel: string;
                            meta_data: {
                                module: string;
                            };
                            subscription_items: {
                                item_price_id: string;
                                /** @enum {string} */
                                item_type: "plan" | "addon" | "charge";
                                group_id: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                free_quantity: number;
                                pricing_model: string;
                                is_usage_based: boolean;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    resumeSubscription: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "subscription";
                            customer_id: string;
                            product_id: string;
                            plan_id: string;
                            plan_quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_amount: number;
                            plan_free_quantity: number;
                            pricing_model: string;
                            billing_period: number;
                            billing_period_unit: string | null;
                            currency_code: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            /** @description Unix time, seconds (UTC) */
                            start_date: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_end: number | null;
                            trial_end_action: string;
                            /** @description Unix time, seconds (UTC) */
                            current_term_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            current_term_end: number | null;
                            /** @description Unix time, seconds (UTC) */
                            next_billing_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            created_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            started_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            activated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelled_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancel_schedule_created_at: number | null;
                            cancel_reason: string | null;
                            /** @description Unix time, seconds (UTC) */
                            pause_date: number | null;
                            remaining_billing_cycles: number | null;
                            has_scheduled_changes: boolean;
                            subscription_scheduled_changes: {
                                item_price_id: string;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                billing_period_unit: string | null;
                            } | null;
                            due_invoices_count: number;
                            /** @description Unix time, seconds (UTC) */
                            due_since: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            total_dues: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            mrr: number;
                            is_free_trial_used: boolean;
                            deleted: boolean;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            channel: string;
                            meta_data: {
                                module: string;
                            };
                            subscription_items: {
                                item_price_id: string;
                                /** @enum {string} */
                                item_type: "plan" | "addon" | "charge";
                                group_id: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                free_quantity: number;
                                pricing_model: string;
                                is_usage_based: boolean;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            402: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    removeScheduledChanges: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            id: string;
                            /** @enum {string} */
                            object: "subscription";
                            customer_id: string;
                            product_id: string;
                            plan_id: string;
                            plan_quantity: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_unit_price: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            plan_amount: number;
                            plan_free_quantity: number;
                            pricing_model: string;
                            billing_period: number;
                            billing_period_unit: string | null;
                            currency_code: string;
                            /** @enum {string} */
                            status: "future" | "in_trial" | "active" | "non_renewing" | "paused" | "cancelled";
                            /** @description Unix time, seconds (UTC) */
                            start_date: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            trial_end: number | null;
                            trial_end_action: string;
                            /** @description Unix time, seconds (UTC) */
                            current_term_start: number | null;
                            /** @description Unix time, seconds (UTC) */
                            current_term_end: number | null;
                            /** @description Unix time, seconds (UTC) */
                            next_billing_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            created_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            started_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            activated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            updated_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancelled_at: number | null;
                            /** @description Unix time, seconds (UTC) */
                            cancel_schedule_created_at: number | null;
                            cancel_reason: string | null;
                            /** @description Unix time, seconds (UTC) */
                            pause_date: number | null;
                            remaining_billing_cycles: number | null;
                            has_scheduled_changes: boolean;
                            subscription_scheduled_changes: {
                                item_price_id: string;
                                quantity: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                billing_period_unit: string | null;
                            } | null;
                            due_invoices_count: number;
                            /** @description Unix time, seconds (UTC) */
                            due_since: number | null;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            total_dues: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            mrr: number;
                            is_free_trial_used: boolean;
                            deleted: boolean;
                            /** @description ms epoch of the last change: drop events older than what you have */
                            resource_version: number;
                            channel: string;
                            meta_data: {
                                module: string;
                            };
                            subscription_items: {
                                item_price_id: string;
                                /** @enum {string} */
                                item_type: "plan" | "addon" | "charge";
                                group_id: string;
                                quantity: number | null;
                                usage: number | null;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                unit_price: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amount: number;
                                free_quantity: number;
                                pricing_model: string;
                                is_usage_based: boolean;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    setSubscriptionItemQuantity: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
                /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                subscriptionItemId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "quantity": 3
                 *     }
                 */
                "application/json": {
                    quantity: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            quantity: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    setSubscriptionItemUsage: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
                /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                subscriptionItemId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "usageQuantity": 120
                 *     }
                 */
                "application/json": {
                    usageQuantity: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            /** @description The usage of the current term, this report included */
                            usageQuantity: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    addSubscriptionChargeAtTerm: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                subscriptionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "amount": 1500,
                 *       "description": "Onboarding session"
                 *     }
                 */
                "application/json": {
                    /** @description Minor units */
                    amount: number;
                    description: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            amount: number;
                            description: string;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    addSubscriptionEstimateForCustomer: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "componentId": "rbm-advanced-EUR-Monthly",
                 *       "customerId": "3f2c1b1e-0000-4000-8000-000000000001",
                 *       "productId": "rbm_example",
                 *       "quantity": 3
                 *     }
                 */
                "application/json": {
                    /** @description Letters, digits, `_`, `.` and `-`; 1 to 128 characters */
                    componentId: string;
                    /** @description The shop UUID (or a user customer id) */
                    customerId: string;
                    /** @description The module technical name, e.g. `rbm_example` */
                    productId: string;
                    quantity?: number;
                    /** @description An id psif generated (sub_…, inv_…) */
                    subscriptionId?: string;
                    coupon?: {
                        couponCode: string;
                        isCurrentlyApplied: boolean;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            /** @enum {object|null} */
                            coupon: never | null;
                            invoiceEstimate: {
                                currencyCode: string;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                subTotal: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                total: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                amountDue: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                nextBillingPeriodAmountDue: number;
                                discounts: {
                                    /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                    amount: number;
                                    discountType: string;
                                }[];
                                taxes: {
                                    name: string;
                                    /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                    amount: number;
                                }[];
                                lineItemTaxes: {
                                    taxJurisName: string;
                                    taxRate: number;
                                }[];
                                lineItems: {
                                    /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                    amount: number;
                                    entityType: string;
                                    description: string;
                                    /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                    taxAmount: number;
                                }[];
                            };
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getInvoices: {
        parameters: {
            query?: {
                /** @description A subscription id or a customer id, as `type` says */
                id?: string;
                /** @description What `id` is (default subscription) */
                type?: "subscription" | "customer";
                productId?: string;
                status?: "paid" | "payment_due" | "not_paid" | "voided";
                /** @description Invoice date from (inclusive) */
                from?: string;
                /** @description Invoice date to (exclusive) */
                to?: string;
                limit?: number;
                offset?: number;
                order?: "asc" | "desc";
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            invoiceId: string;
                            customerId: string;
                            subscriptionId: string;
                            productId: string;
                            /** @enum {string} */
                            reason: "creation" | "renewal" | "trial_end" | "upgrade" | "activation" | "cancellation";
                            /** @enum {string} */
                            status: "paid" | "payment_due" | "not_paid" | "voided";
                            currencyCode: string;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            subTotal: number;
                            /** @description Percent */
                            taxRate: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            taxAmount: number;
                            taxIncluded: boolean;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountTotal: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountPaid: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountDue: number;
                            /** @description Unix time, seconds (UTC) */
                            invoiceDate: number;
                            /** @description Unix time, seconds (UTC) */
                            paymentDate: number | null;
                            /** @description Unix time, seconds (UTC) */
                            periodStart: number;
                            /** @description Unix time, seconds (UTC) */
                            periodEnd: number;
                            resourceVersion: number;
                            lineItems: {
                                invoiceLineItemId: string;
                                invoiceId: string;
                                subscriptionId: string;
                                componentId: string | null;
                                /** @enum {string} */
                                entityType: "plan_item_price" | "addon_item_price" | "charge_item_price" | "adhoc";
                                description: string;
                                quantity: number | null;
                                unitAmount: number | null;
                                /** @description Excluding tax, minor units */
                                amount: number;
                                /** @description Percent */
                                taxRate: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                taxAmount: number;
                                /** @description Unix time, seconds (UTC) */
                                dateFrom: number;
                                /** @description Unix time, seconds (UTC) */
                                dateTo: number;
                            }[];
                        }[];
                        total: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getInvoice: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                invoiceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            invoiceId: string;
                            customerId: string;
                            subscriptionId: string;
                            productId: string;
                            /** @enum {string} */
                            reason: "creation" | "renewal" | "trial_end" | "upgrade" | "activation" | "cancellation";
                            /** @enum {string} */
                            status: "paid" | "payment_due" | "not_paid" | "voided";
                            currencyCode: string;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            subTotal: number;
                            /** @description Percent */
                            taxRate: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            taxAmount: number;
                            taxIncluded: boolean;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountTotal: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountPaid: number;
                            /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                            amountDue: number;
                            /** @description Unix time, seconds (UTC) */
                            invoiceDate: number;
                            /** @description Unix time, seconds (UTC) */
                            paymentDate: number | null;
                            /** @description Unix time, seconds (UTC) */
                            periodStart: number;
                            /** @description Unix time, seconds (UTC) */
                            periodEnd: number;
                            resourceVersion: number;
                            lineItems: {
                                invoiceLineItemId: string;
                                invoiceId: string;
                                subscriptionId: string;
                                componentId: string | null;
                                /** @enum {string} */
                                entityType: "plan_item_price" | "addon_item_price" | "charge_item_price" | "adhoc";
                                description: string;
                                quantity: number | null;
                                unitAmount: number | null;
                                /** @description Excluding tax, minor units */
                                amount: number;
                                /** @description Percent */
                                taxRate: number;
                                /** @description Minor units of the currency (cents): 2000 = 20.00 EUR */
                                taxAmount: number;
                                /** @description Unix time, seconds (UTC) */
                                dateFrom: number;
                                /** @description Unix time, seconds (UTC) */
                                dateTo: number;
                            }[];
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getInvoiceDownload: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                invoiceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        item: {
                            /** Format: uri */
                            downloadUrl: string;
                            validTill: number;
                        };
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    downloadInvoicePdf: {
        parameters: {
            query: {
                expires: number;
                signature: string;
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description An id psif generated (sub_…, inv_…) */
                invoiceId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description application/pdf */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    getSubscriptionQuantity: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Your billing API key (psif billing api-keys create) */
                "x-billing-api-key"?: string;
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        currentQuantity: number;
                        scheduledQuantity?: number;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
    updateSubscriptionQuantity: {
        parameters: {
            query?: {
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            header?: {
                /** @description Your billing API key (psif billing api-keys create) */
                "x-billing-api-key"?: string;
                /** @description Sandbox data instead of live data (also the `sandbox` header) */
                sandbox?: "true" | "false";
            };
            path: {
                /** @description The shop UUID (or a user customer id) */
                customerId: string;
                /** @description The module technical name, e.g. `rbm_example` */
                productId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                /**
                 * @example {
                 *       "action": "SET",
                 *       "quantity": 3
                 *     }
                 */
                "application/json": {
                    /** @enum {string} */
                    action: "UPDATE" | "SET";
                    quantity: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        item_type: "plan";
                        quantity: number;
                        unit_price: number;
                        amount: number;
                        item_price_id: string;
                    };
                };
            };
            /** @description Error of the Billing API */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
            /** @description Error of the Billing API */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BillingError"];
                };
            };
        };
    };
}
