/**
 * A deliberately tiny text-template renderer for the files in templates/ (systemd unit, maintainer
 * scripts, ...). Syntax: `{{name}}` inserts a value; `{{#name}}…{{/name}}` keeps the block when the
 * value is truthy, `{{^name}}…{{/name}}` when it is falsy. Values are inserted verbatim: callers
 * validate or escape them for the target syntax (shell, XML, env file) before rendering.
 * An unknown `{{name}}` is an error, so a typo in a template can never ship silently.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { InternalError } from './errors.js';

export type TemplateValues = Readonly<Record<string, string | number | boolean | undefined>>;

/** templates/ sits at the package root, two levels above both src/core and dist/core. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const SECTION = /\{\{([#^])([A-Za-z0-9_]+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const VARIABLE = /\{\{([A-Za-z0-9_]+)\}\}/g;

export function renderTemplate(text: string, values: TemplateValues): string {
  let out = text;
  // Sections may nest when their names differ: resolve innermost-first until none is left.
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(SECTION, (_m, kind: string, name: string, body: string) => {
      if (!(name in values)) {
        throw new InternalError('E_TEMPLATE', `template section {{${kind}${name}}} has no value`);
      }
      const on = Boolean(values[name]);
      return (kind === '#') === on ? body : '';
    });
  }
  return out.replace(VARIABLE, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) {
      throw new InternalError('E_TEMPLATE', `template variable {{${name}}} has no value`);
    }
    return String(v);
  });
}

const cache = new Map<string, string>();

/** Renders `templates/<relPath>`. */
export function renderTemplateFile(relPath: string, values: TemplateValues): string {
  let text = cache.get(relPath);
  if (text === undefined) {
    text = readFileSync(join(TEMPLATES_DIR, relPath), 'utf8');
    cache.set(relPath, text);
  }
  return renderTemplate(text, values);
}
