/**
 * Walks a conversation tree against the implementation, as tlsfuzzer's Runner does: commands and
 * generators run in order; an expectation takes the next message (after the flight being built is
 * sent) and the first of it and its siblings that matches processes it; none matching fails the
 * probe with what came instead. Each step goes into the peer's log.
 */
import { DecodeError } from '../../reference/wire/errors.ts';
import type { IutSession } from '../iut/types.ts';
import type { Peer } from './peer.ts';
import { Command, Expect, Generator, type Node, ProbeFailure } from './tree.ts';

export type ConversationOutcome = { readonly outcome: 'pass' } | { readonly outcome: 'fail' | 'error'; readonly reason: string };

function alternatives(first: Expect): Expect[] {
  const out: Expect[] = [];
  for (let n: Node | undefined = first; n !== undefined; n = n.nextSibling) {
    if (!(n instanceof Expect)) throw new Error(`${first.describe()} has a sibling ${n.describe()} that is not an expectation`);
    out.push(n);
  }
  return out;
}

/** A crash (a signal, an exception) of the implementation, which fails any probe. */
function crashOf(session: IutSession): string | undefined {
  const e = session.exit();
  // a process killed by a signal other than our SIGTERM, or an in-process library that threw on our input
  if (e === undefined || e.signal === null || e.signal === 'SIGTERM') return undefined;
  if (!e.signal.startsWith('SIG') && !e.signal.startsWith('exception')) return undefined;
  return `the implementation died: ${e.signal}`;
}

export async function runConversation(root: Node, peer: Peer, session: IutSession): Promise<ConversationOutcome> {
  let node: Node | undefined = root;
  try {
    while (node !== undefined) {
      if (node instanceof Command) {
        peer.log(node.describe());
        await node.run(peer);
        node = node.child;
      } else if (node instanceof Generator) {
        peer.log(`${node.describe()} ->`);
        await node.generate(peer);
        node = node.child;
      } else if (node instanceof Expect) {
        const options = alternatives(node);
        const timeout = node.timeoutMs ?? peer.defaultTimeoutMs;
        const m = await peer.nextMessage(timeout);
        const match = options.find((o) => o.matches(m, peer));
        if (match === undefined) {
          const crash = crashOf(session);
          throw new ProbeFailure(`${crash === undefined ? '' : `${crash}; `}expected ${options.map((o) => o.describe()).join(' or ')}, got ${peer.describe(m)}`);
        }
        peer.log(`${match.describe()} <- ${peer.describe(m)}`);
        await match.process(m, peer);
        node = match.child;
      } else {
        throw new Error(`unknown node kind ${(node as Node).name}`);
      }
      const crash = crashOf(session);
      if (crash !== undefined) throw new ProbeFailure(crash);
    }
    peer.flush();
    return { outcome: 'pass' };
  } catch (e) {
    if (e instanceof ProbeFailure) {
      peer.log(`FAIL: ${e.message}`);
      return { outcome: 'fail', reason: e.message };
    }
    if (e instanceof DecodeError) {
      // the bytes came from the implementation: a message the harness cannot parse is its fault
      peer.log(`FAIL: malformed message: ${e.message}`);
      return { outcome: 'fail', reason: `the implementation sent a malformed message: ${e.message}` };
    }
    const message = e instanceof Error ? `${e.message}` : String(e);
    peer.log(`ERROR: ${message}`);
    return { outcome: 'error', reason: `harness error: ${message}` };
  }
}
