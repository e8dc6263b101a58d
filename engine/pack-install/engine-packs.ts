import path from 'node:path';
import type { EngineConfig } from '../config/engine-config.ts';
import type { Datastore, KvPrincipal } from '../datastore/datastore.ts';
import type { PackReloadResult } from '../engine.ts';
import type { Logger } from '../log/logger.ts';
import type { LoadedPack } from '../model/pack.ts';
import type { SensorDefinition } from '../model/sensor.ts';
import { createEngineSensorHost, type SensorsConfig } from '../sensors/engine-sensors.ts';
import type { SensorHost, SensorStatus } from '../sensors/sensor-host.ts';
import { PackInstaller } from './pack-installer.ts';
import { PacksRunner } from './packs-runner.ts';

export interface PackLifecycle {
  installer: PackInstaller;
  runner: PacksRunner;
  /** Starts, stops or restarts sensors to match the registry (server role only; no-op elsewhere). */
  updateSensors(): Promise<void>;
  stopSensors(): Promise<void>;
  sensorStatus(): SensorStatus[];
}

/** Everything the engine facade needs for pack install/remove and sensors, built in one place. */
export function createPackLifecycle(deps: {
  config: EngineConfig & { sensors?: SensorsConfig };
  logger: Logger;
  role: 'server' | 'cli';
  datastore: Datastore;
  principal: KvPrincipal;
  packs: () => LoadedPack[];
  sensors: () => SensorDefinition[];
  reload: () => Promise<PackReloadResult>;
  dispatch: (trigger: string, payload: Record<string, unknown>) => void;
  /** Who may run packs.install/uninstall/register: admins and `system` (rules, sensors). Default: anyone. */
  isAdmin?: (user: string) => boolean;
}): PackLifecycle {
  const installer = new PackInstaller({
    packsDir: path.join(deps.config.dataDir, 'packs'),
    datastore: deps.datastore,
    principal: deps.principal,
    logger: deps.logger,
    installed: deps.packs,
    reload: deps.reload,
  });
  const runner = new PacksRunner({
    installer: () => installer,
    reload: deps.reload,
    mayManage: (user) => !deps.isAdmin || user === 'system' || (user !== undefined && deps.isAdmin(user)),
  });
  let host: SensorHost | undefined;
  let stopped = false;
  return {
    installer,
    runner,
    async updateSensors() {
      if (deps.role !== 'server' || stopped) return;
      host ??= createEngineSensorHost(deps);
      await host.update(deps.sensors());
    },
    async stopSensors() {
      stopped = true;
      await host?.stop();
    },
    sensorStatus() {
      const live = new Map((host?.status() ?? []).map((s) => [s.ref, s]));
      return deps.sensors().map(
        (def) =>
          live.get(def.ref) ?? {
            ref: def.ref,
            pack: def.pack,
            class_name: def.class_name,
            ...(def.entry_point ? { entry_point: def.entry_point } : {}),
            ...(def.poll_interval ? { poll_interval: def.poll_interval } : {}),
            trigger_types: def.trigger_types.map((t) => t.ref),
            state: def.enabled ? 'stopped' : 'disabled',
            restarts: 0,
          },
      );
    },
  };
}
