import type { ParameterSchema } from '../../model/parameters.ts';

/**
 * st2 content writes JSON schemas draft-3 style (`required: true` on a property, `secret`, `position`,
 * the `raw_string` type). This turns such a schema into a draft-07 one ajv understands, without mutating it.
 */
export function toJsonSchema(schema: unknown): Record<string, unknown> {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return {};
  const src = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === 'secret' || key === 'immutable' || key === 'position') continue;
    if (key === 'required' && !Array.isArray(value)) continue;
    if (key === 'type') {
      out.type = Array.isArray(value) ? value.map(mapType) : mapType(value);
    } else if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      const props: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries((value as Record<string, unknown>) ?? {}))
        props[name] = toJsonSchema(sub);
      out[key] = props;
    } else if (key === 'items') {
      out.items = Array.isArray(value) ? value.map(toJsonSchema) : toJsonSchema(value);
    } else if (
      (key === 'additionalProperties' || key === 'additionalItems' || key === 'not') &&
      value &&
      typeof value === 'object'
    ) {
      out[key] = toJsonSchema(value);
    } else if ((key === 'anyOf' || key === 'allOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map(toJsonSchema);
    } else {
      out[key] = value;
    }
  }
  const props = src.properties as Record<string, Record<string, unknown>> | undefined;
  if (props && typeof props === 'object') {
    const required = Object.entries(props)
      .filter(([, spec]) => spec && typeof spec === 'object' && spec.required === true)
      .map(([name]) => name);
    const existing = Array.isArray(src.required) ? (src.required as string[]) : [];
    const all = [...new Set([...existing, ...required])];
    if (all.length > 0) out.required = all;
  }
  return out;
}

function mapType(t: unknown): unknown {
  return t === 'raw_string' ? 'string' : t;
}

/** An action's `parameters` mapping as one object schema (required, types, enums...). */
export function parametersToObjectSchema(
  parameters: ParameterSchema,
  options: { additionalProperties?: boolean } = {},
): Record<string, unknown> {
  return toJsonSchema({
    type: 'object',
    properties: parameters,
    additionalProperties: options.additionalProperties ?? true,
  });
}
