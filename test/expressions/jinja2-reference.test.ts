/**
 * Differential check against the real thing: every expected string below was produced by Jinja2 3.1.6
 * configured like StackStorm (`Environment(trim_blocks=True, lstrip_blocks=True)`) rendering the same
 * template with CONTEXT. Known differences (not in the table): floats that are whole numbers (`3.0`),
 * tuples rendering as lists, and str.format mixing `{}` with `{0}` (Python refuses, we do not).
 */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../engine/expressions/index.ts';

const CONTEXT = {
  list: ['a', 'b'],
  empty_list: [],
  empty_dict: {},
  dict: { k: 'v', n: null },
  flag: true,
  none: null,
  num: 3,
  text: 'Hello World',
  nums: [3, 1, 2],
  people: [
    { n: 'a', age: 3 },
    { n: 'b', age: 1 },
  ],
};

const JINJA2_OUTPUT: Array<[string, string]> = [
  ['{% if empty_list %}yes{% else %}no{% endif %}', 'no'],
  ['{{ not empty_list }}', 'True'],
  ['{{ empty_list or "fallback" }}', 'fallback'],
  ['{{ empty_dict and "x" }}', '{}'],
  ['{{ list }}', "['a', 'b']"],
  ['{{ dict }}', "{'k': 'v', 'n': None}"],
  ['{{ flag }} {{ not flag }}', 'True False'],
  ['{{ none }}|{{ missing }}', 'None|'],
  ['{{ None }} {{ True }} {{ False }} {{ none is none }}', 'None True False True'],
  ['{{ "x" ~ list ~ num }}', "x['a', 'b']3"],
  ['{{ list|string }}', "['a', 'b']"],
  ['{% for k, v in dict.items() %}{{ k }}={{ v }};{% endfor %}', 'k=v;n=None;'],
  ['{{ dict.keys()|list }} {{ dict.values()|list }}', "['k', 'n'] ['v', None]"],
  ['{{ dict.get("k") }} {{ dict.get("zz", 5) }}', 'v 5'],
  ['{% for k in dict %}{{ k }},{% endfor %}', 'k,n,'],
  ['{{ "k" in dict }} {{ "v" in dict }}', 'True False'],
  ['{{ "a" in list }} {{ "World" in text }} {{ "z" not in list }}', 'True True True'],
  ['{{ "3" == num }} {{ 3 == num }}', 'False True'],
  ['{{ list == ["a", "b"] }}', 'True'],
  ['{{ list|length }} {{ dict|length }} {{ text|length }}', '2 2 11'],
  ['{{ missing|default("d") }} {{ none|default("d") }}', 'd None'],
  ['{{ empty_list|default("d", true) }}', 'd'],
  ['{{ [1, none, flag]|join(", ") }}', '1, None, True'],
  ['{{ "42"|int + 1 }} {{ "3.9"|int }} {{ "x"|int }} {{ flag|int }}', '43 3 0 1'],
  ['{{ text|lower }} {{ text|upper }} {{ text|replace("o", "0") }}', 'hello world HELLO WORLD Hell0 W0rld'],
  ['{{ dict|tojson }}', '{"k": "v", "n": null}'],
  ['{{ dict|list }}', "['k', 'n']"],
  [
    '{{ [{"a": 1}, {"a": 2}]|map(attribute="a")|list }} {{ [{"a": 1}, {"a": 0}]|selectattr("a")|list }}',
    "[1, 2] [{'a': 1}]",
  ],
  ['{{ "%s-%03d"|format("x", 7) }} {{ "%s!" % text }}', 'x-007 Hello World!'],
  [
    '{{ text.upper() }} {{ text.split(" ") }} {{ text.startswith("He") }} {{ "  x ".strip() }}',
    "HELLO WORLD ['Hello', 'World'] True x",
  ],
  ['{{ list + ["c"] }}', "['a', 'b', 'c']"],
  ['{{ list[-1] }}', 'b'],
  ['{% for x in list %}{{ loop.index }}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}', '1a,2b'],
  ['{% if flag %}\nyes\n{% endif %}\n', 'yes\n'],
  ['  {% if flag %}yes{% endif %}', 'yes'],
  ['  {%+ if flag %}yes{% endif %}', '  yes'],
  ['{% if flag +%}\nyes{% endif %}', '\nyes'],
  ['a  {%- if flag -%}  b  {%- endif -%}  c', 'abc'],
  ['{{ "<a & b>" }}', '<a & b>'],
  ['{{ list[0:1] }} {{ text[:5] }} {{ list[-1:] }} {{ text[::-1] }}', "['a'] Hello ['b'] dlroW olleH"],
  ['{{ "%s=%s" % ("k", num) }}', 'k=3'],
  ['{{ {"a": {"b": num}} }}', "{'a': {'b': 3}}"],
  ['{{ "\\d+\\w" }}', '\\d+\\w'],
  ['{{ -7 // 2 }} {{ -7 % 3 }}', '-4 2'],
  ['{% for x in [1, 2, 3] if x > 1 %}{{ loop.index }}{{ x }}{% endfor %}', '1223'],
  ['{{ "a" in missing }}', 'False'],
  ['{{ nums|sort }} {{ nums|max }} {{ nums|min }} {{ nums|sum }}', '[1, 2, 3] 3 1 6'],
  ['{{ people|sort(attribute="age")|map(attribute="n")|join }}', 'ba'],
  ['{{ people|selectattr("age", "gt", 1)|map(attribute="n")|list }}', "['a']"],
  ['{{ nums|unique|list }}', '[3, 1, 2]'],
  ['{{ text|title }} {{ text|capitalize }} {{ text|wordcount }}', 'Hello World Hello world 2'],
  ['{{ 1234567|filesizeformat }} {{ 1|filesizeformat }}', '1.2 MB 1 Byte'],
  ['{{ list|first }}{{ list|last }}', 'ab'],
  ['{{ "  pad  "|trim }}|', 'pad|'],
  ['{{ dict|pprint }}', "{'k': 'v', 'n': None}"],
  ['{{ text|attr("upper") is defined }}', 'True'],
  ['{{ list|count }}', '2'],
  ['{{ 7 / 2 }} {{ 2 ** 10 }}', '3.5 1024'],
  ['{{ "abc"[1] }}', 'b'],
  ['{{ [3, 1]|reverse|list }}', '[1, 3]'],
  ['{% set x = 5 %}{{ x * 2 }}', '10'],
  ['{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, b=3) }}', '1-2 1-3'],
  ['{{ "a,b".split(",")|join("|") }}', 'a|b'],
  ['{{ range(3)|list }}', '[0, 1, 2]'],
  ['{{ people[0].n }} {{ people[1]["age"] }}', 'a 1'],
  [
    '{{ num is number }} {{ text is string }} {{ list is sequence }} {{ dict is mapping }} {{ none is none }} {{ missing is defined }}',
    'True True True True True False',
  ],
  [
    '{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}',
    '121122',
  ],
  ['{{ list|join(",") if list else "none" }}', 'a,b'],
  ['{{ text|truncate(5) }}', 'He...'],
  ['{{ "%.2f"|format(3.14159) }}', '3.14'],
  ['{{ [1, 2] == [1, 2] and {"a": 1} == {"a": 1} }}', 'True'],
  ['{{ "x" * 3 }}', 'xxx'],
  ['{{ none|string }}', 'None'],
  ['{{ flag|string|lower }}', 'true'],
];

describe('renders like Jinja2 (st2 configuration)', () => {
  it.each(JINJA2_OUTPUT)('%s', (template, expected) => {
    expect(renderTemplate(template, CONTEXT)).toBe(expected);
  });
});
