// The graceful restart marker (src/peer/restart-state.ts): one use, bounded by the restart time, no secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESTART_STATE_FILE, takeRestartMarker, writeRestartMarker } from '../../../src/peer/restart-state.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgpd-gr-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('written 0600, read once within the restart time', () => {
  withDir((dir) => {
    const file = writeRestartMarker(join(dir, 'run'), { stoppedAt: 1_000_000, restartTime: 120, kernelRoutesKept: true });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))).sort(), ['kernelRoutesKept', 'restartTime', 'stoppedAt', 'version']);
    const r = takeRestartMarker(join(dir, 'run'), 1_000_000 + 119_000);
    assert.equal(r.kind, 'graceful');
    assert.equal(r.kind === 'graceful' && r.marker.kernelRoutesKept, true);
    assert.equal(existsSync(file), false, 'consumed');
    assert.equal(takeRestartMarker(join(dir, 'run'), 1_000_000 + 1).kind, 'none');
  });
});

test('older than the restart time, from the future, or malformed: not a graceful restart', () => {
  withDir((dir) => {
    writeRestartMarker(dir, { stoppedAt: 1_000_000, restartTime: 120, kernelRoutesKept: true });
    assert.equal(takeRestartMarker(dir, 1_000_000 + 121_000).kind, 'expired');
    writeRestartMarker(dir, { stoppedAt: 2_000_000, restartTime: 120, kernelRoutesKept: true });
    assert.equal(takeRestartMarker(dir, 1_000_000).kind, 'expired');
    writeFileSync(join(dir, RESTART_STATE_FILE), '{"version":1,"stoppedAt":"x"}');
    assert.equal(takeRestartMarker(dir, 1_000_000).kind, 'invalid');
    writeFileSync(join(dir, RESTART_STATE_FILE), 'not json');
    assert.equal(takeRestartMarker(dir, 1_000_000).kind, 'invalid');
  });
});
