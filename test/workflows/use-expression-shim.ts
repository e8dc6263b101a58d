/** TEST-ONLY: falls back to the shim while engine/expressions cannot be imported. */
import { vi } from 'vitest';

vi.mock('../../engine/expressions/index.ts', async (importOriginal) => {
  try {
    return await importOriginal();
  } catch {
    return await import('./expression-shim.ts');
  }
});
