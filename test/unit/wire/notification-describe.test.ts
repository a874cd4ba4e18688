import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNotification, shutdownCommunicationData } from '../../../src/wire/notification.js';

test('Other Configuration Change with an RFC 9003-form reason is shown as text; other data stays hex', () => {
  const data = shutdownCommunicationData('configuration change: key');
  assert.equal(describeNotification({ code: 6, subcode: 6, data }), 'Cease / Other Configuration Change: "configuration change: key"');
  assert.equal(describeNotification({ code: 6, subcode: 6, data: Uint8Array.of(0x05, 0xff) }), 'Cease / Other Configuration Change (data 05ff)');
  assert.equal(describeNotification({ code: 6, subcode: 6, data: new Uint8Array(0) }), 'Cease / Other Configuration Change');
});
