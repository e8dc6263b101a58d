/**
 * Jinja compatibility list: where nunjucks differs from Jinja (as StackStorm configures it) and st2 content
 * notices, and what engine/expressions does about it. One row per difference handled; `why` says what
 * st2 content depends on it. The environment matches st2's `get_jinja_environment()`: trim_blocks and
 * lstrip_blocks on, autoescape off.
 *
 * Known differences NOT handled (documented so nobody is surprised):
 * - Numbers in exponent notation (`1e3`) are not literals.
 * - A tuple renders like a list (`(1, 2)` → `[1, 2]`); `%` formatting with a tuple works.
 * - strictUndefined (st2's StrictUndefined) fails only when an undefined value is output (with Jinja's
 *   messages: `'x' is undefined`, `'dict object' has no attribute 'k'`); `{% if missing %}` and
 *   `missing ~ 'x'` are quietly undefined instead of failing.
 * - `{% do %}`, `namespace()`, `loop.cycle()` are not supported.
 * - Floats that are whole numbers render as `1`, not `1.0` (JavaScript has one number type).
 * - Python string methods are a fixed list (upper, lower, strip, split, startswith, replace, format, ...).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderTemplate, renderValue } from '../../engine/expressions/index.ts';

interface Row {
  why: string;
  template: string;
  context?: Record<string, unknown>;
  expected: string;
}

const ctx = {
  list: ['a', 'b'],
  empty_list: [],
  empty_dict: {},
  dict: { k: 'v', n: null },
  flag: true,
  none: null,
  num: 3,
  text: 'Hello World',
};

const rows: Row[] = [
  // Python truthiness: st2 templates write `{% if result.extra %}` expecting [] and {} to be false.
  {
    why: 'empty list is false in if',
    template: '{% if empty_list %}yes{% else %}no{% endif %}',
    expected: 'no',
  },
  {
    why: 'empty dict is false in if',
    template: '{% if empty_dict %}yes{% else %}no{% endif %}',
    expected: 'no',
  },
  { why: 'non-empty list is true', template: '{% if list %}yes{% endif %}', expected: 'yes' },
  { why: 'not [] is true', template: '{{ not empty_list }}', expected: 'True' },
  {
    why: '`or` returns the first truthy operand (Python)',
    template: '{{ empty_list or "fallback" }}',
    expected: 'fallback',
  },
  { why: '`and` returns the falsy operand (Python)', template: '{{ empty_dict and "x" }}', expected: '{}' },
  { why: 'inline if uses truthiness', template: '{{ "y" if empty_dict else "n" }}', expected: 'n' },
  // Python str() of values: `{{ some_list }}` in a chat message or a shell command shows Python repr.
  { why: 'list renders as Python repr', template: '{{ list }}', expected: "['a', 'b']" },
  { why: 'dict renders as Python repr', template: '{{ dict }}', expected: "{'k': 'v', 'n': None}" },
  { why: 'booleans render True/False', template: '{{ flag }} {{ not flag }}', expected: 'True False' },
  {
    why: 'None renders None (undefined renders empty)',
    template: '{{ none }}|{{ missing }}',
    expected: 'None|',
  },
  {
    why: 'None/True/False literals exist',
    template: '{{ None }} {{ True }} {{ False }} {{ none is none }}',
    expected: 'None True False True',
  },
  {
    why: '~ concatenates Python str() of both sides',
    template: '{{ "x" ~ list ~ num }}',
    expected: "x['a', 'b']3",
  },
  { why: '|string is Python str()', template: '{{ list|string }}', expected: "['a', 'b']" },
  // Dict methods: Jinja templates iterate `d.items()` and read `d.keys()`.
  {
    why: '.items() on dicts',
    template: '{% for k, v in dict.items() %}{{ k }}={{ v }};{% endfor %}',
    expected: 'k=v;n=None;',
  },
  {
    why: '.keys() / .values() on dicts',
    template: '{{ dict.keys() }} {{ dict.values() }}',
    expected: "['k', 'n'] ['v', None]",
  },
  {
    why: 'd.items() calls the dict method even when d has a key "items" (with-items results do)',
    template: '{{ r.items()|length }} {{ r.items|length }}',
    context: { r: { items: [1, 2, 3] } },
    expected: '1 3',
  },
  { why: '.get() with default', template: '{{ dict.get("k") }} {{ dict.get("zz", 5) }}', expected: 'v 5' },
  {
    why: 'iterating a dict yields its keys',
    template: '{% for k in dict %}{{ k }},{% endfor %}',
    expected: 'k,n,',
  },
  {
    why: '`in` on dicts tests keys (chatops post_result: `"extra" in result`)',
    template: '{{ "k" in dict }} {{ "v" in dict }}',
    expected: 'True False',
  },
  {
    why: '`in` on lists and strings',
    template: '{{ "a" in list }} {{ "World" in text }} {{ "z" not in list }}',
    expected: 'True True True',
  },
  // Equality is Python's: no type coercion, deep for containers.
  { why: '== does not coerce types', template: '{{ "3" == num }} {{ 3 == num }}', expected: 'False True' },
  { why: '== compares lists deeply', template: '{{ list == ["a", "b"] }}', expected: 'True' },
  {
    why: 'linux pack: `{% if force == true %}` with a boolean',
    template: '{% if flag == true %}-f{% endif %}',
    expected: '-f',
  },
  // Filters with Jinja semantics.
  {
    why: '|length of list, dict, string',
    template: '{{ list|length }} {{ dict|length }} {{ text|length }}',
    expected: '2 2 11',
  },
  {
    why: '|default only for undefined',
    template: '{{ missing|default("d") }} {{ none|default("d") }}',
    expected: 'd None',
  },
  {
    why: '|default(x, true) uses truthiness',
    template: '{{ empty_list|default("d", true) }}',
    expected: 'd',
  },
  {
    why: '|join stringifies items like Python',
    template: '{{ [1, none, flag]|join(", ") }}',
    expected: '1, None, True',
  },
  {
    why: '|int of strings and floats',
    template: '{{ "42"|int + 1 }} {{ "3.9"|int }} {{ "x"|int }} {{ flag|int }}',
    expected: '43 3 0 1',
  },
  { why: '|float', template: '{{ "2.5"|float * 2 }}', expected: '5' },
  {
    why: '|lower |upper |replace',
    template: '{{ text|lower }} {{ text|upper }} {{ text|replace("o", "0") }}',
    expected: 'hello world HELLO WORLD Hell0 W0rld',
  },
  {
    why: '|tojson (sorted keys, HTML-safe)',
    template: '{{ dict|tojson }}',
    expected: '{"k": "v", "n": null}',
  },
  { why: '|to_json_string (st2)', template: '{{ dict|to_json_string }}', expected: '{"k": "v","n": null}' },
  { why: '|list of a dict is its keys', template: '{{ dict|list }}', expected: "['k', 'n']" },
  {
    why: '|map(attribute=) and |selectattr',
    template:
      '{{ [{"a": 1}, {"a": 2}]|map(attribute="a")|list }} {{ [{"a": 1}, {"a": 0}]|selectattr("a")|list }}',
    expected: "[1, 2] [{'a': 1}]",
  },
  {
    why: '|format and the % operator (Python printf)',
    template: '{{ "%s-%03d"|format("x", 7) }} {{ "%s!" % text }}',
    expected: 'x-007 Hello World!',
  },
  // Python string methods used in templates.
  {
    why: 'str methods: upper/split/startswith/strip',
    template: '{{ text.upper() }} {{ text.split(" ") }} {{ text.startswith("He") }} {{ "  x ".strip() }}',
    expected: "HELLO WORLD ['Hello', 'World'] True x",
  },
  {
    why: 'str.format',
    template: '{{ "{} and {}".format("a", 1) }} {{ "{0}{0}".format("b") }}',
    expected: 'a and 1 bb',
  },
  // + on lists concatenates (JavaScript would make a string).
  { why: 'list + list', template: '{{ list + ["c"] }}', expected: "['a', 'b', 'c']" },
  { why: 'negative indexes', template: '{{ list[-1] }}', expected: 'b' },
  {
    why: 'loop.index and friends',
    template: '{% for x in list %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}',
    expected: '1a,2b',
  },
  // Whitespace control as st2 configures Jinja (trim_blocks + lstrip_blocks) and Jinja's `+` modifier.
  {
    why: 'trim_blocks removes the newline after a block tag',
    template: '{% if flag %}\nyes\n{% endif %}\n',
    expected: 'yes\n',
  },
  {
    why: 'lstrip_blocks strips indentation before a block tag',
    template: '  {% if flag %}yes{% endif %}',
    expected: 'yes',
  },
  { why: '{%+ keeps the indentation', template: '  {%+ if flag %}yes{% endif %}', expected: '  yes' },
  { why: '+%} keeps the newline', template: '{% if flag +%}\nyes{% endif %}', expected: '\nyes' },
  { why: '{%- -%} strip around tags', template: 'a  {%- if flag -%}  b  {%- endif -%}  c', expected: 'abc' },
  // Python syntax nunjucks does not parse.
  {
    why: 'slices [a:b], [:b], [-n:], [::-1]',
    template: '{{ list[0:1] }} {{ text[:5] }} {{ list[-1:] }} {{ text[::-1] }}',
    expected: "['a'] Hello ['b'] dlroW olleH",
  },
  {
    why: 'tuples are values, not the JavaScript comma operator',
    template: '{{ "%s=%s" % ("k", num) }}',
    expected: 'k=3',
  },
  {
    why: '`}}` closing nested braces does not end the tag',
    template: '{{ {"a": {"b": num}} }}',
    expected: "{'a': {'b': 3}}",
  },
  {
    why: 'unknown string escapes keep their backslash (regex arguments)',
    template: '{{ "\\d+\\w" }}',
    expected: '\\d+\\w',
  },
  { why: '// and % follow Python (floor)', template: '{{ -7 // 2 }} {{ -7 % 3 }}', expected: '-4 2' },
  {
    why: 'loop filtering `for x in xs if cond` (loop.index counts kept items)',
    template: '{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}{{ x }}{% endfor %}',
    expected: '1223',
  },
  {
    why: '`in` an undefined value is false (Undefined iterates as empty)',
    template: '{{ "a" in missing }}',
    expected: 'False',
  },
  { why: 'autoescape is off (st2 renders shell commands)', template: '{{ "<a & b>" }}', expected: '<a & b>' },
];

describe('Jinja compatibility (nunjucks made Jinja-like)', () => {
  it.each(rows)('$why', ({ template, context, expected }) => {
    expect(renderTemplate(template, context ?? ctx)).toBe(expected);
  });

  it('renders examples/aliases/remote_shell_cmd.yaml result format like Jinja (`-%}` and `{%+ endfor %}`)', () => {
    const path = fileURLToPath(
      new URL('../../../shared/compat/st2/examples/aliases/remote_shell_cmd.yaml', import.meta.url),
    );
    const alias = parse(readFileSync(path, 'utf8'), { version: '1.1' }) as { result: { format: string } };
    const out = renderTemplate(alias.result.format, {
      execution: {
        parameters: { cmd: 'uptime' },
        result: { web1: { stdout: 'up 1d', stderr: '' }, web2: { stdout: 'up 2d', stderr: 'warn' } },
      },
    });
    expect(out).toBe(
      'Ran command *uptime* on *2* hosts.\n\nDetails are as follows:\n' +
        'Host: *web1*\n    ---> stdout: up 1d\n    ---> stderr: \n' +
        'Host: *web2*\n    ---> stdout: up 2d\n    ---> stderr: warn\n',
    );
  });

  it('renders the linux pack rm.yaml default args', () => {
    const tpl =
      '{% if verbose == true %}-v{% endif %}{% if recursive == true %} -r{% endif %}{% if force == true %} -f{% endif %}';
    expect(renderTemplate(tpl, { verbose: true, recursive: false, force: true })).toBe('-v -f');
  });

  it('renderValue keeps native types where a single expression is rendered', () => {
    expect(renderValue('{{ list }}', ctx)).toEqual(['a', 'b']);
    expect(renderValue('{{ empty_list or none }}', ctx)).toBeNull();
  });
});
