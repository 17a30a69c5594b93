/**
 * openStore: the store a server or the library uses. NARSOLVE_STORE=redis://… is the shared store
 * every replica sees; otherwise the embedded store in the data folder.
 */
import type { GraphStore, StoreHealth } from './types';

export async function openStore(options: { store?: string; dataDir: string; onHealth?: (health: StoreHealth) => void }): Promise<GraphStore> {
  if (options.store !== undefined) {
    const { RedisStore } = await import('./redis');
    return new RedisStore(options.store, { onHealth: options.onHealth });
  }
  const { EmbeddedStore } = await import('./embedded');
  try {
    return new EmbeddedStore(options.dataDir);
  } catch (error) {
    throw new Error(`config: NARSOLVE_DATA_DIR=${JSON.stringify(options.dataDir)} cannot hold the graph store (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
