import { existsSync, type FSWatcher, watch } from 'node:fs';
import type { Engine } from '../engine.ts';

export interface PackWatcher {
  close(): void;
}

/**
 * `squall start --watch`: reloads packs (actions, rules, aliases, sensors) when files change under `paths`,
 * debounced so an editor's save burst is one reload. Missing paths are skipped.
 */
export function watchPacks(
  engine: Pick<Engine, 'reloadPacks' | 'logger'>,
  paths: readonly string[],
  options: { debounceMs?: number; onReload?: (packs: string[]) => void } = {},
): PackWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const reload = async () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      try {
        const result = await engine.reloadPacks();
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        engine.logger.info({ packs: result.packs.length, errors }, 'packs reloaded (file change)');
        options.onReload?.(result.packs);
      } catch (err) {
        engine.logger.error({ err }, 'pack reload after a file change failed');
      }
    })();
    await running;
    running = undefined;
    if (again) {
      again = false;
      await reload();
    }
  };
  for (const path of paths) {
    if (!existsSync(path)) continue;
    try {
      const watcher = watch(path, { recursive: true }, (_event, file) => {
        // Git internals and editor swap files are not content.
        if (file && /(^|\/)(\.git|node_modules)(\/|$)|\.swp$|~$/.test(String(file))) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
      watcher.on('error', (err) => engine.logger.warn({ err, path }, 'pack watcher error'));
      watchers.push(watcher);
    } catch (err) {
      engine.logger.warn({ err, path }, 'cannot watch pack path');
    }
  }
  engine.logger.info({ paths: paths.filter((p) => existsSync(p)) }, 'watching pack paths for changes');
  return {
    close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
