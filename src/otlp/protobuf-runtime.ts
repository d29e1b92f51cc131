// Imported for its side effect before any OTLP message is encoded or decoded. protobufjs picks its
// Buffer-based writer and reader wherever a global Buffer exists, and workerd's Buffer (Node
// compatibility) checks utf8Write's length argument differently from Node's: protobufjs' string
// writes then throw RangeError. The plain Uint8Array writer and reader behave the same everywhere.
import $protobuf from 'protobufjs/minimal.js';

// Typed as always present; null is the value protobufjs itself sets where Buffer is missing.
($protobuf.util as { Buffer: unknown }).Buffer = null;
$protobuf.configure();
