// Token hashes and artifact digests are lower-case hex SHA-256: known vectors, and hex of any view.
import { describe, expect, it } from 'vitest';
import { hex, sha256Hex } from '../../src/registry/sha256.ts';

describe('sha256Hex', () => {
  it('gives the FIPS 180-2 digests of "abc" and of the empty text, in lower-case hex', async () => {
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await sha256Hex('')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('hashes the UTF-8 bytes of the text', async () => {
    // "é" is c3 a9 in UTF-8
    expect(await sha256Hex('é')).toBe(
      hex(await crypto.subtle.digest('SHA-256', new Uint8Array([0xc3, 0xa9]))),
    );
  });
});

describe('hex', () => {
  it('writes every byte as two lower-case digits, from a buffer or a view of one', () => {
    const bytes = new Uint8Array([0, 1, 15, 16, 171, 255]);
    expect(hex(bytes)).toBe('00010f10abff');
    expect(hex(bytes.buffer)).toBe('00010f10abff');
    expect(hex(bytes.subarray(2, 4))).toBe('0f10');
    expect(hex(new Uint8Array(0))).toBe('');
  });
});
