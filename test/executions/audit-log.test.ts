import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, verifyAuditLog } from '../../engine/audit/audit-log.ts';

describe('AuditLog', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'squall-audit-'));
    path = join(dir, 'audit.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(n: number, log = new AuditLog({ path, sync: true })): AuditLog {
    for (let i = 0; i < n; i++)
      log.record({ kind: 'execution.status', actor: 'stanley', execution_id: `e${i}`, n: i });
    return log;
  }

  it('writes JSON lines with ts, kind, actor and a verifiable hash chain', () => {
    write(5).close();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({ kind: 'execution.status', actor: 'stanley', execution_id: 'e0' });
    expect(lines[1].prev).toBe(lines[0].hash);
    expect(verifyAuditLog(path)).toEqual({ ok: true, lines: 5, errors: [] });
  });

  it('keeps the chain verifiable for entries with index-like keys, their own ts/prev/hash, or nested secrets', () => {
    const log = new AuditLog({ path, sync: true });
    log.record({
      kind: 'x',
      actor: 'a',
      7: 'index-like key sorts first',
      nested: { list: [1, { token: 't' }] },
    });
    log.record({ kind: 'x', actor: 'a', ts: 'caller ts', prev: 'forged', hash: 'forged' } as never);
    log.record({ kind: 'x', actor: 'a', log: [{ status: 'running', timestamp: 'now' }] });
    log.close();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].nested).toEqual({ list: [1, { token: '********' }] });
    expect(lines[1].prev).toBe(lines[0].hash);
    expect(lines[1].ts).not.toBe('caller ts');
    expect(verifyAuditLog(path)).toEqual({ ok: true, lines: 3, errors: [] });
  });

  it('detects a tampered line', () => {
    write(5).close();
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"actor":"stanley"', '"actor":"mallory"');
    writeFileSync(path, lines.join('\n'));
    const result = verifyAuditLog(path);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/audit\.log:3: hash does not match/);
  });

  it('detects an edited line whose hash the attacker recomputed (the next link breaks)', () => {
    write(5).close();
    const lines = readFileSync(path, 'utf8').split('\n');
    const { hash: _old, ...body } = JSON.parse(lines[2]!);
    body.actor = 'mallory';
    const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    lines[2] = JSON.stringify({ ...body, hash });
    writeFileSync(path, lines.join('\n'));
    const result = verifyAuditLog(path);
    expect(result.errors).toEqual([expect.stringMatching(/audit\.log:4: prev does not match/)]);
  });

  it('detects a deleted line', () => {
    write(5).close();
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(2, 1);
    writeFileSync(path, lines.join('\n'));
    const result = verifyAuditLog(path);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/audit\.log:3: prev does not match/);
  });

  it('masks secret-looking fields and registered secret values', () => {
    const log = new AuditLog({ path, sync: true, secrets: () => ['canary-123'] });
    log.record({
      kind: 'chat.command',
      actor: 'u',
      text: 'deploy --token canary-123',
      password: 'pw',
      nested: { api_key: 'k' },
    });
    log.close();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('canary-123');
    expect(text).not.toContain('"pw"');
    expect(JSON.parse(text)).toMatchObject({ password: '********', nested: { api_key: '********' } });
    expect(verifyAuditLog(path).ok).toBe(true);
  });

  it('continues the chain after a restart and across size-based rotation, keeping N files', () => {
    write(3).close();
    const log = new AuditLog({ path, sync: true, maxBytes: 600, keep: 2 });
    write(20, log).close();
    expect(existsSync(`${path}.1`)).toBe(true);
    expect(existsSync(`${path}.2`)).toBe(true);
    expect(existsSync(`${path}.3`)).toBe(false);
    for (const f of [path, `${path}.1`]) expect(readFileSync(f).length).toBeLessThanOrEqual(600);
    const result = verifyAuditLog(path);
    expect(result.errors).toEqual([]);
    expect(result.lines).toBeGreaterThan(0);
  });

  it('buffers until the next tick when not sync, and flushes on close', async () => {
    const log = new AuditLog({ path });
    log.record({ kind: 'x', actor: 'a' });
    expect(existsSync(path)).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    log.record({ kind: 'x', actor: 'a' });
    log.close();
    expect(verifyAuditLog(path)).toMatchObject({ ok: true, lines: 2 });
  });
});
