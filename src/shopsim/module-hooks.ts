import { rulesFor, type Row } from './content-rules.js';
import type { QueueAction } from './module-state.js';
import { rowOf } from './rows/record-source.js';
import type { Change, ShopData } from './rows/shop-data.js';

/** One sendLiveSync call: a notification per content, if its full sync is done and it is not debounced. */
export interface NotifyStep {
  kind: 'notify';
  contents: string[];
  action: QueueAction;
}

/**
 * One insertContentIntoIncremental call. Ids are PHP values: a number is an int (a products int id becomes
 * "{id}-0" when queued for every language), a string is kept as it is.
 */
export interface QueueStep {
  kind: 'queue';
  items: [content: string, ids: (string | number)[]][];
  action: QueueAction;
  allLanguages: boolean;
}

export type HookStep = NotifyStep | QueueStep;

const notify = (contents: string[], action: QueueAction): NotifyStep => ({ kind: 'notify', contents, action });
const queue = (items: QueueStep['items'], action: QueueAction, allLanguages: boolean): QueueStep => ({ kind: 'queue', items, action, allLanguages });
const int = (value: unknown): number => Number(value);

/**
 * What ps_eventbus' actionObject…After hooks do about a change (src/Traits/Hooks, cloudsync-protocol §4.4),
 * in the order they do it. A product saved through the simulator behaves like the second save of the v2
 * product page (the first save of a request queues only carrier-restriction deletes).
 */
export function upsertHookSteps(change: Change, data: ShopData): HookStep[] {
  const row = firstRow(change, data);
  if (!row) return [];
  switch (change.content) {
    case 'products':
      return productHook(data, int(row.id_product), int(row.id_attribute) > 0);
    case 'product_suppliers':
    case 'custom_product_carriers':
      return productHook(data, int(row.id_product), false);
    case 'bundles':
      return productHook(data, int(row.id_bundle), false);
    case 'carts':
    case 'cart_products':
      return [notify(['carts', 'cart_products'], 'upsert'), queue([['carts', [int(row.id_cart)]], ['cart_products', [int(row.id_cart)]]], 'upsert', true)];
    case 'wishlists':
    case 'wishlist_products':
      return [notify(['wishlists', 'wishlist_products'], 'upsert'), queue([['wishlists', [int(row.id_wishlist)]], ['wishlist_products', [int(row.id_wishlist)]]], 'upsert', true)];
    case 'carriers':
    case 'carrier_details':
    case 'carrier_taxes': {
      const id = int(change.content === 'carriers' ? row.id_carrier : row.id_reference);
      const contents = ['carriers', 'carrier_details', 'carrier_taxes'];
      const queued = queue(contents.map((c) => [c, [id]]), 'upsert', false);
      // CarrierAdd passes {content: id} maps to sendLiveSync, which then checks ids as content names: no notification.
      return change.created && change.content === 'carriers' ? [queued] : [notify(contents, 'upsert'), queued];
    }
    default: {
      const rules = rulesFor(change.content);
      if (!rules.upsertHook) return [];
      return [notify([change.content], 'upsert'), queue([[change.content, [rules.incrementalKey(row)]]], 'upsert', rules.upsertHook === 'all')];
    }
  }
}

/** The hooks of a delete whose `properties.id` would be `id`. */
export function deleteHookSteps(content: string, id: string): HookStep[] {
  const rules = rulesFor(content);
  if (!rules.deleteHook) return [];
  switch (content) {
    // The image delete hook queues an upsert, whose row no longer exists: the delete never reaches CloudSync.
    case 'images':
      return [notify(['images'], 'upsert'), queue([['images', [id]]], 'upsert', true)];
    // Carrier restrictions are deleted by the product hook, which notifies nothing.
    case 'custom_product_carriers':
      return [queue([['custom_product_carriers', [id]]], 'delete', true)];
    default:
      return [notify([content], 'delete'), queue([[content, [id]]], 'delete', rules.deleteHook === 'all')];
  }
}

/** sendUpsertProduct (v2 page, second call) or sendUpsertCombination for product `id`. */
function productHook(data: ShopData, id: number, combination: boolean): HookStep[] {
  const products = data.table('products');
  const rules = rulesFor('products');
  const rows = products.find('group', String(id)).map((record) => rowOf(products.recordRows(record), data.languages.default)).filter((row) => row !== undefined);
  const combinations = [...new Set(rows.map((row) => rules.incrementalKey(row)))];
  const carriers = data.table('custom_product_carriers');
  const carrierKeys = carriers.rows(data.languages.default).filter((row) => int(row.id_product) === id).map((row) => rulesFor('custom_product_carriers').incrementalKey(row));
  const pack = rows.some((row) => row.is_bundle === true);
  const items: QueueStep['items'] = [['products', combinations], ['product_suppliers', [id]], ['custom_product_carriers', carrierKeys]];
  const contents = ['products', 'product_suppliers', 'custom_product_carriers'];
  if (pack) {
    items.push(['bundles', [id]]);
    contents.push('bundles');
  }
  if (!combination) return [queue(items, 'upsert', true), notify(contents, 'upsert')];
  // A combination save also queues a delete of the product's "{id}-0" row, gone now that it has combinations.
  return [notify(contents, 'upsert'), queue(items, 'upsert', true), queue([['products', [id]]], 'delete', true)];
}

function firstRow(change: Change, data: ShopData): Row | undefined {
  const record = change.records[0];
  return record ? rowOf(record, data.languages.default) ?? record.values().next().value : undefined;
}
