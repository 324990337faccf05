import { credentialFrom } from '../auth/credential.js';
import { tokenProviderFor } from '../auth/token-provider-for.js';
import { createGraphClient, type GraphTransport } from '../graph/graph-client.js';
import { resolveGraphRoot } from '../graph/graph-root.js';
import type { TokenProvider } from '../graph/token-provider.js';
import type { CliIO } from './io.js';
import type { ConnectionOptions } from './options.js';

export type GraphConnection = GraphTransport & { close(): void };

/**
 * The Graph connection every networked command shares, signed in: the root from `--graph-url` or
 * `--cloud` (plain http only to loopback) and a token provider for the credential the environment
 * and the sign-in flags choose (SPEC §3). The URL, the credential's variables, a certificate file and
 * its password, and the authority host are checked, and the first token fetched, before this
 * resolves: a refusal by the token endpoint (a wrong secret, an unknown app) or an unreachable one
 * stops the command with exit code 2 before any Graph request, and the device-code prompt comes
 * before any other output.
 * @throws {RunError} `URL_REFUSED` or `AUTH`.
 */
export async function openGraphConnection(
  options: ConnectionOptions,
  io: Pick<CliIO, 'env' | 'stderr'>,
  sockets: number,
  prompt: (message: string) => void = (message) => io.stderr.write(`license-batch: ${message}\n`),
): Promise<GraphConnection> {
  const { root, tokens } = prepare(options, io.env, prompt);
  await tokens.getToken();
  return createGraphClient({ root, tokens, maxSockets: sockets });
}

function prepare(options: ConnectionOptions, env: NodeJS.ProcessEnv, prompt: (message: string) => void): { root: string; tokens: TokenProvider } {
  const root = resolveGraphRoot(options.graphUrl === undefined ? { cloud: options.cloud } : { cloud: options.cloud, graphUrl: options.graphUrl });
  const credential = credentialFrom(env, { managedIdentity: options.signIn === 'managed-identity', deviceCode: options.signIn === 'device-code' });
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim();
  const tokens = tokenProviderFor(credential, {
    graphRoot: root,
    cloud: options.cloud,
    ...(authorityHost ? { authorityHost } : {}),
    prompt,
  });
  return { root, tokens };
}
