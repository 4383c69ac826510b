import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../../src/core/duration.js';
import { renderTemplate } from '../../../src/core/template.js';
import { compareVersions } from '../../../src/core/version.js';
import { redact, registerSecret } from '../../../src/core/redact.js';

describe('Go durations', () => {
  it.each([
    ['15m', '15m0s'],
    ['15m0s', '15m0s'],
    ['1h', '1h0m0s'],
    ['90s', '1m30s'],
    ['1h30m', '1h30m0s'],
    ['1.5h', '1h30m0s'],
    ['500ms', '500ms'],
    ['2h0m5s', '2h0m5s'],
  ])('%s renders as %s', (input, expected) => {
    expect(formatGoDuration(parseGoDuration(input) as number)).toBe(expected);
  });
  it.each(['', 'soon', '15', 'm15', '1x'])('rejects %j', (input) => {
    expect(parseGoDuration(input)).toBeUndefined();
  });
});

describe('templates', () => {
  it('substitutes values and keeps or drops sections', () => {
    expect(renderTemplate('a={{a}}{{#on}} on{{/on}}{{^on}} off{{/on}}', { a: 1, on: true })).toBe('a=1 on');
    expect(renderTemplate('{{#on}}x{{#b}}y{{/b}}{{/on}}', { on: true, b: false })).toBe('x');
  });
  it('refuses unknown variables instead of shipping them', () => {
    expect(() => renderTemplate('{{nope}}', {})).toThrow(/has no value/);
  });
});

describe('versions', () => {
  it('orders dotted versions numerically', () => {
    expect(compareVersions('0.0.10', '0.0.11')).toBe(-1);
    expect(compareVersions('1.38.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2', '1.2.0')).toBe(0);
  });
});

describe('redaction', () => {
  it('masks registered secrets and secret-shaped text', () => {
    registerSecret('hunter2hunter2');
    expect(redact('secret is hunter2hunter2!')).toBe('secret is ***!');
    expect(redact('ORBIT_ENROLL_SECRET=abc')).toBe('ORBIT_ENROLL_SECRET=***');
    expect(redact('Authorization: Bearer abc.def')).toBe('Authorization: Bearer ***');
    expect(redact('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----')).toBe('-----BEGIN PRIVATE KEY-----***-----END PRIVATE KEY-----');
    expect(redact('no token configured')).toBe('no token configured');
  });
});
