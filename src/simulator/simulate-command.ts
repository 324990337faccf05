import { loadTenantFile } from './load-tenant.js';
import { generateSampleTenant } from './sample-tenant.js';
import { startSimulator, type RunningSimulator } from './server.js';

/**
 * What `license-batch simulate` does: starts the simulator on 127.0.0.1 over the tenant file
 * (default: the generated sample tenant, as in samples/tenant.json) and says where it listens.
 * The caller keeps it running and closes it.
 */
export async function runSimulateCommand(
  options: { readonly port: number; readonly tenantPath?: string },
  print: (line: string) => void,
): Promise<RunningSimulator> {
  const tenant = options.tenantPath === undefined ? generateSampleTenant() : await loadTenantFile(options.tenantPath);
  const simulator = await startSimulator({ tenant, port: options.port });
  print(
    `license-batch simulator (NOT Microsoft Graph) listening on ${simulator.url} — Graph root ${simulator.url}/v1.0, ` +
      `${tenant.users.length} users, ${tenant.skus.length} SKUs`,
  );
  print(`Token endpoint ${simulator.url}/${tenant.tenantId}/oauth2/v2.0/token (tenant ${tenant.tenantId})`);
  if (tenant.auth === undefined) print('No auth section in the tenant: any bearer token is accepted, with every permission.');
  return simulator;
}
