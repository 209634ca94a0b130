// Reads the fenced code blocks of the README, so that tests can compile, validate or run each of them.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root. */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** One fenced block: its language and text, and the README line its fence opens on. */
export interface CodeBlock {
  readonly lang: string;
  readonly text: string;
  readonly line: number;
}

/** Every fenced code block of a Markdown file, in order. */
export function codeBlocks(file = path.join(repoRoot, 'README.md')): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let open: { lang: string; line: number; body: string[] } | undefined;
  lines.forEach((line, i) => {
    const fence = /^```(\S*)\s*$/.exec(line);
    if (!fence) {
      open?.body.push(line);
      return;
    }
    if (open) {
      blocks.push({ lang: open.lang, text: `${open.body.join('\n')}\n`, line: open.line });
      open = undefined;
    } else open = { lang: fence[1] ?? '', line: i + 1, body: [] };
  });
  return blocks;
}

/**
 * The commands of the `sh` blocks that run this repository's CLI (`node bin/homeostat.js ...`), with shell
 * variables set earlier in the same block substituted, as argument lists. `run` is left out: it runs until
 * stopped.
 */
export function cliCommands(blocks: readonly CodeBlock[]): Array<{ args: string[]; line: number }> {
  const commands: Array<{ args: string[]; line: number }> = [];
  for (const block of blocks.filter((b) => b.lang === 'sh')) {
    const vars = new Map<string, string>();
    block.text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/\s+#.*$/, '').trim();
      const assignment = /^([A-Z_]+)=(\S+)$/.exec(line);
      if (assignment) vars.set(assignment[1] as string, assignment[2] as string);
      if (!line.startsWith('node bin/homeostat.js ')) return;
      const args = line.split(/\s+/).slice(2).map((a) => a.replace(/^\$([A-Z_]+)$/, (_, name: string) => vars.get(name) ?? `$${name}`));
      if (args[0] !== 'run') commands.push({ args, line: block.line + 1 + i });
    });
  }
  return commands;
}
