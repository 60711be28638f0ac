import test from 'ava';
import { AlertDescription, AlertLevel, HandshakeType } from './wire/enums.ts';
import { DecodeError } from './wire/errors.ts';
import { DtlsError, alertFor, toDtlsError } from './errors.ts';

test('one function picks the alert for every kind of error', (t) => {
  const fatal = (description: number) => ({ level: AlertLevel.fatal, description });
  t.deepEqual(alertFor(DtlsError.decode(new DecodeError('ClientHello.random', 'truncated', 3))), fatal(AlertDescription.decode_error));
  t.deepEqual(
    alertFor(DtlsError.unexpected([HandshakeType.server_hello], HandshakeType.finished)),
    fatal(AlertDescription.unexpected_message),
  );
  t.deepEqual(alertFor(DtlsError.misbehaved(AlertDescription.decrypt_error, 'bad Finished')), fatal(AlertDescription.decrypt_error));
  t.deepEqual(alertFor(DtlsError.incompatible(AlertDescription.protocol_version, 'DTLS 1.0 only')), fatal(AlertDescription.protocol_version));
  t.deepEqual(alertFor(DtlsError.internal('no certificate configured')), fatal(AlertDescription.internal_error));
  t.is(alertFor(DtlsError.alertReceived(AlertLevel.fatal, AlertDescription.handshake_failure)), undefined);
  t.is(alertFor(DtlsError.timeout(6)), undefined);
});

test('errors say what happened in words', (t) => {
  t.is(DtlsError.unexpected([HandshakeType.certificate, HandshakeType.server_key_exchange], HandshakeType.server_hello_done).message,
    'unexpected server_hello_done: expected certificate or server_key_exchange');
  t.is(DtlsError.alertReceived(2, 40).message, 'peer sent fatal alert handshake_failure');
  t.is(DtlsError.timeout(6).message, 'no answer after 6 retransmissions');
});

test('anything thrown while handling input becomes a DtlsError', (t) => {
  const decode = toDtlsError(new DecodeError('Finished.verify_data', 'truncated', 0));
  t.deepEqual(decode.detail, { kind: 'decode', path: 'Finished.verify_data' });
  t.is(toDtlsError(new TypeError('boom')).detail.kind, 'internal');
  const same = DtlsError.timeout(1);
  t.is(toDtlsError(same), same);
});
