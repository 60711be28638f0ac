import test, { type ExecutionContext } from 'ava';
import { hexFixture } from '../../testkit/hex.ts';
import {
  type Alert,
  CHANGE_CIPHER_SPEC_TYPE,
  type ChangeCipherSpec,
  readAlert,
  readChangeCipherSpec,
  writeAlert,
  writeChangeCipherSpec,
} from './alert.ts';
import { AlertDescription, AlertLevel } from './enums.ts';
import { DecodeError } from './errors.ts';
import { type Reader, decode } from './reader.ts';
import { encode } from './writer.ts';

/** Alerts and ChangeCipherSpec are a record's fragment; fixtures decode from there. */
const ROOT = 'fragment';

function rejects<T>(t: ExecutionContext, bytes: Uint8Array, read: (r: Reader) => T, path: string, reason: RegExp): void {
  const err = t.throws(() => decode(bytes, ROOT, read), { instanceOf: DecodeError });
  t.is(err?.path, path);
  t.regex(err?.reason ?? '', reason);
}

test('[RFC5246-7.1] ChangeCipherSpec: the one byte OpenSSL and Chromium send, 0x01', (t) => {
  const bytes = hexFixture('01 # type = change_cipher_spec');
  const ccs = decode(bytes, ROOT, readChangeCipherSpec);
  t.deepEqual(ccs, { type: CHANGE_CIPHER_SPEC_TYPE });
  t.deepEqual(encode((w) => writeChangeCipherSpec(w, ccs)), bytes);
});

test('[RFC5246-7.1] ChangeCipherSpec: a forged type byte is kept and round-trips', (t) => {
  for (const type of [0x00, 0x02, 0xff]) {
    const bytes = new Uint8Array([type]);
    const ccs: ChangeCipherSpec = decode(bytes, ROOT, readChangeCipherSpec);
    t.is(ccs.type, type);
    t.deepEqual(encode((w) => writeChangeCipherSpec(w, ccs)), bytes);
  }
});

test('ChangeCipherSpec: an empty fragment is rejected at type, a second byte as trailing', (t) => {
  rejects(t, new Uint8Array(0), readChangeCipherSpec, 'fragment.ChangeCipherSpec.type', /truncated/);
  rejects(t, hexFixture('01 01'), readChangeCipherSpec, 'fragment', /1 trailing byte/);
});

test('[RFC5246-7.2] Alert: the close_notify OpenSSL s_client sends (decrypted)', (t) => {
  const bytes = hexFixture(`
    01       # level = warning
    00       # description = close_notify
  `);
  const alert = decode(bytes, ROOT, readAlert);
  t.deepEqual(alert, { level: AlertLevel.warning, description: AlertDescription.close_notify });
  t.deepEqual(encode((w) => writeAlert(w, alert)), bytes);
});

test('[RFC5246-7.2] Alert: a fatal handshake_failure, and unknown level/description kept as numbers', (t) => {
  const cases: [string, Alert][] = [
    ['0228', { level: 2, description: 40 }],
    ['03fe', { level: 3, description: 0xfe }],
  ];
  for (const [hex, expected] of cases) {
    const bytes = hexFixture(hex);
    const alert = decode(bytes, ROOT, readAlert);
    t.deepEqual(alert, expected);
    t.deepEqual(encode((w) => writeAlert(w, alert)), bytes);
  }
  t.is(AlertDescription.nameOf(0xfe), 'unknown(0xfe)');
});

test('Alert: a one-byte fragment is rejected at description, three bytes as trailing', (t) => {
  rejects(t, hexFixture('02'), readAlert, 'fragment.Alert.description', /truncated/);
  rejects(t, hexFixture('02 28 00'), readAlert, 'fragment', /1 trailing byte/);
});

test('[RFC5246-7.2] Alert: several alerts in one record read with many()', (t) => {
  const bytes = hexFixture(`
    01 00    # warning close_notify
    02 0a    # fatal unexpected_message
  `);
  const alerts = decode(bytes, ROOT, (r) => r.many('alerts', readAlert));
  t.deepEqual(alerts, [
    { level: 1, description: 0 },
    { level: 2, description: 10 },
  ]);
});
