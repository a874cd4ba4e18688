// tsbgpd.io/kernel-scan-time on BGPConfiguration default: parsed, validated, resolved (default 60), diffed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadResourcesFromText } from '../../../src/config/load.js';
import { planReload } from '../../../src/config/diff.js';
import { resolveConfig } from '../../../src/config/resolve.js';
import { DEFAULT_KERNEL_SCAN_TIME } from '../../../src/config/extensions.js';
import { errorsOf, nodeYaml, resolveText, warningsOf } from './helpers.js';

const PATH = 'metadata.annotations["tsbgpd.io/kernel-scan-time"]';

const bgpConfig = (value: string | undefined): string =>
  'apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\n' +
  (value === undefined ? '' : `  annotations:\n    tsbgpd.io/kernel-scan-time: "${value}"\n`) +
  'spec:\n  asNumber: 64512\n';

const scanOf = (value: string | undefined) => {
  const loaded = loadResourcesFromText(bgpConfig(value), 'test.yaml');
  return { ext: loaded.resources.bgpConfigurations[0]!.ext, problems: loaded.problems };
};

test('kernel-scan-time: whole seconds or a Go duration, 0 turns the scan off', () => {
  for (const [text, seconds] of [['60', 60], ['0', 0], ['2m', 120], ['90s', 90], [' 30 ', 30], ['86400', 86400], ['1h', 3600]] as const) {
    const { ext, problems } = scanOf(text);
    assert.deepEqual(problems, [], text);
    assert.equal(ext.kernelScanTime, seconds, text);
  }
  assert.equal('kernelScanTime' in scanOf(undefined).ext, false, 'absent: not in the extensions, the default applies');
});

test('kernel-scan-time: bad values are errors naming the annotation, and the default stays', () => {
  for (const text of ['-1', 'abc', '1.5s', '500ms', '86401', '2d', '', 'true']) {
    const { ext, problems } = scanOf(text);
    const errs = errorsOf(problems);
    assert.equal(errs.length, 1, `"${text}" is one error`);
    assert.equal(errs[0]!.path, PATH);
    assert.equal(errs[0]!.code, 'ERR_CONFIG_EXTENSION_VALUE');
    assert.match(errs[0]!.message, /whole seconds from 0/);
    assert.equal(ext.kernelScanTime, undefined, text);
  }
});

test('kernel-scan-time: a scan shorter than 5 s is allowed with a warning', () => {
  const { ext, problems } = scanOf('2');
  assert.equal(ext.kernelScanTime, 2);
  assert.deepEqual(errorsOf(problems), []);
  assert.deepEqual(warningsOf(problems).map((p) => p.path), [PATH]);
  assert.match(warningsOf(problems)[0]!.message, /5 s or more/);
  assert.deepEqual(warningsOf(scanOf('5').problems), [], '5 s is not warned about');
});

test('kernel-scan-time: resolved into global.kernelScanTime (default 60); a change is a kernel change on reload', () => {
  const text = (v: string | undefined): string => `${nodeYaml('node-a', '192.0.2.9/24')}${bgpConfig(v)}`;
  const dflt = resolveText(text(undefined), 'node-a');
  assert.deepEqual(errorsOf(dflt.problems), []);
  assert.equal(dflt.config!.global.kernelScanTime, DEFAULT_KERNEL_SCAN_TIME);
  assert.equal(DEFAULT_KERNEL_SCAN_TIME, 60);
  const off = resolveText(text('0'), 'node-a');
  assert.equal(off.config!.global.kernelScanTime, 0);

  const next = resolveConfig(loadResourcesFromText(text('15'), 'test.yaml').resources, 'node-a', []);
  const plan = planReload(dflt.config!, next, new Map(), new Map());
  assert.ok(plan.ok);
  assert.deepEqual(plan.plan.global, ['kernel']);
  const same = planReload(dflt.config!, resolveConfig(loadResourcesFromText(text('60'), 'test.yaml').resources, 'node-a', []), new Map(), new Map());
  assert.ok(same.ok);
  assert.deepEqual(same.plan.global, [], '"60" is the default: no change');
});
