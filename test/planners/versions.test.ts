import { describe, expect, it } from 'vitest';
import { compareDebianVersions } from '../../src/planners/versions/debian-version.js';
import { judgeVersion } from '../../src/planners/versions/affected.js';
import type { Finding } from '../../src/sensors/feeds/scan/finding.js';

const finding = (over: Partial<Finding>): Finding => ({ id: 'CVE-X', aliases: [], package: 'p', ecosystem: 'npm', fixedVersions: [], severity: 'HIGH', source: 'trivy', ...over });

describe('Debian version order (as dpkg --compare-versions)', () => {
  it.each([
    ['1.0', '1.0', 0],
    ['1.0~rc1', '1.0', -1],
    ['1.0', '1.0+b1', -1],
    ['1:0.9', '2.0', 1],
    ['2.36-9+deb12u4', '2.36-9+deb12u7', -1],
    ['2.36-9+deb12u10', '2.36-9+deb12u7', 1],
    ['1.2-3-4', '1.2-3-10', -1],
    ['1.0a', '1.0', 1],
    ['1.0~~', '1.0~', -1],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12', -1],
  ])('%s vs %s is %i', (a, b, expected) => {
    expect(compareDebianVersions(a, b)).toBe(expected);
    expect(compareDebianVersions(b, a)).toBe(-expected || 0);
  });

  it('is undefined for text that is not a Debian version', () => {
    expect(compareDebianVersions('latest', '1.0')).toBeUndefined();
  });
});

describe('judging an installed version against a finding', () => {
  it('semver with a fix per release line: 4.x (and an older line) moves to 4.19.2, a 5 beta to 5.0.0-beta.3, 4.19.2 and 5.0.0 are fixed', () => {
    const f = finding({ package: 'express', installedVersion: '4.18.2', fixedVersions: ['4.19.2', '5.0.0-beta.3'] });
    expect(judgeVersion(f, '4.18.2')).toEqual({ status: 'affected', fixTo: '4.19.2' });
    expect(judgeVersion(f, '3.21.0')).toEqual({ status: 'affected', fixTo: '4.19.2' });
    expect(judgeVersion(f, '5.0.0-beta.1')).toEqual({ status: 'affected', fixTo: '5.0.0-beta.3' });
    expect(judgeVersion(f, '4.19.2')).toEqual({ status: 'fixed' });
    expect(judgeVersion(f, '4.21.1')).toEqual({ status: 'fixed' });
    expect(judgeVersion(f, '5.0.0')).toEqual({ status: 'fixed' });
    expect(judgeVersion(f, 'not-a-version')).toMatchObject({ status: 'unknown' });
  });

  it('OSV ranges: introduced inclusive, fixed exclusive, last_affected inclusive', () => {
    const f = finding({ ranges: [{ introduced: '0', fixed: '4.19.2' }, { introduced: '5.0.0-alpha.1', lastAffected: '5.0.0-beta.2' }] });
    expect(judgeVersion(f, '4.19.1')).toEqual({ status: 'affected', fixTo: '4.19.2' });
    expect(judgeVersion(f, '4.19.2')).toEqual({ status: 'fixed' });
    expect(judgeVersion(f, '5.0.0-beta.2')).toEqual({ status: 'affected' });
    expect(judgeVersion(f, '5.0.0-beta.3')).toEqual({ status: 'fixed' });
  });

  it('Debian: one fixed version for the suite', () => {
    const f = finding({ ecosystem: 'deb', package: 'libc6', installedVersion: '2.36-9+deb12u4', fixedVersions: ['2.36-9+deb12u7'] });
    expect(judgeVersion(f, '2.36-9+deb12u4')).toEqual({ status: 'affected', fixTo: '2.36-9+deb12u7' });
    expect(judgeVersion(f, '2.36-9+deb12u9')).toEqual({ status: 'fixed' });
  });

  it('no fix known: affected only at the version the scanner saw; other ecosystems by equality only', () => {
    expect(judgeVersion(finding({ installedVersion: '1.3.0' }), '1.3.0')).toEqual({ status: 'affected' });
    expect(judgeVersion(finding({ installedVersion: '1.3.0' }), '1.4.0')).toEqual({ status: 'fixed' });
    expect(judgeVersion(finding({ ecosystem: 'pypi', installedVersion: '2.0', fixedVersions: ['2.1'] }), '2.0')).toEqual({ status: 'affected', fixTo: '2.1' });
    expect(judgeVersion(finding({ ecosystem: 'pypi', installedVersion: '2.0', fixedVersions: ['2.1'] }), '2.5')).toMatchObject({ status: 'unknown' });
  });
});
