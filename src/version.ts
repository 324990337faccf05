import { createRequire } from 'node:module';

/** This package's version, from package.json one folder above both `src/` and `dist/`. */
export function packageVersion(): string {
  try {
    const pkg = createRequire(import.meta.url)('../package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
