// `{# comment #}` makes a template too: rendering removes it.
const JINJA = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}|\{#[\s\S]*?#\}/;
const YAQL = /<%[\s\S]*?%>/;

export function hasJinja(text: string): boolean {
  return JINJA.test(text);
}

export function hasYaql(text: string): boolean {
  return YAQL.test(text);
}

export function isExpression(text: unknown): text is string {
  return typeof text === 'string' && (hasJinja(text) || hasYaql(text));
}
