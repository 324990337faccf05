/**
 * The built-in Graph simulator (SPEC §6): a Graph-compatible HTTP server on loopback over a tenant
 * described in JSON, with Graph's licensing rules, throttling, latency and injected faults.
 */
export { startSimulator, type RunningSimulator, type SimulatorOptions } from './server.js';
export { DEFAULT_BEHAVIOUR, type SimulatorBehaviour } from './behaviour.js';
export type { SimulatorStats } from './stats.js';
export type { LicenseAssignmentState, SubscribedSku, UserSnapshot } from './tenant.js';
export {
  validateTenantSpec,
  type AppliesTo,
  type AssignmentError,
  type AssignmentState,
  type AuthSpec,
  type CapabilityStatus,
  type GroupLicenseSpec,
  type LicenseSpec,
  type ServicePlanSpec,
  type SkuSpec,
  type TenantSpec,
  type UserSpec,
} from './tenant-spec.js';
export { loadTenantFile } from './load-tenant.js';
export { runSimulateCommand } from './simulate-command.js';
export { generateSampleTenant, generateTenant, SAMPLE_SKUS, SAMPLE_TENANT_OPTIONS, type GenerateTenantOptions } from './sample-tenant.js';
