import { aggregate } from '../sensors/enrichers/aggregate.js';
import type { Enricher } from '../sensors/enrichers/enricher.js';
import { percentiles } from '../sensors/enrichers/percentiles.js';
import { rate } from '../sensors/enrichers/rate.js';
import { rollingMeanEnricher } from '../sensors/enrichers/rolling-mean.js';
import { transform } from '../sensors/enrichers/transform.js';
import type { EnricherDecl } from './schema.js';

/** Builds the enricher a blueprint declaration describes. */
export function enricherFromDecl(decl: EnricherDecl): Enricher {
  switch (decl.kind) {
    case 'aggregate':
      return aggregate({
        from: decl.from,
        sensor: decl.sensor,
        publish: decl.publish,
        op: decl.op,
        ...(decl.minCoverage === undefined ? {} : { minCoverage: decl.minCoverage }),
        ...(decl.staleAfter === undefined ? {} : { staleAfterMs: decl.staleAfter }),
      });
    case 'transform': {
      const { multiply, add, min, max } = decl;
      return transform({
        sensor: decl.sensor,
        publish: decl.publish,
        fn: (v) => Math.min(max ?? Infinity, Math.max(min ?? -Infinity, v * multiply + add)),
        description: `${decl.sensor} x ${multiply} + ${add} -> ${decl.publish}`,
      });
    }
    case 'rate':
      return rate({ sensor: decl.sensor, publish: decl.publish, perMs: decl.per });
    case 'rollingMean':
      return rollingMeanEnricher({ sensor: decl.sensor, publish: decl.publish, windowMs: decl.window, minCoverage: decl.minCoverage });
    case 'percentiles':
      return percentiles({ sensor: decl.sensor, publish: decl.publish, windowMs: decl.window, percentiles: decl.percentiles });
  }
}
