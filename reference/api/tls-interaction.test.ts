import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { PrivateKey } from '../crypto/private-key.ts';
import { TlsInteractionResult, type TlsInteractionResultValue } from './enums.ts';
import { GioError, IOErrorEnum, TlsErrorEnum, ioError } from './errors.ts';
import { TlsCertificate } from './tls-certificate.ts';
import { type TlsCertificateRequester, TlsInteraction, TlsPassword, TlsPasswordFlags as P } from './tls-interaction.ts';
import { TempDir, vector } from './tls-testing.ts';

const dir = new TempDir();
test.after.always(() => dir.cleanup());

/** The OpenSSL leaf with its key encrypted under "secret", in one PEM file. */
const encrypted = dir.write('encrypted.pem', readFileSync(vector('openssl-leaf.pem'), 'utf8'), readFileSync(vector('openssl-leaf.enc.key.pem'), 'utf8'));
const plainKey = PrivateKey.fromPem(readFileSync(vector('openssl-leaf.key.pem'), 'utf8'));

/** Answers with the given passwords in turn and records what it was asked. */
class ScriptedInteraction extends TlsInteraction {
  readonly asked: { flags: number; warning: string | undefined; description: string }[] = [];
  constructor(private readonly answers: (string | TlsInteractionResultValue | Error)[]) {
    super();
  }
  override async askPassword(password: TlsPassword): Promise<TlsInteractionResultValue> {
    this.asked.push({ flags: password.flags, warning: password.warning, description: password.description });
    const answer = this.answers[this.asked.length - 1] ?? TlsInteractionResult.UNHANDLED;
    if (answer instanceof Error) throw answer;
    if (typeof answer === 'number') return answer;
    password.setValue(answer);
    return TlsInteractionResult.HANDLED;
  }
}

async function codeOf(t: ExecutionContext, p: Promise<unknown>): Promise<string> {
  const e = await t.throwsAsync(p, { instanceOf: GioError });
  return e?.codeName ?? 'no GioError';
}

test('TlsPassword starts empty, with GIO\'s defaults, and never shows its value', (t) => {
  const p = TlsPassword.new(P.NONE, 'the key');
  t.deepEqual([p.getFlags(), p.getDescription(), p.getWarning(), p.getValue().length], [0, 'the key', undefined, 0]);
  p.setValue('sécret');
  t.deepEqual(p.value, new TextEncoder().encode('sécret'));
  t.is(p.toText(), 'sécret');
  p.setValue('secret', 3);
  t.is(p.toText(), 'sec');
  p.value = Uint8Array.of(0x61, 0x62);
  t.is(p.toText(), 'ab');
  p.setFlags(P.RETRY | P.FINAL_TRY);
  p.setWarning('wrong');
  t.deepEqual([p.flags, p.warning], [P.RETRY | P.FINAL_TRY, 'wrong']);
  t.false(`${String(p)} ${JSON.stringify(p)}`.includes('ab'));
});

test('GTlsPasswordFlags and GTlsInteractionResult keep GIO\'s values', (t) => {
  t.deepEqual([P.NONE, P.RETRY, P.MANY_TRIES, P.FINAL_TRY], [0, 2, 4, 8]);
  t.deepEqual([TlsInteractionResult.UNHANDLED, TlsInteractionResult.HANDLED, TlsInteractionResult.FAILED], [0, 1, 2]);
});

test('the base TlsInteraction handles nothing; an aborted signal is G_IO_ERROR_CANCELLED', async (t) => {
  const base = new TlsInteraction();
  const requester: TlsCertificateRequester = { setCertificate: () => t.fail('not asked') };
  t.is(await base.askPassword(new TlsPassword()), TlsInteractionResult.UNHANDLED);
  t.is(await base.invokeAskPassword(new TlsPassword()), TlsInteractionResult.UNHANDLED);
  t.is(await base.invokeRequestCertificate(requester, 0), TlsInteractionResult.UNHANDLED);
  const abort = new AbortController();
  abort.abort();
  t.is(await codeOf(t, base.invokeAskPassword(new TlsPassword(), abort.signal)), 'G_IO_ERROR_CANCELLED');
  t.is(await codeOf(t, base.requestCertificate(requester, 0, abort.signal)), 'G_IO_ERROR_CANCELLED');
});

test('invoke: FAILED and foreign exceptions become G_IO_ERROR_FAILED, GioErrors pass through', async (t) => {
  t.is(await codeOf(t, new ScriptedInteraction([TlsInteractionResult.FAILED]).invokeAskPassword(new TlsPassword())), 'G_IO_ERROR_FAILED');
  t.is(await codeOf(t, new ScriptedInteraction([new Error('boom')]).invokeAskPassword(new TlsPassword())), 'G_IO_ERROR_FAILED');
  const own = ioError(IOErrorEnum.PERMISSION_DENIED, 'no');
  t.is(await t.throwsAsync(new ScriptedInteraction([own]).invokeAskPassword(new TlsPassword())), own);
});

test('an overriding requestCertificate gives the connection a certificate', async (t) => {
  const mine = TlsCertificate.newFromFile(vector('openssl-p256.pem'));
  class Giving extends TlsInteraction {
    override async requestCertificate(connection: TlsCertificateRequester): Promise<TlsInteractionResultValue> {
      connection.setCertificate(mine);
      return TlsInteractionResult.HANDLED;
    }
  }
  let given: TlsCertificate | undefined;
  t.is(await new Giving().invokeRequestCertificate({ setCertificate: (c) => (given = c) }, 0), TlsInteractionResult.HANDLED);
  t.is(given, mine);
});

test('loading an encrypted key asks the interaction once when the password is right', async (t) => {
  const ui = new ScriptedInteraction(['secret']);
  const c = await TlsCertificate.newFromFileWithInteraction(encrypted, ui);
  t.true(c.privateKey?.publicKey.equals(plainKey.publicKey));
  t.deepEqual(ui.asked, [{ flags: P.NONE, warning: undefined, description: 'the private key in encrypted.pem' }]);
});

test('a wrong password is asked again with RETRY and a warning, the last time with FINAL_TRY', async (t) => {
  const ui = new ScriptedInteraction(['wrong', 'secret']);
  await TlsCertificate.newFromFileWithInteraction(encrypted, ui);
  t.deepEqual(ui.asked.map((a) => a.flags), [P.NONE, P.RETRY]);
  t.is(ui.asked[1].warning, 'The password entered is incorrect.');

  const stubborn = new ScriptedInteraction(['a', 'b', 'c', 'secret']);
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(encrypted, stubborn)), 'G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD');
  t.deepEqual(stubborn.asked.map((a) => a.flags), [P.NONE, P.RETRY, P.RETRY | P.FINAL_TRY], 'three tries by default');

  const patient = new ScriptedInteraction(['a', 'b', 'c', 'd', 'e']);
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(encrypted, patient, { maxAttempts: 5 })), 'G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD');
  t.deepEqual(patient.asked.map((a) => a.flags), [P.NONE, P.RETRY, P.RETRY | P.MANY_TRIES, P.RETRY | P.MANY_TRIES, P.RETRY | P.FINAL_TRY]);
});

test('an interaction that does not answer, fails or is cancelled ends the loading with its error', async (t) => {
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(encrypted, new TlsInteraction())), 'G_TLS_ERROR_BAD_CERTIFICATE_PASSWORD');
  const refusing = new ScriptedInteraction([tlsErrorOf(TlsErrorEnum.MISC)]);
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(encrypted, refusing)), 'G_TLS_ERROR_MISC');
  const abort = new AbortController();
  abort.abort();
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(encrypted, new ScriptedInteraction(['secret']), { signal: abort.signal })), 'G_IO_ERROR_CANCELLED');
});

test('a file whose key is not encrypted loads without asking', async (t) => {
  const ui = new ScriptedInteraction([]);
  const c = await TlsCertificate.newFromFileWithInteraction(dir.write('plain.pem', readFileSync(vector('openssl-leaf.pem'), 'utf8'), plainKey), ui);
  t.true(c.privateKey?.publicKey.equals(plainKey.publicKey));
  t.deepEqual(ui.asked, []);
  t.is(await codeOf(t, TlsCertificate.newFromFileWithInteraction(`${dir.path}/absent.pem`, ui)), 'G_IO_ERROR_NOT_FOUND');
});

function tlsErrorOf(code: number): GioError {
  return new GioError('g-tls-error-quark', code, 'the user closed the dialog');
}
