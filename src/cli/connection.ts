import { credentialFrom } from '../auth/credential.js';
import { createGraphClient, type GraphTransport } from '../graph/graph-client.js';
import { systemClock } from '../graph/clock.js';
import { RunSender } from '../run/run-sender.js';
import { createRunStats } from '../run/run-stats.js';
import { resolveGraphRoot } from '../graph/graph-root.js';
import { staticTokenProvider, type TokenProvider } from '../graph/token-provider.js';
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
  const { root, tokens } = await prepare(options, io.env, prompt);
  await tokens.getToken();
  return createGraphClient({ root, tokens, maxSockets: sockets });
}

async function prepare(options: ConnectionOptions, env: NodeJS.ProcessEnv, prompt: (message: string) => void): Promise<{ root: string; tokens: TokenProvider }> {
  const root = resolveGraphRoot(options.graphUrl === undefined ? { cloud: options.cloud } : { cloud: options.cloud, graphUrl: options.graphUrl });
  const credential = credentialFrom(env, { managedIdentity: options.signIn === 'managed-identity', deviceCode: options.signIn === 'device-code' });
  // A token from the environment needs no sign-in: MSAL, loaded only for a sign-in, would cost about 0.2 s of start-up CPU.
  if (credential.kind === 'access-token') return { root, tokens: staticTokenProvider(credential.token) };
  const { tokenProviderFor } = await import('../auth/token-provider-for.js');
  const authorityHost = env.AZURE_AUTHORITY_HOST?.trim();
  const tokens = tokenProviderFor(credential, {
    graphRoot: root,
    cloud: options.cloud,
    ...(authorityHost ? { authorityHost } : {}),
    prompt,
  });
  return { root, tokens };
}

/** Retries per read, as for a run's requests (SPEC §3). */
const READ_MAX_RETRIES = 6;

/**
 * The sender of the read-only commands (`skus`, `export`): the run's own {@link RunSender}, so that
 * their reads share its retry policy, Retry-After pause and read pacing.
 */
export function readOnlySender(transport: GraphTransport, io: Pick<CliIO, 'signal' | 'clock' | 'random'>): RunSender {
  const clock = io.clock ?? systemClock;
  const { signal } = io;
  return new RunSender({
    transport,
    clock,
    random: io.random ?? Math.random,
    stats: createRunStats(clock.now()),
    maxRetries: READ_MAX_RETRIES,
    maxRate: undefined,
    batchSize: 1,
    concurrency: 1,
    ...(signal ? { signal } : {}),
  });
}
