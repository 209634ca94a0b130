import { z } from 'zod';
import { entityContext, numberFor } from './entity-context.js';
import { feedCommonShape, type FeedKind } from './feed-kind.js';
import { fromJson } from './http.js';
import { isJsonPointer } from './json-pointer.js';
import { runCommand } from './run-command.js';
import { renderTemplate } from './template.js';

/** Declaration of an `exec` feed: a command as an argv list, and how to read its stdout. */
export const execFeedSchema = z
  .strictObject({
    kind: z.literal('exec'),
    ...feedCommonShape,
    /** The command and its arguments, each a template (numbers are taken as text); never a shell string. */
    argv: z.array(z.union([z.string(), z.number().transform(String)], { error: 'each argument is a string (or a number)' }), { error: 'argv is a list of arguments, e.g. [df, --output=pcent, /] (never one shell string)' }).min(1, 'argv needs at least the command'),
    /** `number` (default): stdout is one number; `text`: stdout trimmed; `json`: stdout is JSON (with `pointer`). */
    parse: z.enum(['number', 'text', 'json']).optional(),
    /** JSON pointer into stdout (implies `parse: json`). */
    pointer: z.string().refine(isJsonPointer, { message: "a JSON pointer: '' or '/a/0/b'" }).optional(),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().min(1).optional(),
  })
  .refine((d) => d.pointer === undefined || d.parse === undefined || d.parse === 'json', { message: "'pointer' reads JSON: drop 'parse' or set it to json" });
export type ExecFeedDecl = z.output<typeof execFeedSchema>;

/**
 * The `exec` feed kind: runs a command per poll (killed with its process group at the timeout) and reads
 * stdout as a number, text, or JSON by pointer. A non-zero exit is a failed poll; output that is not a
 * number is a rejected reading.
 */
export const execFeed: FeedKind<ExecFeedDecl> = {
  name: 'exec',
  description: 'run a command (argv list, no shell) and read its stdout',
  schema: execFeedSchema,
  templates: (decl) => decl.argv.map((text, i) => ({ path: ['argv', i], text })),
  create(decl, entity) {
    const parse = decl.pointer !== undefined ? 'json' : (decl.parse ?? 'number');
    return async (signal) => {
      const scope = entityContext(entity);
      const argv = decl.argv.map((arg) => renderTemplate(arg, scope));
      const stdout = await runCommand(argv, { signal, ...(decl.cwd ? { cwd: decl.cwd } : {}), ...(decl.env ? { env: decl.env } : {}) });
      if (parse === 'json') return fromJson(entity, stdout.trim(), decl.pointer ?? '', `the stdout of ${argv[0]}`);
      const text = stdout.trim();
      const value = parse === 'text' ? text : numberFor(entity, decl.sensor, text === '' ? Number.NaN : Number(text));
      return { samples: [{ entity, value }], missing: [] };
    };
  },
};
