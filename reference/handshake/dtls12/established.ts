/**
 * After the handshake: renegotiation is refused (RFC 5746 allows it; we do not do it). A client
 * answers a HelloRequest, a server a ClientHello, with a no_renegotiation warning (RFC 5246 §7.2.2);
 * other handshake messages here are retransmissions, which the engine handles before this state.
 */
import { AlertDescription, AlertLevel, HandshakeType } from '../../wire/enums.ts';
import type { Role } from './config.ts';
import { type HandshakeState, unexpectedChangeCipherSpec } from './state.ts';
import { DtlsError } from '../../errors.ts';

export function established(role: Role): HandshakeState {
  const renegotiationStart = role === 'client' ? HandshakeType.hello_request : HandshakeType.client_hello;
  const state: HandshakeState = {
    name: 'Established',
    expects: [renegotiationStart],
    expectsChangeCipherSpec: false,
    established: true,
    handle(message, ctx) {
      if (message.msgType !== renegotiationStart) throw DtlsError.unexpected([renegotiationStart], message.msgType);
      ctx.actions.push({ kind: 'alert', level: AlertLevel.warning, description: AlertDescription.no_renegotiation });
      return state;
    },
    changeCipherSpec() {
      throw unexpectedChangeCipherSpec('Established');
    },
  };
  return state;
}
