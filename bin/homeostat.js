#!/usr/bin/env node
// The CLI runs from TypeScript sources through tsx's loader, which also lets blueprints name `.ts`
// policy modules that load at run time.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
