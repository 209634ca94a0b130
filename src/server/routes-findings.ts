import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Entity } from '../core/entity.js';
import { ValidationError } from '../core/errors.js';
import { NotPushableError, pushReading } from '../sensors/push-reading.js';
import { SCAN_REPORT_FORMATS, detectScanReportFormat, parseScanReport } from '../sensors/feeds/scan/scan-report.js';
import { ScanReportError } from '../sensors/feeds/scan/scan-report-error.js';
import { ApiError, entityFor, requireRole, type ApiContext } from './context.js';
import { BODY_JSON_CODE, parseJsonBytes } from './json-body.js';

/** The findings sensor when the entity has no `remediation` policy naming one. */
export const DEFAULT_FINDINGS_SENSOR = 'vulnerabilities';

/** Default bound of a report's body: 8 MiB (a large image's Trivy report is a few MiB). */
export const DEFAULT_REPORT_BODY_LIMIT = 8 * 1024 * 1024;

/** The findings sensor of the entity: the one its `remediation` policy reads, else `vulnerabilities`. */
function findingsSensorOf(context: ApiContext, entity: Entity): string {
  for (const status of context.engine.policiesOf(entity)) {
    if (status.name !== 'remediation') continue;
    const config = context.engine.attachment(status.id).config as { findings?: unknown };
    if (typeof config.findings === 'string') return config.findings;
  }
  return DEFAULT_FINDINGS_SENSOR;
}

/**
 * `POST /entities/:id/findings`: a scanner's raw report as the body (Trivy JSON, Grype JSON, OSV records or
 * osv-scanner output; `?format=` or told apart by its fields), parsed into findings and published on the
 * entity's findings sensor (the one its `remediation` policy reads, or `?sensor=`; it must be `pushable`).
 * A scanner or CI job posts its report here as a webhook. Operator role, scope- and tenant-checked, audited
 * (the report's size and finding count, not the report), bounded by `bodyLimit` (413 past it). A report
 * that cannot be read is a 400 naming each field (`Results.0.Vulnerabilities.1.PkgName: ...`). A body that is
 * not UTF-8 or not JSON, nests past the bound, has a key twice in one object, or has a `__proto__` or
 * `constructor.prototype` key is a 400 E_BODY_JSON saying where, whichever of the three content types it was
 * sent as.
 */
export async function findingsRoutes(app: FastifyInstance, context: ApiContext, bodyLimit: number): Promise<void> {
  // scanners and `curl --data-binary @report.json` send JSON as text too: those bodies are kept as bytes here
  // only, and read as an application/json body is (UTF-8 strictly, then JSON) by the route, which audits a refusal
  app.addContentTypeParser(['text/plain', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/entities/:id/findings', {
    bodyLimit,
    schema: {
      summary: "Post a scanner's raw report (Trivy JSON, Grype JSON, OSV): its findings go to the entity's findings sensor for remediation",
      description: 'The body is the report as the scanner wrote it (application/json, text/plain or application/octet-stream). 400 names each field a malformed report gets wrong; 413 past the body limit; 409 when the sensor is not pushable.',
      params: z.object({ id: z.string().min(1) }),
      querystring: z.object({ format: z.enum(SCAN_REPORT_FORMATS).default('auto'), sensor: z.string().min(1).optional() }),
    },
  }, async (request) => {
    const principal = requireRole(request, 'operator');
    const entity = entityFor(context, request, request.params.id);
    const sensor = request.query.sensor ?? findingsSensorOf(context, entity);
    const who = { kind: 'person' as const, name: principal.name };
    const action = `report findings to ${sensor}`;
    const bytes = Buffer.isBuffer(request.body) ? request.body : undefined;
    const size = bytes?.length ?? Number(request.headers['content-length'] ?? 0);
    const refuse = (status: number, message: string, extra: Record<string, unknown>): ApiError => {
      context.audit.record({ who, action, target: entity.id, entity: entity.id, path: entity.path, params: { format: request.query.format, bytes: size }, result: 'rejected', status, detail: message });
      return new ApiError(status, message, extra).markAudited();
    };
    if (request.body === undefined || request.body === null || bytes?.length === 0) throw refuse(400, 'the body is a scanner report (Trivy JSON, Grype JSON or OSV); it is empty', { code: 'E_SCAN_REPORT', problems: ['(root): empty body'] });
    if (!entity.hasSensor(sensor)) throw refuse(404, `entity '${entity.id}' has no sensor '${sensor}' (declare it: { name: ${sensor}, type: json, pushable: true })`, {});
    let findings;
    let format: string = request.query.format;
    try {
      // a report sent as text or bytes is read as an application/json body is: bytes that are not UTF-8, a key
      // twice, a key that could change a prototype, or nesting past the bound are refused the same way
      // (E_BODY_JSON, saying where)
      const doc = bytes === undefined ? request.body : parseJsonBytes(bytes);
      if (format === 'auto') format = detectScanReportFormat(doc) ?? 'auto';
      findings = parseScanReport(doc, request.query.format);
    } catch (error) {
      if (error instanceof ScanReportError) throw refuse(400, `report for ${entity.id}.${sensor}: ${error.message}`, { code: error.code, format, problems: error.problems });
      if (error instanceof ApiError && error.extra['code'] === BODY_JSON_CODE) throw refuse(error.statusCode, `report for ${entity.id}.${sensor}: ${error.message}`, { code: BODY_JSON_CODE, problems: [`(root): ${error.message}`] });
      throw error;
    }
    try {
      const observation = pushReading(context.tree, entity.id, sensor, findings);
      const packages = new Set(findings.map((f) => `${f.ecosystem}/${f.package}`)).size;
      context.audit.record({ who, action, target: entity.id, entity: entity.id, path: entity.path, params: { format, bytes: size, findings: findings.length }, result: 'ok' });
      return { entity: entity.id, sensor, format, findings: findings.length, packages, at: observation.at };
    } catch (error) {
      if (error instanceof NotPushableError) throw refuse(409, error.message, { code: error.code });
      if (error instanceof ValidationError) throw refuse(400, error.message, { code: error.code, problems: error.problems });
      throw error;
    }
  });
}
