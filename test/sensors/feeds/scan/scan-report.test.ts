import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScanReport } from '../../../../src/sensors/feeds/scan/scan-report.js';
import { ScanReportError } from '../../../../src/sensors/feeds/scan/scan-report-error.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('scanner reports become findings', () => {
  it('reads a Trivy image report: OS and language packages, several fixed versions, no fix', () => {
    const findings = parseScanReport(fixture('trivy-image.json'));
    expect(findings.map((f) => `${f.id} ${f.ecosystem}/${f.package}@${f.installedVersion} -> [${f.fixedVersions.join(' ')}] ${f.severity}`)).toEqual([
      'CVE-2024-2961 deb/libc6@2.36-9+deb12u4 -> [2.36-9+deb12u7] HIGH',
      'CVE-2011-3374 deb/apt@2.6.1 -> [] LOW',
      'CVE-2024-29041 npm/express@4.18.2 -> [4.19.2 5.0.0-beta.3] MEDIUM',
      'CVE-2024-43796 npm/express@4.18.2 -> [4.20.0 5.0.0] LOW',
      'CVE-2025-99999 npm/left-pad@1.3.0 -> [] CRITICAL',
    ]);
    expect(findings.every((f) => f.source === 'trivy')).toBe(true);
  });

  it('reads a Grype report: related CVEs as aliases, Negligible as LOW, not-fixed as no fix', () => {
    const findings = parseScanReport(fixture('grype-image.json'));
    expect(findings).toMatchObject([
      { id: 'GHSA-rv95-896h-c2vc', aliases: ['CVE-2024-29041'], package: 'express', ecosystem: 'npm', installedVersion: '4.18.2', fixedVersions: ['4.19.2'], severity: 'MEDIUM', source: 'grype' },
      { id: 'CVE-2011-3374', package: 'apt', ecosystem: 'deb', fixedVersions: [], severity: 'LOW' },
    ]);
  });

  it('reads an OSV record: each affected range, MODERATE as MEDIUM; and the OSV API answer and osv-scanner output', () => {
    const record = JSON.parse(fixture('osv-express.json')) as unknown;
    const findings = parseScanReport(record);
    expect(findings).toMatchObject([
      { id: 'GHSA-rv95-896h-c2vc', aliases: ['CVE-2024-29041'], package: 'express', ecosystem: 'npm', ranges: [{ introduced: '0', fixed: '4.19.2' }], severity: 'MEDIUM', source: 'osv' },
      { ranges: [{ introduced: '5.0.0-alpha.1', fixed: '5.0.0-beta.3' }] },
    ]);
    expect(parseScanReport({ vulns: [record] })).toEqual(findings);
    expect(parseScanReport({ results: [{ source: { path: 'package-lock.json', type: 'lockfile' }, packages: [{ package: { name: 'express', version: '4.18.2', ecosystem: 'npm' }, vulnerabilities: [record] }] }] })).toEqual(findings);
  });

  it('says where a report is wrong, and what', () => {
    const report = JSON.parse(fixture('trivy-image.json')) as { Results: Array<{ Vulnerabilities?: Array<Record<string, unknown>> }> };
    delete report.Results[1]?.Vulnerabilities?.[2]?.['PkgName'];
    expect(() => parseScanReport(report)).toThrow(ScanReportError);
    expect(() => parseScanReport(report)).toThrow(/Trivy JSON report: Results\.1\.Vulnerabilities\.2\.PkgName/);
    expect(() => parseScanReport('{"SchemaVersion": 2, "Results": [')).toThrow(/not a readable JSON report/);
    expect(() => parseScanReport({ hello: 'world' })).toThrow(/neither Trivy JSON/);
    expect(() => parseScanReport({ matches: [{ vulnerability: { id: 'X' } }] }, 'grype')).toThrow(/matches\.0\.artifact/);
  });
});
