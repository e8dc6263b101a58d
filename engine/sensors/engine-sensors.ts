import type { EngineConfig } from '../config/engine-config.ts';
import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import type { Logger } from '../log/logger.ts';
import type { LoadedPack } from '../model/pack.ts';
import { loadPackConfig, resolvePackConfig } from '../pack-configs/pack-configs.ts';
import { SensorHost, type SensorHostTimings } from './sensor-host.ts';

/** Sensor settings (config `sensors.*`; optional until the config table has them). */
export interface SensorsConfig {
  heartbeatSeconds?: number;
  heartbeatTimeoutSeconds?: number;
  setupTimeoutSeconds?: number;
  pollTimeoutSeconds?: number;
  cleanupTimeoutSeconds?: number;
  backoffInitialSeconds?: number;
  backoffMaxSeconds?: number;
  maxRestarts?: number;
}

export function sensorTimings(config: SensorsConfig | undefined): Partial<SensorHostTimings> {
  if (!config) return {};
  const ms = (s: number | undefined) => (typeof s === 'number' ? s * 1000 : undefined);
  const out: Partial<SensorHostTimings> = {
    heartbeatMs: ms(config.heartbeatSeconds),
    heartbeatTimeoutMs: ms(config.heartbeatTimeoutSeconds),
    setupTimeoutMs: ms(config.setupTimeoutSeconds),
    pollTimeoutMs: ms(config.pollTimeoutSeconds),
    cleanupTimeoutMs: ms(config.cleanupTimeoutSeconds),
    backoffInitialMs: ms(config.backoffInitialSeconds),
    backoffMaxMs: ms(config.backoffMaxSeconds),
    maxRestarts: config.maxRestarts,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * The engine's sensor host: sensors dispatch through `dispatch`, keep state in the system-scope datastore, and
 * get their pack's config resolved as the system user.
 */
export function createEngineSensorHost(deps: {
  config: EngineConfig & { sensors?: SensorsConfig };
  logger: Logger;
  datastore: Datastore;
  principal: KvPrincipal;
  packs: () => LoadedPack[];
  dispatch: (trigger: string, payload: Record<string, unknown>) => void;
  timings?: Partial<SensorHostTimings>;
}): SensorHost {
  const { datastore, principal } = deps;
  return new SensorHost({
    logger: deps.logger.child({ component: 'sensors' }),
    dispatch: (trigger, payload) => deps.dispatch(trigger, payload),
    async packConfig(pack) {
      const schema = deps.packs().find((p) => p.metadata.ref === pack)?.configSchema;
      const loaded = loadPackConfig({ pack, configDir: deps.config.packs.configDir, schema });
      return resolvePackConfig(loaded.config, datastore, principal, { schema, file: loaded.path });
    },
    datastore: {
      get: async (key, opts) => (await datastore.get(principal, key, { decrypt: opts.decrypt }))?.value,
      set: async (key, value, opts) => {
        await datastore.set(principal, key, value, { encrypt: opts.encrypt, ttl: opts.ttl });
      },
      delete: (key) => datastore.delete(principal, key),
      list: async (prefix) =>
        (await datastore.list(principal, { prefix })).map((i) => ({ name: i.name, value: i.value })),
    },
    timings: { ...sensorTimings(deps.config.sensors), ...deps.timings },
  });
}
