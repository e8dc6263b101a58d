import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parameterSpecSchema } from './parameter-schema.ts';

/** One schema violation: where (JSON pointer into the document) and what was expected. */
export interface SchemaIssue {
  path: string;
  message: string;
}

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function getAjv(): Ajv {
  if (!ajv) {
    // strict: false because schemas carry an `x-expected` annotation used for messages.
    ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(parameterSpecSchema);
  }
  return ajv;
}

/** Validates `data` against one of the pack content schemas; returns readable issues (empty when valid). */
export function validateWithSchema(schema: object, data: unknown): SchemaIssue[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = getAjv().compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(data)) return [];
  return formatErrors(validate.errors ?? []);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function typeName(t: string): string {
  return t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t;
}

function expectedOf(schema: unknown): string | undefined {
  if (schema && typeof schema === 'object' && 'x-expected' in schema) {
    return String((schema as Record<string, unknown>)['x-expected']);
  }
  return undefined;
}

function messageFor(e: ErrorObject): { path: string; message: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        path: `${e.instancePath}/${String(p.missingProperty)}`,
        message: `missing required field "${String(p.missingProperty)}"`,
      };
    case 'additionalProperties': {
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const known = props ? `; expected one of: ${Object.keys(props).join(', ')}` : '';
      return {
        path: `${e.instancePath}/${String(p.additionalProperty)}`,
        message: `unknown field "${String(p.additionalProperty)}"${known}`,
      };
    }
    case 'type': {
      const types = String(p.type).split(',').map(typeName).join(' or ');
      return { path: e.instancePath, message: `expected ${types}, got ${describe(e.data)}` };
    }
    case 'enum':
      return {
        path: e.instancePath,
        message: `expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(e.data)}`,
      };
    case 'pattern':
      return {
        path: e.instancePath,
        message: `expected a value matching ${String(p.pattern)}, got ${describe(e.data)}`,
      };
    case 'anyOf':
    case 'oneOf':
      return {
        path: e.instancePath,
        message: `expected ${expectedOf(e.parentSchema) ?? 'a valid value'}, got ${describe(e.data)}`,
      };
    case 'minLength':
      return {
        path: e.instancePath,
        message: p.limit === 1 ? 'expected a non-empty string' : `expected ${e.message}`,
      };
    default:
      return {
        path: e.instancePath,
        message: `expected a value that ${e.message ?? 'is valid'}, got ${describe(e.data)}`,
      };
  }
}

/** Turns ajv's raw errors into one issue per place; anyOf branches collapse into the anyOf's own message. */
export function formatErrors(errors: ErrorObject[]): SchemaIssue[] {
  const anyOfPaths = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => ({ schemaPath: e.schemaPath, instancePath: e.instancePath }));
  const kept = errors.filter((e) => {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      // A nested anyOf inside another anyOf's branch is noise as well.
      return !anyOfPaths.some(
        (a) =>
          a.schemaPath !== e.schemaPath &&
          e.schemaPath.startsWith(`${a.schemaPath}/`) &&
          e.instancePath.startsWith(a.instancePath),
      );
    }
    return !anyOfPaths.some(
      (a) => e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath),
    );
  });
  const seen = new Set<string>();
  const out: SchemaIssue[] = [];
  for (const e of kept) {
    const issue = messageFor(e);
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
