// Imported for its side effect before any OTLP message is encoded or decoded. protobufjs picks its
// Buffer-based writer and reader wherever a global Buffer exists, and workerd's Buffer (Node
// compatibility) checks utf8Write's length argument differently from Node's: protobufjs' string
// writes then throw RangeError. The plain Uint8Array writer and reader behave the same everywhere.
// 64-bit integers are read as plain numbers, not long.js objects: every consumer turns them into a
// number anyway (otlp-spans.ts int64), a number is a fraction of a Long's heap, and it lets the
// production build leave long.js out (wrangler.jsonc "alias": src/otlp/long-absent.ts).
import $protobuf from 'protobufjs/minimal.js';

// Typed as always present; null is the value protobufjs itself sets where Buffer or Long is
// missing. configure() then picks the Uint8Array reader and writer and toNumber for 64-bit reads.
($protobuf.util as { Buffer: unknown }).Buffer = null;
($protobuf.util as { Long: unknown }).Long = null;
$protobuf.configure();
