#!/usr/bin/env node
// An installed package runs the compiled build; a development checkout (with src/) runs the sources
// through tsx so that what you edit is what runs. Either way tsx's loader is registered, so blueprints
// can name `.ts` policy modules that load at run time.
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const fromSource = existsSync(new URL('../src/cli/main.ts', import.meta.url));
const { main } = await import(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js');
process.exitCode = await main(process.argv);
