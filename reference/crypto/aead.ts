/**
 * AEAD ciphers (RFC 5116) for (D)TLS record protection: AES-GCM (RFC 5288, NIST SP 800-38D) and
 * ChaCha20-Poly1305 (RFC 8439, RFC 7905) from @noble/ciphers, and AES-CCM (RFC 3610, NIST SP
 * 800-38C; TLS profiles in RFC 6655 and RFC 7251) built here on noble's AES, which has no CCM.
 *
 * Every AEAD has one shape. `seal` returns ciphertext || tag. `open` returns the plaintext, or
 * `undefined` when authentication fails: a record layer discards such a record silently (RFC 6347
 * §4.1.2.7), so a failed tag is a value, not an exception. Wrong key or nonce lengths are
 * programming errors and throw an Error that names the parameter (never its bytes).
 */
import { cbc, ctr, gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { _checkBytes as checkBytes, constantTimeEqual, wipe } from './hash.ts';

export interface Aead {
  /** e.g. `AES-128-GCM`, `AES-128-CCM-8`. */
  readonly name: string;
  readonly keyLength: number;
  readonly nonceLength: number;
  readonly tagLength: number;
  /** Encrypts and authenticates: returns ciphertext || tag (`plaintext.length + tagLength` bytes). */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Verifies and decrypts ciphertext || tag; `undefined` when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, ciphertextWithTag: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}

/** Checks what `seal` and `open` receive; the messages name the AEAD and the parameter, never key bytes. */
function checkInputs(aead: Aead, key: unknown, nonce: unknown, text: unknown, textName: string, aad: unknown): void {
  checkBytes(aead.name, 'key', key);
  checkBytes(aead.name, 'nonce', nonce);
  checkBytes(aead.name, textName, text);
  checkBytes(aead.name, 'aad', aad);
  if (key.length !== aead.keyLength) {
    throw new Error(`${aead.name}: key must be ${aead.keyLength} bytes, got ${key.length}`);
  }
  if (nonce.length !== aead.nonceLength) {
    throw new Error(`${aead.name}: nonce must be ${aead.nonceLength} bytes, got ${nonce.length}`);
  }
}

// ---------------------------------------------------------------------------------------------
// AES-GCM and ChaCha20-Poly1305: noble does the work.

interface NobleCipher {
  encrypt(data: Uint8Array): Uint8Array;
  decrypt(data: Uint8Array): Uint8Array;
}

function nobleAead(
  name: string,
  keyLength: number,
  cipher: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => NobleCipher,
): Aead {
  const aead: Aead = Object.freeze({
    name,
    keyLength,
    nonceLength: 12,
    tagLength: 16,
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
      checkInputs(aead, key, nonce, plaintext, 'plaintext', aad);
      return cipher(key, nonce, aad).encrypt(plaintext);
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
      checkInputs(aead, key, nonce, sealed, 'ciphertextWithTag', aad);
      if (sealed.length < aead.tagLength) return undefined;
      try {
        return cipher(key, nonce, aad).decrypt(sealed);
      } catch {
        // Inputs were checked above, so the only failure left is the tag: discard.
        return undefined;
      }
    },
  });
  return aead;
}

/** AES-128-GCM, 12-byte nonce, 16-byte tag (RFC 5288, RFC 8446 §5.3). */
export const AES_128_GCM: Aead = nobleAead('AES-128-GCM', 16, gcm);
/** AES-256-GCM, 12-byte nonce, 16-byte tag (RFC 5288, RFC 8446 §5.3). */
export const AES_256_GCM: Aead = nobleAead('AES-256-GCM', 32, gcm);
/** ChaCha20-Poly1305, 32-byte key, 12-byte nonce, 16-byte tag (RFC 8439 §2.8, RFC 7905). */
export const CHACHA20_POLY1305: Aead = nobleAead('ChaCha20-Poly1305', 32, chacha20poly1305);

// ---------------------------------------------------------------------------------------------
// AES-CCM, RFC 3610 §2 (the same construction as NIST SP 800-38C Appendix A).

const BLOCK = 16;

export interface CcmParameters {
  /** 16 (AES-128) or 32 (AES-256). */
  readonly keyLength: 16 | 32;
  /** 15 - L in RFC 3610: 7..13 bytes. */
  readonly nonceLength: number;
  /** M in RFC 3610: 4, 6, 8, 10, 12, 14 or 16 bytes. */
  readonly tagLength: number;
  /** Defaults to `AES-<bits>-CCM(nonce <n>, tag <m>)`. */
  readonly name?: string;
}

/**
 * AES-CCM with any parameters RFC 3610 allows. The TLS profiles are the named instances below;
 * the generic form exists so every Wycheproof CCM vector can run.
 */
export function aesCcm(params: CcmParameters): Aead {
  const { keyLength, nonceLength, tagLength } = params;
  const name = params.name ?? `AES-${keyLength * 8}-CCM(nonce ${nonceLength}, tag ${tagLength})`;
  if (keyLength !== 16 && keyLength !== 32) {
    throw new Error(`${name}: keyLength must be 16 or 32, got ${String(keyLength)}`);
  }
  if (!Number.isInteger(nonceLength) || nonceLength < 7 || nonceLength > 13) {
    throw new Error(`${name}: nonceLength must be an integer in 7..13 (RFC 3610 §2), got ${nonceLength}`);
  }
  if (!Number.isInteger(tagLength) || tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) {
    throw new Error(`${name}: tagLength must be one of 4, 6, ..., 16 (RFC 3610 §2), got ${tagLength}`);
  }
  const ccm: Aead = Object.freeze({
    name,
    keyLength,
    nonceLength,
    tagLength,
    seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
      checkInputs(ccm, key, nonce, plaintext, 'plaintext', aad);
      if (!fitsLengthField(plaintext.length, nonceLength)) {
        throw new Error(`${name}: plaintext of ${plaintext.length} bytes is too long for a ${nonceLength}-byte nonce`);
      }
      const t = ccmMac(key, nonce, plaintext, aad, tagLength);
      const { s0, text: ciphertext } = ccmCtr(key, nonce, plaintext);
      const out = new Uint8Array(plaintext.length + tagLength);
      out.set(ciphertext);
      for (let i = 0; i < tagLength; i++) out[plaintext.length + i] = t[i] ^ s0[i]; // U = T xor first-M(S_0)
      wipe(t, s0);
      return out;
    },
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
      checkInputs(ccm, key, nonce, sealed, 'ciphertextWithTag', aad);
      if (sealed.length < tagLength) return undefined;
      const ciphertext = sealed.subarray(0, sealed.length - tagLength);
      const u = sealed.subarray(sealed.length - tagLength);
      if (!fitsLengthField(ciphertext.length, nonceLength)) return undefined;
      const { s0, text: plaintext } = ccmCtr(key, nonce, ciphertext);
      const t = ccmMac(key, nonce, plaintext, aad, tagLength);
      const expected = new Uint8Array(tagLength);
      for (let i = 0; i < tagLength; i++) expected[i] = t[i] ^ s0[i];
      const ok = constantTimeEqual(expected, u);
      wipe(t, s0, expected);
      if (!ok) {
        wipe(plaintext);
        return undefined;
      }
      return plaintext;
    },
  });
  return ccm;
}

/** AES-128-CCM for TLS: 12-byte nonce, 16-byte tag (RFC 6655 §3). */
export const AES_128_CCM: Aead = aesCcm({ keyLength: 16, nonceLength: 12, tagLength: 16, name: 'AES-128-CCM' });
/** AES-256-CCM for TLS: 12-byte nonce, 16-byte tag (RFC 6655 §3). */
export const AES_256_CCM: Aead = aesCcm({ keyLength: 32, nonceLength: 12, tagLength: 16, name: 'AES-256-CCM' });
/** AES-128-CCM-8 for TLS: 12-byte nonce, 8-byte tag (RFC 6655 §4). */
export const AES_128_CCM_8: Aead = aesCcm({ keyLength: 16, nonceLength: 12, tagLength: 8, name: 'AES-128-CCM-8' });
/** AES-256-CCM-8 for TLS: 12-byte nonce, 8-byte tag (RFC 6655 §4). */
export const AES_256_CCM_8: Aead = aesCcm({ keyLength: 32, nonceLength: 12, tagLength: 8, name: 'AES-256-CCM-8' });

/** RFC 3610 §2: the message length l(m) must fit in L = 15 - nonceLength bytes. */
function fitsLengthField(length: number, nonceLength: number): boolean {
  return length < 2 ** (8 * (15 - nonceLength));
}

/** Writes `value` big-endian into `out[offset .. offset + width)`. */
function writeUintBE(out: Uint8Array, offset: number, width: number, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** Zero-padded length rounded up to whole AES blocks. */
function padded(length: number): number {
  return Math.ceil(length / BLOCK) * BLOCK;
}

/**
 * RFC 3610 §2.2 Authentication: T = first-M-bytes(X_{n+1}), the CBC-MAC of
 *   B_0 = Flags || Nonce || l(m), then l(a) || a zero-padded, then m zero-padded.
 * CBC-MAC under a zero IV is the last block of CBC encryption, which noble does in one call.
 */
function ccmMac(key: Uint8Array, nonce: Uint8Array, m: Uint8Array, a: Uint8Array, tagLength: number): Uint8Array {
  const L = 15 - nonce.length;
  // l(a) encoding, RFC 3610 §2.2: 2 bytes below 2^16 - 2^8, else 0xFFFE + 4 bytes, else 0xFFFF + 8.
  let aadHeader: Uint8Array;
  if (a.length === 0) aadHeader = new Uint8Array(0);
  else if (a.length < 0xff00) {
    aadHeader = new Uint8Array(2);
    writeUintBE(aadHeader, 0, 2, a.length);
  } else if (a.length < 2 ** 32) {
    aadHeader = Uint8Array.of(0xff, 0xfe, 0, 0, 0, 0);
    writeUintBE(aadHeader, 2, 4, a.length);
  } else {
    aadHeader = Uint8Array.of(0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
    writeUintBE(aadHeader, 2, 8, a.length);
  }
  const aadBlocks = padded(aadHeader.length + a.length);
  const input = new Uint8Array(BLOCK + aadBlocks + padded(m.length));
  // B_0: Flags = 64*Adata + 8*M' + L', M' = (M - 2) / 2, L' = L - 1.
  input[0] = (a.length > 0 ? 64 : 0) | (((tagLength - 2) / 2) << 3) | (L - 1);
  input.set(nonce, 1);
  writeUintBE(input, 1 + nonce.length, L, m.length);
  input.set(aadHeader, BLOCK);
  input.set(a, BLOCK + aadHeader.length);
  input.set(m, BLOCK + aadBlocks);
  const chain = cbc(key, new Uint8Array(BLOCK), { disablePadding: true }).encrypt(input);
  const t = chain.slice(chain.length - BLOCK, chain.length - BLOCK + tagLength);
  wipe(input, chain);
  return t;
}

/**
 * RFC 3610 §2.3 Encryption: S_i = E(K, A_i), A_i = Flags || Nonce || i with Flags = L - 1.
 * Runs CTR from A_0 over 16 zero bytes followed by `text`: the first block out is S_0 (which
 * masks the tag), the rest is `text` xor S_1 || S_2 || ... . noble's CTR increments the whole
 * block big-endian, which is the counter field i because i never overflows its L bytes.
 */
function ccmCtr(key: Uint8Array, nonce: Uint8Array, text: Uint8Array): { s0: Uint8Array; text: Uint8Array } {
  const a0 = new Uint8Array(BLOCK);
  a0[0] = 15 - nonce.length - 1;
  a0.set(nonce, 1);
  const input = new Uint8Array(BLOCK + text.length);
  input.set(text, BLOCK);
  const out = ctr(key, a0).encrypt(input);
  const result = { s0: out.slice(0, BLOCK), text: out.slice(BLOCK) };
  wipe(input, out);
  return result;
}
