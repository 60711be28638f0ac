/**
 * Real bytes no one here wrote: every datagram of the shared corpora and captures, and of our golden
 * OpenSSL <-> GnuTLS transcripts, through the dissector. The counts are pinned: a codec change that
 * stops parsing or re-encoding any of them fails here, naming the source.
 */
import test from 'ava';
import { repoPath, sharedPath, sharedRoot, sharedTest } from '../../testkit/shared.ts';
import { type SourceReport, addConversations, boringSslConversations, captureConversations, emptyReport, illustratedRecordConversation, realBytesReport, transcriptConversation } from './report.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

type Counts = [datagrams: number, parsed: number, reencoded: number, records: number, protectedRecords: number, messages: number, messagesParsed: number, messagesReencoded: number, malformed: number, unparsed: number];

function counts(r: SourceReport): Counts {
  const sum = (m: Record<string, number>): number => Object.values(m).reduce((a, b) => a + b, 0);
  return [r.datagrams, r.datagramsParsed, r.datagramsReencoded, r.records, r.protectedRecords, r.messages, r.messagesParsed, r.messagesReencoded, sum(r.malformed), sum(r.unparsed)];
}

function pcap(...parts: string[]): SourceReport {
  return addConversations(emptyReport(parts.join('/')), captureConversations(new Uint8Array(readFileSync(sharedPath(...parts)))));
}

sharedTest('Chromium 123 and Firefox 125 DTLS 1.2 handshakes: every datagram and message parses and re-encodes', ['corpora', 'pion', 'fingerprints'], (t) => {
  t.deepEqual(counts(pcap('corpora', 'pion', 'fingerprints', 'capture-chrome-Chromium_123.0.6312.0_.pcap')), [5, 5, 5, 15, 2, 11, 11, 11, 0, 0]);
  t.deepEqual(counts(pcap('corpora', 'pion', 'fingerprints', 'capture-firefox-Mozilla_Firefox_125.0.pcap')), [4, 4, 4, 13, 2, 9, 9, 9, 0, 0]);
});

sharedTest('illustrated-dtls (wolfSSL DTLS 1.3): records parse and re-encode; its two plaintext hellos parse', ['vectors', 'illustrated-dtls', 'captures'], (t) => {
  t.deepEqual(counts(pcap('vectors', 'illustrated-dtls', 'captures', 'capture.pcap')), [11, 11, 11, 11, 9, 2, 2, 2, 0, 0]);
  const caps = addConversations(emptyReport('caps'), [illustratedRecordConversation(sharedPath('vectors', 'illustrated-dtls', 'captures', 'caps'))]);
  t.deepEqual(counts(caps), [11, 11, 11, 11, 9, 2, 2, 2, 0, 0]);
});

sharedTest('BoringSSL fuzz corpora: datagrams parse and re-encode; the malformed ones are counted by reason', ['corpora', 'boringssl', 'fuzz'], (t) => {
  const dir = (d: string): string => sharedPath('corpora', 'boringssl', 'fuzz', d);
  const client = addConversations(emptyReport('client'), boringSslConversations(dir('dtls_client_corpus'), 'server'));
  const server = addConversations(emptyReport('server'), boringSslConversations(dir('dtls_server_corpus'), 'client'));
  t.deepEqual(counts(client), [70110, 70106, 70106, 91715, 49282, 1183, 1118, 1118, 54, 20]);
  t.deepEqual(counts(server), [21590, 21590, 21590, 35585, 5537, 672, 541, 541, 14, 119]);
  // Fuzzer-made inputs: a few are malformed on purpose. Pin the commonest reasons.
  t.is(client.malformed['Handshake.body.ServerKeyExchange.signed_params.signature: truncated: needs N byte(s), N left'], 29);
  t.is(client.malformed['Datagram.records[].cid: the C bit is set but no connection ID length is known'], 2);
  t.is(server.malformed['Handshake.body.CertificateVerify.signature: truncated: needs N byte(s), N left'], 6);
  // The server corpus holds only what clients send: the chosen suite, hence the key exchange, is never seen.
  t.is(server.unparsed['client_key_exchange: the key exchange was not negotiated in what was seen'], 111);
});

test('golden OpenSSL <-> GnuTLS transcripts: every plaintext part parses and re-encodes', (t) => {
  const dir = repoPath('vectors', 'transcripts');
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  t.is(names.length, 6);
  for (const name of names) {
    const r = addConversations(emptyReport(name), [transcriptConversation(join(dir, name))]);
    t.is(r.datagramsParsed, r.datagrams, name);
    t.is(r.datagramsReencoded, r.datagrams, name);
    t.is(r.messagesParsed, r.messages, name);
    t.is(r.messagesReencoded, r.messages, name);
    t.deepEqual(r.malformed, {}, name);
    t.true(r.messages >= 6, `${name}: ${r.messages} plaintext handshake messages`); // CH, HVR, CH, SH, ..., SHD, CKE
  }
});

test('the report runs over every source the shared folder has, and over our transcripts without it', (t) => {
  const reports = realBytesReport(sharedRoot(), repoPath('vectors', 'transcripts'));
  t.is(reports[reports.length - 1].source, 'vectors/transcripts');
  t.deepEqual(counts(reports[reports.length - 1]), [84, 84, 84, 108, 33, 54, 54, 54, 0, 0]);
  t.is(realBytesReport(undefined, repoPath('vectors', 'transcripts')).length, 1);
});
