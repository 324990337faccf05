import { generateTenant, startSimulator, type GenerateTenantOptions, type RunningSimulator, type SimulatorBehaviour } from '../simulator/index.js';

/**
 * Starts the built-in simulator in this process, on 127.0.0.1, over a generated tenant of `users`
 * users named as the benchmark's input files name them. Every user has a usage location, so that
 * rows succeed and a run measures the write path rather than its error path. The simulator lives
 * in the benchmark's process and the measured CLI in a child, so its memory never counts.
 */
export async function withSimulator<T>(
  tenant: { users: number } & Partial<GenerateTenantOptions>,
  behaviour: Partial<SimulatorBehaviour>,
  use: (simulator: RunningSimulator) => Promise<T>,
): Promise<T> {
  const spec = generateTenant({ ...tenant, shares: { withoutUsageLocation: 0, ...tenant.shares } });
  const simulator = await startSimulator({ tenant: spec, behaviour });
  try {
    return await use(simulator);
  } finally {
    await simulator.close();
  }
}

/** Writes the simulator accepted (not answered 429): the counter whose slope is a run's write rate. */
export function acceptedWrites(simulator: RunningSimulator): number {
  const { operations, throttled } = simulator.stats;
  return operations.assignLicense + operations.patchUser - throttled;
}

/** Write attempts the simulator received, 429s included. */
export function writeAttempts(simulator: RunningSimulator): number {
  return simulator.stats.operations.assignLicense + simulator.stats.operations.patchUser;
}
