/** st2's pack ref rule (PACK_REF_WHITELIST_REGEX). */
export const PACK_REF_PATTERN = '^[a-z0-9_]+$';
/** Semver, as st2's PACK_VERSION_REGEX. */
export const PACK_VERSION_PATTERN =
  '^(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)\\.(?:0|[1-9]\\d*)(?:-[\\da-zA-Z-]+(?:\\.[\\da-zA-Z-]+)*)?(?:\\+[\\da-zA-Z-]+(?:\\.[\\da-zA-Z-]+)*)?$';

/** st2's PackAPI (st2common/models/api/pack.py). */
export const packSchema = {
  type: 'object',
  'x-expected': 'a pack.yaml mapping',
  properties: {
    id: { type: 'string' },
    uid: { type: 'string' },
    ref: { type: 'string', pattern: PACK_REF_PATTERN },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    keywords: { type: 'array', items: { type: 'string' } },
    version: { type: 'string', pattern: PACK_VERSION_PATTERN },
    stackstorm_version: { type: 'string' },
    python_versions: {
      type: 'array',
      items: { enum: ['2', '3'] },
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
    },
    author: { type: 'string' },
    email: { type: 'string' },
    contributors: { type: 'array', items: { type: 'string' } },
    files: { type: 'array', items: { type: 'string' } },
    dependencies: { type: 'array', items: { type: 'string' } },
    system: { type: 'object' },
    path: { type: 'string' },
  },
  required: ['name', 'description', 'version', 'author'],
  additionalProperties: false,
} as const;
