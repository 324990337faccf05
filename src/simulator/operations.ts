import { failed, graphErrors, ok, type Outcome } from './graph-errors.js';
import { parseFilter, parsePageSize, parseSelect, parseSkipToken, skipToken } from './query.js';
import type { Route } from './routes.js';
import type { Tenant } from './tenant.js';

/** A successful answer before headers: status and JSON body (none for 204). */
export interface Success {
  readonly status: number;
  readonly body?: unknown;
}

type Operation = Exclude<Route, { kind: 'batch' }>;

/**
 * Performs one Graph operation on the tenant: the semantics of each endpoint, with no HTTP, auth,
 * throttling or faults (the server wraps those around it). `graphRoot` (`http://host:port/v1.0`)
 * goes into `@odata.context` and `@odata.nextLink`.
 */
export function perform(tenant: Tenant, route: Operation, body: unknown, graphRoot: string): Outcome<Success> {
  switch (route.kind) {
    case 'assignLicense': {
      const result = tenant.assignLicense(route.key, body);
      return result.ok ? ok({ status: 200, body: { '@odata.context': `${graphRoot}/$metadata#users/$entity`, ...result.value } }) : result;
    }
    case 'patchUser': {
      const result = tenant.patchUser(route.key, body);
      return result.ok ? ok({ status: 204 }) : result;
    }
    case 'getUser': {
      const select = parseSelect(selectParam(route.query));
      if (!select.ok) return select;
      const user = tenant.view(route.key, select.value);
      if (user === undefined) return failed(graphErrors.resourceNotFound(route.key));
      return ok({ status: 200, body: { '@odata.context': `${graphRoot}/$metadata#users(${['id', ...select.value].join(',')})/$entity`, ...user } });
    }
    case 'listUsers':
      return listUsers(tenant, route.query, graphRoot);
    case 'subscribedSkus':
      return ok({ status: 200, body: { '@odata.context': `${graphRoot}/$metadata#subscribedSkus`, value: tenant.subscribedSkus() } });
  }
}

function listUsers(tenant: Tenant, query: URLSearchParams, graphRoot: string): Outcome<Success> {
  const select = parseSelect(selectParam(query));
  if (!select.ok) return select;
  const context = `${graphRoot}/$metadata#users(${['id', ...select.value].join(',')})`;
  const filterText = query.get('$filter') ?? query.get('filter');
  const filter = filterText === null ? undefined : parseFilter(filterText);
  if (filter !== undefined && !filter.ok) return filter;

  if (filter?.value.kind === 'keys') {
    const { property, values } = filter.value;
    // Unknown users are simply absent, as in Graph; a user named twice appears once.
    const found = new Map<unknown, Record<string, unknown>>();
    for (const key of values) {
      if ((property === 'id') === key.includes('@')) continue; // `id in` matches ids only, `userPrincipalName in` UPNs only
      const user = tenant.view(key, select.value);
      if (user !== undefined) found.set(user.id, user);
    }
    return ok({ status: 200, body: { '@odata.context': context, value: [...found.values()] } });
  }

  const top = parsePageSize(query.get('$top') ?? query.get('top'));
  if (!top.ok) return top;
  const from = parseSkipToken(query.get('$skiptoken'));
  if (!from.ok) return from;
  const page = tenant.page(from.value, top.value, select.value, filter?.value.kind === 'holdsSku' ? filter.value.skuId : undefined);
  const body: Record<string, unknown> = { '@odata.context': context, value: page.values };
  if (page.next !== undefined) {
    const next = new URLSearchParams(query);
    next.set('$skiptoken', skipToken(page.next));
    body['@odata.nextLink'] = `${graphRoot}/users?${next.toString()}`;
  }
  return ok({ status: 200, body });
}

function selectParam(query: URLSearchParams): string | null {
  return query.get('$select') ?? query.get('select');
}
