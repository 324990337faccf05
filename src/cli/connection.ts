import { RunError } from '../errors.js';
import { createGraphClient, type GraphTransport } from '../graph/graph-client.js';
import { resolveGraphRoot } from '../graph/graph-root.js';
import { staticTokenProvider } from '../graph/token-provider.js';
import type { ConnectionOptions } from './options.js';

/**
 * The Graph connection every networked command shares: the root from `--graph-url` or `--cloud`
 * (plain http only to loopback) and the credentials from the environment. Both are checked before
 * any request, so a refused URL or a missing token stops with exit code 2 and nothing sent.
 */
export function connectToGraph(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  sockets: number,
): GraphTransport & { close(): void } {
  const root = resolveGraphRoot(options.graphUrl === undefined ? { cloud: options.cloud } : { cloud: options.cloud, graphUrl: options.graphUrl });
  const token = env.GRAPH_ACCESS_TOKEN?.trim();
  if (!token) {
    throw new RunError(
      'AUTH',
      'No credentials: set GRAPH_ACCESS_TOKEN to a Microsoft Graph bearer token ' +
        '(e.g. az account get-access-token --resource-type ms-graph --query accessToken -o tsv).',
    );
  }
  return createGraphClient({ root, tokens: staticTokenProvider(token), maxSockets: sockets });
}
