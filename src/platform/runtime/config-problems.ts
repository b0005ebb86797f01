import type { TObject } from 'typebox';
import Value from 'typebox/value';

/**
 * What a setting's schema may say beyond JSON Schema, for the one line that explains a wrong value: `form` is the
 * expected form of a value a pattern checks (a regular expression says nothing to whoever set it), `secret` keeps
 * the value out of the message (it would land in a terminal, a CI log, a pod's events).
 */
interface SettingSchema {
  description?: string;
  form?: string;
  secret?: boolean;
  type?: string;
  anyOf?: { const?: unknown }[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
}

/**
 * One line per setting at fault, in the schema's order: its name, what it must be, and what it was (unless secret).
 * Each setting is checked on its own: the schema's error list is capped, and one setting gives it several errors.
 */
export function describeProblems(schema: TObject, raw: Record<string, unknown>, converted: Record<string, unknown>): string[] {
  const required = new Set<string>(schema.required ?? []);
  return Object.entries(schema.properties).flatMap(([key, property]) => {
    const setting = property as SettingSchema;
    if (converted[key] === undefined) {
      return required.has(key) ? [`${key}: is required (not set)${setting.description ? ` — ${setting.description}` : ''}`] : [];
    }
    if (Value.Check(property, converted[key])) return [];
    const got = setting.secret || !(key in raw) ? '' : ` (got ${JSON.stringify(withoutPasswords(String(raw[key])))})`;
    return [`${key}: must be ${expectedOf(setting)}${got}`];
  });
}

/** The allowed values of a setting, in words: the literals of a union, the bounds of a number or a length, the form of a pattern. */
function expectedOf(setting: SettingSchema): string {
  if (setting.anyOf?.every((option) => option.const !== undefined)) return `one of ${setting.anyOf.map((option) => option.const).join(', ')}`;
  if (setting.form) return setting.form;
  if (setting.type === 'integer') return `an integer from ${setting.minimum ?? '-∞'} to ${setting.maximum ?? '∞'}`;
  if (setting.format === 'email') return 'an email address, e.g. ops@example.com';
  if (setting.minLength !== undefined && setting.maxLength !== undefined) return `${setting.minLength} to ${setting.maxLength} characters long`;
  if (setting.minLength !== undefined) return `at least ${setting.minLength} characters long`;
  return setting.description ?? 'a valid value';
}

/** URLs may carry a password (postgres://user:password@host): shown as *** in any message. */
export function withoutPasswords(value: string): string {
  return value.replace(/(\/\/[^/:@\s,]*):[^@\s,]*@/g, '$1:***@');
}
