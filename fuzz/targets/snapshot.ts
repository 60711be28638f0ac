/**
 * Copies of a live object graph, for the engine targets: an endpoint is made and taken through its
 * valid prefix once, and each exec runs on a copy of it instead of redoing that work. A copy must
 * behave exactly as the original would from where it was copied, and share nothing that either of
 * them changes:
 *
 * - objects (with their prototypes), arrays, Maps, Sets, Dates, typed arrays and ArrayBuffers are
 *   copied, shared references and cycles kept as they are; of an object, its own enumerable data
 *   properties, which is all the engine's state has (class fields and object literals: no
 *   accessors, symbols or #private fields), and whether it is extensible;
 * - functions are shared: the engine's handshake states are closures over data they never change
 *   (a key share, the negotiated choice), and take the handshake context as a parameter;
 * - so are frozen objects, errors, and whatever the caller names (`shared`: the endpoint's
 *   configuration and everything it reaches, which the endpoint only reads; a `PrivateKey` keeps
 *   its secret in a WeakMap keyed by the object, so it must be the same object);
 * - what it knows it cannot copy (WeakMap, WeakSet, WeakRef, Promise, a Node KeyObject, a DataView)
 *   throws rather than be copied wrong.
 *
 * Copying an endpoint after a ClientHello takes about a quarter of the time of making one and
 * replaying the ClientHello. fuzz/targets/engine.test.ts checks that a copy answers inputs exactly
 * as a fresh endpoint taken through the same prefix does, datagram for datagram.
 */
import { types } from 'node:util';

/** Every object `root` reaches (through own properties, array items, Map and Set entries). */
export function reachable(root: unknown, into = new Set<object>()): Set<object> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || into.has(v)) continue;
    into.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    for (const key of Reflect.ownKeys(v)) {
      const d = Reflect.getOwnPropertyDescriptor(v, key);
      if (d !== undefined && 'value' in d) stack.push(d.value);
    }
  }
  return into;
}

function uncopyable(v: object): boolean {
  return v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef || v instanceof Promise || types.isKeyObject(v);
}

/** Copies one graph (see the top of the file); `copies` keeps shared references and cycles as they are. */
class Copier {
  private readonly copies = new Map<object, object>();

  constructor(private readonly shared: ReadonlySet<object>) {}

  copy(v: unknown): unknown {
    if (typeof v !== 'object' || v === null) return v;
    if (this.shared.has(v) || Object.isFrozen(v) || v instanceof Error) return v;
    const done = this.copies.get(v);
    if (done !== undefined) return done;
    if (uncopyable(v)) throw new TypeError(`snapshot: cannot copy a ${Object.prototype.toString.call(v)}`);
    if (v instanceof ArrayBuffer) return this.keep(v, v.slice(0));
    // %TypedArray%.prototype.slice copies, even a Buffer (whose own slice() is a view)
    if (types.isTypedArray(v)) return this.keep(v, Uint8Array.prototype.slice.call(v));
    if (ArrayBuffer.isView(v)) throw new TypeError('snapshot: cannot copy a DataView');
    if (Array.isArray(v)) {
      const out = this.keep(v, new Array<unknown>(v.length));
      for (let i = 0; i < v.length; i++) if (i in v) out[i] = this.copy(v[i]);
      return out;
    }
    if (v instanceof Map) {
      const out = this.keep(v, new Map<unknown, unknown>());
      for (const [k, x] of v) out.set(this.copy(k), this.copy(x));
      return out;
    }
    if (v instanceof Set) {
      const out = this.keep(v, new Set<unknown>());
      for (const x of v) out.add(this.copy(x));
      return out;
    }
    if (v instanceof Date) return this.keep(v, new Date(v.getTime()));
    // a plain object or a class instance: its own enumerable data properties are all it has
    // (class fields, object literals; no #private fields, accessors or symbols in the engine's state)
    const out = this.keep(v, Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>);
    const from = v as Record<string, unknown>;
    for (const k of Object.keys(v)) out[k] = this.copy(from[k]);
    if (!Object.isExtensible(v)) Object.preventExtensions(out);
    return out;
  }

  private keep<O extends object>(original: object, copy: O): O {
    this.copies.set(original, copy);
    return copy;
  }
}

/** A copy of `value` as described above; `shared` objects (and functions, frozen objects, errors) are not copied. */
export function deepCopy<T>(value: T, shared: ReadonlySet<object>): T {
  return new Copier(shared).copy(value) as T;
}
