#!/usr/bin/env node
// A small service that bundles a package at a version (APP_EXPRESS_VERSION, set from homeostat's {{version}}):
// it serves GET /healthz on PORT and, once listening, writes what it runs to <INVENTORY_DIR>/<entity>.json
// (the `inventory` an exec feed reads back). A version named in BAD_VERSIONS exits at start: a bad fix.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

const port = Number(process.env.PORT ?? 9300);
const entity = process.env.HOMEOSTAT_ENTITY ?? `app-${port}`;
const express = process.env.APP_EXPRESS_VERSION ?? '4.18.2';
const dir = process.env.INVENTORY_DIR ?? 'inventory';
if ((process.env.BAD_VERSIONS ?? '').split(',').includes(express)) {
  console.error(`express ${express} does not start here`);
  process.exit(1);
}
const server = createServer((req, res) => res.end(req.url === '/healthz' ? 'ok\n' : JSON.stringify({ entity, express })));
server.listen(port, '127.0.0.1', () => {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${entity}.json`);
  const packages = [
    { name: 'express', version: express, ecosystem: 'npm' },
    { name: 'left-pad', version: '1.3.0', ecosystem: 'npm' },
  ];
  writeFileSync(`${file}.tmp`, JSON.stringify({ packages }));
  renameSync(`${file}.tmp`, file);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
