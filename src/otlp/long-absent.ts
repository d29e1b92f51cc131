// What `require("long")` inside protobufjs resolves to in the production build (wrangler.jsonc
// "alias"): no long.js, so protobufjs reads 64-bit integers as numbers, as protobuf-runtime.ts
// already makes it do everywhere. protobufjs treats a module without `isLong` as absent.
export default null;
