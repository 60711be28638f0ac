import type fc from 'fast-check';
import type { Codec } from '../../../reference/wire/codec.ts';
export interface WireCase<T> { readonly codec: Codec<T>; readonly arbitrary: fc.Arbitrary<T>; }
