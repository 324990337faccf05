import { runSimulateCommand } from '../simulator/index.js';
import type { CliIO } from './io.js';
import type { SimulateOptions } from './options.js';

/** `license-batch simulate`: serves the simulator until Ctrl-C. */
export async function simulateCommand(options: SimulateOptions, io: CliIO): Promise<number> {
  const simulator = await runSimulateCommand(
    { port: options.port, ...(options.tenant !== undefined ? { tenantPath: options.tenant } : {}) },
    (line) => io.stderr.write(`${line}\n`),
  );
  io.stderr.write('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await simulator.close();
  return 0;
}
