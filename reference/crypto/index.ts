// The public face of reference/crypto: a plain list of re-exports, one module per line.
export * from './aead.ts';
export * from './hash.ts';
export * from './hkdf.ts';
export * from './prf.ts';
export * from './random.ts';
export * from './asymmetric.ts';
