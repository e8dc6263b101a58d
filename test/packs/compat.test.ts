import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedPack, PackProblem } from '../../engine/model/pack.ts';
import { tryLoadPack } from '../../engine/packs/load-pack.ts';
import { Registry } from '../../engine/packs/registry.ts';

const COMPAT = join(import.meta.dirname, '../../../shared/compat/st2');

/**
 * The only warnings st2's own packs may produce, each for content that cannot run in Squall:
 * st2 runners Squall lacks, Python entry points the corpus does not include, Python sensors.
 */
const EXPECTED_WARNINGS: Record<string, Array<[string, string]>> = {
  core: [
    ['actions/winrm_cmd.yaml', 'runner "winrm-cmd" is not available in Squall'],
    ['actions/winrm_ps_cmd.yaml', 'runner "winrm-ps-cmd" is not available in Squall'],
  ],
  examples: [
    ['actions/remote-fibonacci.yaml', 'entry_point "pythonactions/fibonacci.py" not found'],
    ['actions/ubuntu_pkg_info.yaml', 'entry_point "ubuntu_pkg_info/ubuntu_pkg_info.py" not found'],
    ['sensors/echo_flask_app.yaml', 'Python sensor "echo_flask_app.py" is not run by Squall'],
    ['sensors/fibonacci_sensor.yaml', 'Python sensor "fibonacci_sensor.py" is not run by Squall'],
    ['sensors/sample_polling_sensor.yaml', 'Python sensor "sample_polling_sensor.py" is not run by Squall'],
    ['sensors/sample_sensor.yaml', 'Python sensor "sample_sensor.py" is not run by Squall'],
  ],
  linux: [
    ['actions/check_loadavg.yaml', 'entry_point "checks/check_loadavg.py" not found'],
    ['actions/check_processes.yaml', 'entry_point "checks/check_processes.py" not found'],
    ['actions/service.yaml', 'entry_point "service.py" not found'],
    ['sensors/file_watch_sensor.yaml', 'Python sensor "file_watch_sensor.py" is not run by Squall'],
  ],
  chatops: [],
  hello_st2: [['sensors/sensor1.yaml', 'Python sensor "sensor1.py" is not run by Squall']],
};

function load(name: string): { pack: LoadedPack; problems: PackProblem[] } {
  const result = tryLoadPack(join(COMPAT, name));
  expect(result.pack, `pack ${name} should load`).toBeDefined();
  return { pack: result.pack!, problems: result.problems };
}

describe('st2 compat packs load unchanged', () => {
  for (const [name, expected] of Object.entries(EXPECTED_WARNINGS)) {
    it(`${name}: no errors, only the listed warnings`, () => {
      const { pack, problems } = load(name);
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      const warnings = problems.map((p) => [relative(pack.path, p.file), p.message]);
      expect(warnings).toHaveLength(expected.length);
      for (const [file, fragment] of expected) {
        expect(warnings).toContainEqual([file, expect.stringContaining(fragment)]);
      }
    });
  }

  it('core: every action registered with resolved refs and parameters as written', () => {
    const { pack } = load('core');
    expect(pack.metadata).toMatchObject({ ref: 'core', name: 'core', version: '1.0.1' });
    expect(pack.actions.map((a) => a.ref).sort()).toEqual([
      'core.announcement',
      'core.ask',
      'core.echo',
      'core.error',
      'core.http',
      'core.local',
      'core.local_sudo',
      'core.noop',
      'core.remote',
      'core.remote_sudo',
      'core.sendmail',
      'core.winrm_cmd',
      'core.winrm_ps_cmd',
    ]);
    const sendmail = pack.actions.find((a) => a.name === 'sendmail')!;
    expect(sendmail.entry_point_path).toBe(join(COMPAT, 'core/actions/send_mail/send_mail'));
    // PyYAML semantics: `None` is a string, `True` a boolean.
    expect(sendmail.parameters.sendmail_binary!.default).toBe('None');
    expect(sendmail.parameters.send_empty_body!.default).toBe(true);
    const echo = pack.actions.find((a) => a.name === 'echo')!;
    expect(echo).toMatchObject({ runner_type: 'local-shell-cmd', enabled: true, pack: 'core' });
    expect(echo.entry_point).toBeUndefined();
    expect(echo.parameters.cmd).toMatchObject({ default: 'echo "{{message}}"', immutable: true });
    const winrm = pack.actions.find((a) => a.name === 'winrm_cmd')!;
    expect(winrm.load_errors).toEqual(['runner winrm-cmd is not available in Squall']);
  });

  it('examples: workflows resolve under actions/, sensors define trigger types, config schema loads', () => {
    const { pack } = load('examples');
    expect(pack.actions).toHaveLength(78);
    const wf = pack.actions.find((a) => a.ref === 'examples.orquesta-streaming-demo')!;
    expect(wf.entry_point_path).toBe(join(COMPAT, 'examples/actions/workflows/orquesta-streaming-demo.yaml'));
    expect(wf.load_errors).toBeUndefined();
    expect(pack.triggerTypes.map((t) => t.ref).sort()).toEqual([
      'examples.echoflasksensor',
      'examples.event',
      'examples.fibonacci',
      'examples.polling_event',
      'examples.sample_trigger',
    ]);
    expect(pack.sensors.find((s) => s.class_name === 'FibonacciSensor')).toMatchObject({
      ref: 'examples.FibonacciSensor',
      poll_interval: 20,
      enabled: true,
    });
    expect(pack.configSchema).toMatchObject({ region: { default: 'us-east-1', required: true } });
    const alias = pack.aliases[0]!;
    expect(alias).toMatchObject({
      ref: 'examples.remote_shell_cmd',
      pack: 'examples',
      action_ref: 'core.remote',
    });
    expect(alias.formats).toEqual(['run {{cmd}} on {{hosts}}']);
    const timer = pack.rules.find((r) => r.name === 'sample_rule_with_timer')!;
    expect(timer).toMatchObject({
      enabled: false,
      trigger: { type: 'core.st2.IntervalTimer', parameters: { delta: 5, unit: 'seconds' } },
      criteria: {},
    });
    const inquiry = pack.rules.find((r) => r.name === 'notify_inquiry')!;
    expect(inquiry.trigger.parameters).toEqual({});
    expect(inquiry.criteria).toEqual({});
  });

  it('hello_st2: ref field wins over a display name; policies load', () => {
    const { pack } = load('hello_st2');
    expect(pack.metadata).toMatchObject({
      ref: 'hello_st2',
      name: 'Hello StackStorm',
      dependencies: ['core'],
    });
    expect(pack.policies.map((p) => [p.ref, p.policy_type, p.resource_ref])).toEqual([
      ['hello_st2.greet.concurrency', 'action.concurrency', 'hello_st2.greet'],
      ['hello_st2.http.retry', 'action.retry', 'core.http'],
    ]);
    expect(pack.rules[0]).toMatchObject({
      ref: 'hello_st2.on_hello_event1',
      trigger: { type: 'hello_st2.event1' },
    });
  });

  it('chatops: rule ref comes from the name field, not the file name', () => {
    const { pack } = load('chatops');
    expect(pack.rules.map((r) => r.ref).sort()).toEqual(['chatops.notify', 'chatops.notify-errbot']);
    expect(pack.actions.find((a) => a.name === 'post_result')!.entry_point_path).toBe(
      join(COMPAT, 'chatops/actions/workflows/post_result.yaml'),
    );
  });

  it('all five together: cross-pack references resolve; only unknown slack actions are flagged', () => {
    const packs = ['core', 'examples', 'linux', 'chatops', 'hello_st2'].map((n) => load(n).pack);
    const registry = new Registry(packs);
    expect(registry.hasErrors()).toBe(false);
    // examples.sample_rule_file_watch uses linux's sensor trigger type with its required file_path.
    expect(registry.getTriggerType('linux.file_watch.line')).toBeDefined();
    expect(registry.getRule('examples.sample_rule_file_watch')).toBeDefined();
    const crossPack = registry.problems.filter((p) => p.path === '/action/ref' || p.path === '/trigger/type');
    expect(crossPack.map((p) => [relative(COMPAT, p.file), p.message])).toEqual([
      ['examples/rules/notify_inquiry.yaml', expect.stringContaining('"slack.post_message" is not loaded')],
      ['examples/rules/notify_slack.yaml', expect.stringContaining('"slack.post_message" is not loaded')],
    ]);
    expect(registry.actions.size).toBe(112);
  });
});
