// IPPools decide which learned routes calico/node re-advertises (inside an enabled pool without disableBGPExport);
// without any IPPool, every node's confirmed BlockAffinity CIDRs stand in for the pools.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsOf, nodeYaml, resolveText } from './helpers.js';

const pool = (name: string, cidr: string, extra = ''): string =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: ${name}}\nspec:\n  cidr: ${cidr}\n  blockSize: 26\n  ipipMode: Never\n${extra}`;
const block = (node: string, cidr: string, state = 'confirmed'): string =>
  `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: b-${cidr.replace(/[./:]/g, '-')}}\nspec: {node: ${node}, cidr: ${cidr}, state: ${state}}\n`;

test('enabled IPPools without disableBGPExport become ipPools; disabled and no-export pools do not', () => {
  const text = [
    nodeYaml('n1', '192.0.2.1/24'),
    pool('a', '198.51.100.0/24'),
    pool('b', '203.0.113.0/24', '  disabled: true\n'),
    pool('c', '2001:db8:1::/48', '  disableBGPExport: true\n'),
    pool('d', '2001:db8:2::/48'),
  ].join('---\n');
  const r = resolveText(text, 'n1');
  assert.deepEqual(errorsOf(r.problems), []);
  assert.deepEqual(r.config?.ipPools, ['198.51.100.0/24', '2001:db8:2::/48']);
  assert.ok(!r.problems.some((p) => p.resource.startsWith('IPPool/')), 'no warning for IPAM fields');
});

test('without IPPools: ipPools undefined, every node\'s confirmed blocks are the clusterBlocks', () => {
  const text = [
    nodeYaml('n1', '192.0.2.1/24'),
    nodeYaml('n2', '192.0.2.2/24'),
    block('n1', '198.51.100.0/26'),
    block('n2', '198.51.100.64/26'),
    block('n2', '198.51.100.128/26', 'pending'),
  ].join('---\n');
  const r = resolveText(text, 'n1');
  assert.equal(r.config?.ipPools, undefined);
  assert.deepEqual(r.config?.blocks, ['198.51.100.0/26']);
  assert.deepEqual(r.config?.clusterBlocks, ['198.51.100.0/26', '198.51.100.64/26']);
});

test('an IPPool without cidr is an error naming the field', () => {
  const r = resolveText([nodeYaml('n1', '192.0.2.1/24'), 'apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: x}\nspec: {disabled: false}\n'].join('---\n'), 'n1');
  assert.ok(errorsOf(r.problems).some((p) => p.resource === 'IPPool/x' && p.path === 'spec.cidr'), JSON.stringify(r.problems));
});
