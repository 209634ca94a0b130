import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { isKindFeed } from '../../../src/blueprint/feed-kinds.js';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');

describe('the README Feeds section', () => {
  it('its blueprint validates, with the feeds it shows', async () => {
    const section = readme.slice(readme.indexOf('## Feeds: reading real systems'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const blueprint = await parseBlueprint(yaml ?? '', path.resolve('README.md'));
    const api = blueprint.root.children.find((c) => c.id === 'api');
    expect((api?.feeds ?? []).flatMap((f) => (isKindFeed(f) ? [`${f.kind}${f.fansOut ? ' fan-out' : ''}`] : []))).toEqual(['prometheus', 'prometheus fan-out', 'http', 'exec']);
    expect(api?.sensors.find((s) => s.name === 'backlog')?.pushable).toBe(true);
  });
});
