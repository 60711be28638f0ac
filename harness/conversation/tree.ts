/**
 * Conversations in tlsfuzzer's model: a tree of nodes, each with a `child` (what comes next) and a
 * `nextSibling` (an alternative outcome at the same point). The runner walks from the root: a
 * command acts on the peer or the clock, a generator sends a message it builds, an expectation
 * takes the next message from the implementation under test and checks it; when it does not match,
 * the expectation's siblings are tried in turn, and when none matches the probe fails.
 *
 * Node names follow tlsfuzzer's (`ClientHelloGenerator`, `ExpectServerHello`, `ExpectAlert`,
 * `ExpectClose`, ...); the DTLS ones are ours (`ExpectHelloVerifyRequest`, `ExpectRetransmission`,
 * `AdvanceClock`, `Impair`, ...).
 */
import type { Peer } from './peer.ts';
import type { Incoming } from './incoming.ts';

export abstract class Node {
  child: Node | undefined;
  nextSibling: Node | undefined;
  /** tlsfuzzer's class name for the node, shown in conversation logs. */
  abstract readonly name: string;

  /** Sets `child` and returns it, so a conversation reads as a chain: `node = node.add(...)`. */
  add<N extends Node>(child: N): N {
    this.child = child;
    return child;
  }

  /** Adds an alternative outcome at this point (tlsfuzzer's `next_sibling`); returns this node. */
  or<N extends Node>(sibling: N): this {
    let last: Node = this;
    while (last.nextSibling !== undefined) last = last.nextSibling;
    last.nextSibling = sibling;
    return this;
  }

  /** A short description for the conversation log, e.g. `ClientHelloGenerator(suites=[c02b])`. */
  describe(): string {
    return this.name;
  }
}

/** Acts on the peer, the wire or the clock, then goes on to its child. */
export abstract class Command extends Node {
  abstract run(peer: Peer): Promise<void>;
}

/** Builds and sends something; the child runs after. */
export abstract class Generator extends Node {
  abstract generate(peer: Peer): Promise<void> | void;
}

/** Takes the next message from the implementation under test. */
export abstract class Expect extends Node {
  /** How long to wait for a message, on the probe's clock. Undefined: the peer's default. */
  timeoutMs: number | undefined;
  /** Whether `m` (undefined: nothing came within the timeout) is what this node expects. */
  abstract matches(m: Incoming | undefined, peer: Peer): boolean;
  /** Takes the message in: checks its content (throwing `ProbeFailure`) and updates the peer. */
  abstract process(m: Incoming | undefined, peer: Peer): Promise<void> | void;
}

/** The implementation under test departed from what the conversation requires. */
export class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';
}

/** Every node of a tree, depth first (children, then siblings). */
export function* walk(root: Node): IterableIterator<Node> {
  const seen = new Set<Node>();
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    yield n;
    if (n.nextSibling !== undefined) stack.push(n.nextSibling);
    if (n.child !== undefined) stack.push(n.child);
  }
}
