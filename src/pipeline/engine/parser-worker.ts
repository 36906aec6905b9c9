/**
 * Worker thread for parse-ahead.ts: builds the SPARQL parser (traqula) and parses each text it is
 * sent, with the prefixes and source-locating AST factory base.ts's check parses with, replying
 * the AST (plain data: it survives the structured clone unchanged) or the parse error's message.
 */
import { parentPort } from 'node:worker_threads';
import { standaloneParser } from '../extract/sparql-syntax.js';
import type { ParseReply, ParseRequest } from './parse-ahead.js';
import { locatingContext } from './rewrite.js';

const reply = (msg: ParseReply) => parentPort!.postMessage(msg);

parentPort!.on('message', (msg: ParseRequest) => {
  void standaloneParser().then((parser) => {
    msg.texts.forEach((text, i) => {
      try {
        reply({ i, ast: parser.parse(text, { ...locatingContext(parser), prefixes: { ...msg.prefixes } }) });
      } catch (err) {
        reply({ i, error: err instanceof Error ? err.message : String(err) });
      }
    });
  });
});
