/**
 * ServerKeyExchange and ClientKeyExchange: their layout is chosen by the negotiated suite's key
 * exchange (`keyExchangeOf` in suites.ts), which the bytes do not repeat, so each reader takes it
 * as a parameter and each model carries it as its discriminant `keyExchange`.
 *
 * RFC 5246 §7.4.3 / §7.4.7 define the frame and the rsa and dhe cases; RFC 8422 §5.4 / §5.7 the
 * ecdhe case; RFC 4279 §2 the psk case; RFC 5489 §2 the ecdhe_psk case.
 */
import { ECCurveType, NamedGroup } from './enums.ts';
import { type DigitallySigned, readDigitallySignedFields, writeDigitallySigned } from './messages12.ts';
import type { Reader } from './reader.ts';
import type { KeyExchange } from './suites.ts';
import type { Writer } from './writer.ts';

// ---------------------------------------------------------------------------------------------
// Parameters

/** ServerECDHParams with its ECParameters flattened in. */
export interface ServerECDHParams {
  /** ECCurveType; only named_curve (3) is readable (RFC 8422 deprecated explicit curves). */
  curveType: number;
  /** NamedCurve, now NamedGroup (open enum). */
  namedCurve: number;
  /** ECPoint public: opaque point<1..2^8-1>. */
  public: Uint8Array;
}

/** RFC 8422 §5.4 */
function readServerECDHParams(r: Reader): ServerECDHParams {
  return r.struct('params', 'RFC 8422 §5.4', (p) => {
    const curveParams = p.struct('curve_params', undefined, (c) => {
      const at = c.offset;
      const curveType = c.u8('curve_type', ECCurveType);
      if (curveType !== ECCurveType.named_curve) {
        // RFC 8422 §5.4 keeps only `case named_curve` in ECParameters; the explicit_prime and
        // explicit_char2 layouts of RFC 4492 are gone, so nothing after this byte can be read.
        const name = ECCurveType.nameOf(curveType);
        c.fail('curve_type', `${name} is not named_curve (3), the only ECCurveType of RFC 8422 §5.4`, at);
      }
      return { curveType, namedCurve: c.u16('namedcurve', NamedGroup) };
    });
    const point = p.opaque(1, 'public', 1);
    return { ...curveParams, public: point };
  });
}

function writeServerECDHParams(w: Writer, p: ServerECDHParams): void {
  w.u8(p.curveType).u16(p.namedCurve).opaque(1, p.public);
}

/** ServerDHParams: finite-field Diffie-Hellman parameters and the server's public value. */
export interface ServerDHParams {
  /** opaque dh_p<1..2^16-1>: the prime modulus. */
  dhP: Uint8Array;
  /** opaque dh_g<1..2^16-1>: the generator. */
  dhG: Uint8Array;
  /** opaque dh_Ys<1..2^16-1>: the server's public value. */
  dhYs: Uint8Array;
}

/** RFC 5246 §7.4.3 */
function readServerDHParams(r: Reader): ServerDHParams {
  return r.struct('params', 'RFC 5246 §7.4.3', (p) => {
    const dhP = p.opaque(2, 'dh_p', 1);
    const dhG = p.opaque(2, 'dh_g', 1);
    const dhYs = p.opaque(2, 'dh_Ys', 1);
    return { dhP, dhG, dhYs };
  });
}

function writeServerDHParams(w: Writer, p: ServerDHParams): void {
  w.opaque(2, p.dhP).opaque(2, p.dhG).opaque(2, p.dhYs);
}

function readSignedParams(r: Reader): DigitallySigned {
  return r.struct('signed_params', 'RFC 5246 §4.7', readDigitallySignedFields);
}

// ---------------------------------------------------------------------------------------------
// ServerKeyExchange

export interface EcdheServerKeyExchange {
  keyExchange: 'ecdhe';
  params: ServerECDHParams;
  /** Signature over client_random + server_random + params (RFC 8422 §5.4). */
  signedParams: DigitallySigned;
}

export interface DheServerKeyExchange {
  keyExchange: 'dhe';
  params: ServerDHParams;
  /** Signature over client_random + server_random + params (RFC 5246 §7.4.3). */
  signedParams: DigitallySigned;
}

export interface PskServerKeyExchange {
  keyExchange: 'psk';
  /** opaque psk_identity_hint<0..2^16-1>. */
  pskIdentityHint: Uint8Array;
}

export interface EcdhePskServerKeyExchange {
  keyExchange: 'ecdhe_psk';
  /** opaque psk_identity_hint<0..2^16-1> (the message is sent even when it is empty). */
  pskIdentityHint: Uint8Array;
  /** Not signed: the PSK authenticates (RFC 5489 §2). */
  params: ServerECDHParams;
}

/** The ServerKeyExchange variants, by the key exchange that selects them. */
export interface ServerKeyExchangeByKind {
  ecdhe: EcdheServerKeyExchange;
  dhe: DheServerKeyExchange;
  psk: PskServerKeyExchange;
  ecdhe_psk: EcdhePskServerKeyExchange;
}

/** Key exchanges that have a ServerKeyExchange (`rsa` key transport has none, RFC 5246 §7.4.3). */
export type ServerKeyExchangeKind = keyof ServerKeyExchangeByKind;

export type ServerKeyExchange = ServerKeyExchangeByKind[ServerKeyExchangeKind];

const SERVER_KEY_EXCHANGE_READERS: { [K in ServerKeyExchangeKind]: (s: Reader) => ServerKeyExchangeByKind[K] } = {
  /** RFC 8422 §5.4 */
  ecdhe: (s) => {
    const params = readServerECDHParams(s);
    const signedParams = readSignedParams(s);
    return { keyExchange: 'ecdhe', params, signedParams };
  },
  /** RFC 5246 §7.4.3 (dhe_rsa, dhe_dss) */
  dhe: (s) => {
    const params = readServerDHParams(s);
    const signedParams = readSignedParams(s);
    return { keyExchange: 'dhe', params, signedParams };
  },
  /** RFC 4279 §2 */
  psk: (s) => ({ keyExchange: 'psk', pskIdentityHint: s.opaque(2, 'psk_identity_hint') }),
  /** RFC 5489 §2 */
  ecdhe_psk: (s) => {
    const pskIdentityHint = s.opaque(2, 'psk_identity_hint');
    const params = readServerECDHParams(s);
    return { keyExchange: 'ecdhe_psk', pskIdentityHint, params };
  },
};

const SERVER_KEY_EXCHANGE_RFC: Record<ServerKeyExchangeKind, string> = {
  ecdhe: 'RFC 8422 §5.4',
  dhe: 'RFC 5246 §7.4.3',
  psk: 'RFC 4279 §2',
  ecdhe_psk: 'RFC 5489 §2',
};

/**
 * Reads a ServerKeyExchange body laid out for `keyExchange`. A key exchange without a
 * ServerKeyExchange (e.g. `rsa` reaching here from an untyped caller) is a DecodeError.
 * RFC 5246 §7.4.3
 */
export function readServerKeyExchange<K extends ServerKeyExchangeKind>(
  r: Reader,
  keyExchange: K,
): ServerKeyExchangeByKind[K] {
  if (!Object.prototype.hasOwnProperty.call(SERVER_KEY_EXCHANGE_READERS, keyExchange)) {
    r.fail('ServerKeyExchange', `the ${String(keyExchange)} key exchange has no ServerKeyExchange (RFC 5246 §7.4.3)`);
  }
  const read = SERVER_KEY_EXCHANGE_READERS[keyExchange];
  return r.struct('ServerKeyExchange', SERVER_KEY_EXCHANGE_RFC[keyExchange], read);
}

export function writeServerKeyExchange(w: Writer, m: ServerKeyExchange): void {
  switch (m.keyExchange) {
    case 'ecdhe':
      writeServerECDHParams(w, m.params);
      writeDigitallySigned(w, m.signedParams);
      return;
    case 'dhe':
      writeServerDHParams(w, m.params);
      writeDigitallySigned(w, m.signedParams);
      return;
    case 'psk':
      w.opaque(2, m.pskIdentityHint);
      return;
    case 'ecdhe_psk':
      w.opaque(2, m.pskIdentityHint);
      writeServerECDHParams(w, m.params);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// ClientKeyExchange

export interface EcdheClientKeyExchange {
  keyExchange: 'ecdhe';
  /** ClientECDiffieHellmanPublic: ECPoint ecdh_Yc, opaque point<1..2^8-1> (explicit encoding). */
  ecdhYc: Uint8Array;
}

export interface DheClientKeyExchange {
  keyExchange: 'dhe';
  /** ClientDiffieHellmanPublic: opaque dh_Yc<1..2^16-1> (explicit encoding). */
  dhYc: Uint8Array;
}

export interface PskClientKeyExchange {
  keyExchange: 'psk';
  /** opaque psk_identity<0..2^16-1>. */
  pskIdentity: Uint8Array;
}

export interface EcdhePskClientKeyExchange {
  keyExchange: 'ecdhe_psk';
  /** opaque psk_identity<0..2^16-1>. */
  pskIdentity: Uint8Array;
  /** ClientECDiffieHellmanPublic public: ECPoint ecdh_Yc, opaque point<1..2^8-1>. */
  ecdhYc: Uint8Array;
}

export interface RsaClientKeyExchange {
  keyExchange: 'rsa';
  /** EncryptedPreMasterSecret: the RSA-encrypted pre_master_secret, opaque<0..2^16-1>. */
  encryptedPreMasterSecret: Uint8Array;
}

/** The ClientKeyExchange variants, by the key exchange that selects them. */
export interface ClientKeyExchangeByKind {
  ecdhe: EcdheClientKeyExchange;
  dhe: DheClientKeyExchange;
  psk: PskClientKeyExchange;
  ecdhe_psk: EcdhePskClientKeyExchange;
  rsa: RsaClientKeyExchange;
}

/** Every key exchange has a ClientKeyExchange. */
export type ClientKeyExchangeKind = KeyExchange;

export type ClientKeyExchange = ClientKeyExchangeByKind[ClientKeyExchangeKind];

const CLIENT_KEY_EXCHANGE_READERS: { [K in ClientKeyExchangeKind]: (s: Reader) => ClientKeyExchangeByKind[K] } = {
  /** RFC 8422 §5.7 */
  ecdhe: (s) => ({ keyExchange: 'ecdhe', ecdhYc: s.opaque(1, 'ecdh_Yc', 1) }),
  /** RFC 5246 §7.4.7.2 */
  dhe: (s) => ({ keyExchange: 'dhe', dhYc: s.opaque(2, 'dh_Yc', 1) }),
  /** RFC 4279 §2 */
  psk: (s) => ({ keyExchange: 'psk', pskIdentity: s.opaque(2, 'psk_identity') }),
  /** RFC 5489 §2 */
  ecdhe_psk: (s) => {
    const pskIdentity = s.opaque(2, 'psk_identity');
    const ecdhYc = s.opaque(1, 'ecdh_Yc', 1);
    return { keyExchange: 'ecdhe_psk', pskIdentity, ecdhYc };
  },
  /** RFC 5246 §7.4.7.1 */
  rsa: (s) => ({ keyExchange: 'rsa', encryptedPreMasterSecret: s.opaque(2, 'pre_master_secret') }),
};

const CLIENT_KEY_EXCHANGE_RFC: Record<ClientKeyExchangeKind, string> = {
  ecdhe: 'RFC 8422 §5.7',
  dhe: 'RFC 5246 §7.4.7.2',
  psk: 'RFC 4279 §2',
  ecdhe_psk: 'RFC 5489 §2',
  rsa: 'RFC 5246 §7.4.7.1',
};

/** Reads a ClientKeyExchange body laid out for `keyExchange`. RFC 5246 §7.4.7 */
export function readClientKeyExchange<K extends ClientKeyExchangeKind>(
  r: Reader,
  keyExchange: K,
): ClientKeyExchangeByKind[K] {
  if (!Object.prototype.hasOwnProperty.call(CLIENT_KEY_EXCHANGE_READERS, keyExchange)) {
    r.fail('ClientKeyExchange', `unknown key exchange ${String(keyExchange)}`);
  }
  const read = CLIENT_KEY_EXCHANGE_READERS[keyExchange];
  return r.struct('ClientKeyExchange', CLIENT_KEY_EXCHANGE_RFC[keyExchange], read);
}

export function writeClientKeyExchange(w: Writer, m: ClientKeyExchange): void {
  switch (m.keyExchange) {
    case 'ecdhe':
      w.opaque(1, m.ecdhYc);
      return;
    case 'dhe':
      w.opaque(2, m.dhYc);
      return;
    case 'psk':
      w.opaque(2, m.pskIdentity);
      return;
    case 'ecdhe_psk':
      w.opaque(2, m.pskIdentity).opaque(1, m.ecdhYc);
      return;
    case 'rsa':
      w.opaque(2, m.encryptedPreMasterSecret);
      return;
  }
}
