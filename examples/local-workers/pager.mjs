#!/usr/bin/env node
// A stand-in for a pager (Slack, PagerDuty, Alertmanager): a webhook that prints every page homeostat's
// `notify` effector sends it (the `json` template), one line each. PORT sets the port (default 9194).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9194);
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const page = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      console.log(`PAGE [${page.severity}] ${page.source}: ${page.summary}${page.description ? ` (${page.description})` : ''}`);
      res.end('{}');
    } catch {
      res.statusCode = 400;
      res.end('{"error":"expected a JSON page"}');
    }
  });
}).listen(port, '127.0.0.1', () => console.log(`pager listening on 127.0.0.1:${port}`));
