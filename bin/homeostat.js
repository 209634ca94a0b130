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
// validate only reads, but a policy module may leave a timer or socket open when it loads (or still be
// loading when its time is up): that must not keep the command from exiting with its answer.
if (process.argv[2] === 'validate') process.exit(process.exitCode);
