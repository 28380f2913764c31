import type { DemoSeed } from './seed.js';

/**
 * Ready-to-paste shell commands against a seeded psif: a vendor token (kept in $PSIF_TOKEN), the vendor's
 * shops (Reporting API), a page of a shop's products (Raw API) and a subscription (Billing API). Only curl and sed: jq may not be installed. `--fail-with-body` makes a refused call fail the
 * shell (and still show psif's error).
 */
export function curlExamples(baseUrl: string, seed: DemoSeed): { comment: string; command: string }[] {
  const vendor = seed.vendors[0]!;
  const shop = seed.shops.find((s) => s.vendors.includes(vendor.name))!;
  const subscription = seed.subscriptions.find((s) => s.vendor === vendor.name && s.shopId === shop.shopId);
  const auth = '-H "authorization: Bearer $PSIF_TOKEN"';
  const curl = 'curl -sS --fail-with-body';
  return [
    {
      comment: `A token of the vendor ${vendor.name} (client credentials, with its billing scopes)`,
      command:
        `export PSIF_TOKEN=$(${curl} -u '${vendor.clientId}:${vendor.clientSecret}' -d grant_type=client_credentials ` +
        `--data-urlencode 'scope=${vendor.scope}' ${baseUrl}/oauth2/token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    },
    { comment: `The shops that installed ${vendor.name}'s modules (Reporting API)`, command: `${curl} ${auth} ${baseUrl}/reporting/v1/shops` },
    { comment: `Five products of the shop ${shop.shopId} (${shop.country}), pulled from its simulator (Raw API)`, command: `${curl} ${auth} '${baseUrl}/raw/v1/${shop.shopId}/products?limit=5'` },
    {
      comment: `The shop's subscription to ${vendor.productId}${subscription ? ` (${subscription.status})` : ''} (Billing API${seed.billing === 'sandbox' ? ', sandbox data' : ''})`,
      command: `${curl} ${auth}${seed.billing === 'sandbox' ? " -H 'sandbox: true'" : ''} ${baseUrl}/billing/v1/customers/${shop.shopId}/subscriptions/${vendor.productId}`,
    },
  ];
}
