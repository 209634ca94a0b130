#!/usr/bin/env node
// An installed package runs the command's bundle (dist/cli-bundle, made by `npm run build`: one script,
// compiled from V8's code cache after the first run, instead of hundreds of files, for a fast cold start); a development checkout (with src/) runs the sources
// through tsx (a dev dependency) so that what you edit is what runs. An installed package needs no
// TypeScript loader: a blueprint naming a `.ts` policy module loads it through tsx when tsx is installed
// (an optional peer dependency), and says to install it when it is not.
import { existsSync } from 'node:fs';

const fromSource = existsSync(new URL('../src/cli/main.ts', import.meta.url));
if (fromSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    process.stderr.write('homeostat: this checkout runs from src/ through tsx, a dev dependency: run npm ci first\n');
    process.exit(1);
  }
}
const { main } = await import(fromSource ? '../src/cli/main.ts' : '../dist/cli-bundle/main.js');
process.exitCode = await main(process.argv);
// validate and simulate are done once they answered, but a policy module may leave a timer or socket open (when
// it loads, or as its loops ran; or still be loading when its time is up): that must not keep the command from
// exiting with its answer, nor a timer of it throw after the answer with no one left to tell it.
if (process.argv[2] === 'validate' || process.argv[2] === 'simulate') {
  // what was written reaches the pipe or file first (a write to a pipe may be asynchronous)
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));
  process.exit(process.exitCode);
}
