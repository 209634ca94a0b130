import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

describe('sensors that would be ignored or written twice', () => {
  it('refuses a declared sensor the entity already has, and one declared twice', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: sim.server
      sensors:
        - { name: cpu, type: boolean }
        - { name: service.up }
        - { name: load }
        - { name: load }
`);
    expect(found).toEqual([
      "9:9: sensor 'cpu' is already a sensor of entities of type 'sim.server': declaring it again would be ignored",
      "9:9: sensor 'service.up' is already a sensor of every entity: declaring it again would be ignored",
      "9:9: sensor 'load' is declared twice",
    ]);
  });

  it('refuses an enricher that publishes over a driver sensor or over another enricher', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      memberSpec: { type: sim.server }
      enrichers:
        - { kind: aggregate, from: members, sensor: cpu, op: mean, publish: group.size }
        - { kind: aggregate, from: members, sensor: cpu, op: mean, publish: cpu.mean }
        - { kind: aggregate, from: members, sensor: cpu, op: max, publish: cpu.mean }
`);
    expect(found).toEqual([
      expect.stringMatching(/^10:77: enricher 'aggregate' publishes 'group\.size', which is already a sensor of entities of type 'cluster'/),
      expect.stringMatching(/^12:76: enricher 'aggregate' publishes 'cpu\.mean', which enricher 2 of this entity publishes too/),
    ]);
  });

  it('refuses a feed into a sensor that does not take booleans', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  sensors: [{ name: http.ok }]
  feeds:
    - { sensor: http.ok, http: { url: 'http://127.0.0.1:1/' } }
`);
    expect(found).toEqual([expect.stringMatching(/^7:17: a health check feed writes true or false, but sensor 'http\.ok' does not take booleans/)]);
  });
});
