// `npm run docs:reference`: regenerates docs/reference.md from the registries.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { referenceMarkdown } from './reference.js';

const target = path.resolve(import.meta.dirname, '../docs/reference.md');
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, await referenceMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
