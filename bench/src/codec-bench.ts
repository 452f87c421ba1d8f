/**
 * Per-value cost of the message codec against its baselines, all timed in this process:
 * raw AES-256-GCM, the primitives floor of the message format, @47ng/cloak, the SDK's own
 * encrypt/decrypt (caching materials manager, committing non-signing suite) and our codec given a
 * data key (the pure codec cost; materials lookup is the cache's job and is timed elsewhere).
 *
 * Run alone, on the built package:
 *   pnpm turbo run build --filter=@prisma-kms/field-crypto && pnpm --filter @prisma-kms/bench exec tsx src/codec-bench.ts
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { decryptStringSync, encryptStringSync, generateKey, parseKeySync } from '@47ng/cloak';
import {
  CommitmentPolicy,
  NodeAlgorithmSuite,
  NodeCachingMaterialsManager,
  NodeDefaultCryptographicMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  buildClient,
  getLocalCryptographicMaterialsCache,
  unwrapDataKey,
} from '@aws-crypto/client-node';
// The codec is internal to field-crypto (its public API is the FieldCipher). The bench times the
// BUILT code through the package's loudly named internal subpath, never the sources (tsx would
// time its own transpilation of them, not what users run). Build first:
// `pnpm turbo run build --filter=@prisma-kms/field-crypto`.
import {
  COMMITTING_SUITE_ID,
  decodeMessage,
  encodeMessage,
  encodeWithHeader,
  parseMessageHeader,
  prepareMessageHeader,
  readStoredMessage,
} from '@prisma-kms/field-crypto/internal/codec';
import { classifyCompactValue, decodeCompactBase64, deriveCompactFieldKey, encodeCompact, fieldKeyInfo } from '@prisma-kms/field-crypto/internal/compact';
import {
  createFieldCipher,
  createKeyStore,
  keyStoreAdmin,
  localAesKeyring,
  generateLocalKey,
  memoryKeyStorage,
  type FieldCipher,
} from '@prisma-kms/field-crypto';
import { printTable, type BenchRow } from './table';
import { median } from './timing';

/** 9 bytes, the plaintext of the design brief's measurements. */
const SAMPLE = 'Ada Byron';
const CONTEXT = Object.freeze({ 'prisma-kms:model': 'User', 'prisma-kms:field': 'firstName' });

export const CODEC_BASELINES = {
  rawAesGcm: 'raw AES-256-GCM',
  primitivesFloor: 'primitives floor',
  cloak: '@47ng/cloak',
} as const;

interface SyncCase {
  readonly name: string;
  readonly run: () => unknown;
}

/**
 * A case whose call handles a whole batch of values and may return a promise (the cipher's
 * encryptMany/decryptMany): timed in the same rounds as the sync cases, per value.
 */
interface BatchCase {
  readonly name: string;
  /** Values one call handles. */
  readonly values: number;
  readonly run: () => Promise<unknown>;
}

interface Timing {
  readonly rounds: number;
  readonly batch: number;
  readonly warmup: number;
}

const SYNC_TIMING: Timing = { rounds: 101, batch: 400, warmup: 20000 };
const SDK_TIMING: Timing = { rounds: 9, batch: 150, warmup: 300 };

interface InterleavedTimings {
  /** Median over rounds of each case's mean µs per value. */
  readonly us: (name: string) => number;
  /** Median over rounds of the ratio a/b within the same round: robust to load that drifts between rounds. */
  readonly pairedRatio: (a: string, b: string) => number;
  /**
   * The same over the process's CPU time instead of wall time: what the work costs, without the time
   * the scheduler gave other processes (on a shared, loaded machine most of the wall time).
   */
  readonly pairedCpuRatio: (a: string, b: string) => number;
}

/**
 * Runs every case in interleaved rounds, in an order that rotates from round to round (so drift, load
 * from other processes and GC hit all cases alike) and keeps each round's mean per value. A batch case
 * runs `timing.batch` values a round too (at least one call), so its ratio to a sync case is paired per
 * round like any other.
 */
async function timeInterleaved(cases: readonly (SyncCase | BatchCase)[], timing: Timing): Promise<InterleavedTimings> {
  const valuesPerCall = (c: SyncCase | BatchCase): number => ('values' in c ? c.values : 1);
  const callsFor = (c: SyncCase | BatchCase, values: number): number => Math.max(1, Math.round(values / valuesPerCall(c)));
  // A sync loop stays free of awaits: an await per call would add a microtask to every value.
  const runCalls = async (c: SyncCase | BatchCase, calls: number): Promise<void> => {
    if ('values' in c) for (let i = 0; i < calls; i++) await c.run();
    else for (let i = 0; i < calls; i++) c.run();
  };
  for (const c of cases) await runCalls(c, callsFor(c, timing.warmup));
  const wall = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < timing.rounds; round++) {
    // Each round starts one case further on: in a fixed order a case always follows the same one and pays
    // for its garbage (the next scavenge lands on whoever allocates next), which moved the compact cipher's
    // decrypt from 0.8x to 1.45x cloak in a test harness depending on which case ran before it.
    for (let turn = 0; turn < cases.length; turn++) {
      const c = cases[(round + turn) % cases.length] as SyncCase | BatchCase;
      const calls = callsFor(c, timing.batch);
      const start = process.hrtime.bigint();
      const startCpu = process.cpuUsage();
      await runCalls(c, calls);
      const { user, system } = process.cpuUsage(startCpu);
      const elapsed = Number(process.hrtime.bigint() - start) / 1000;
      wall.get(c.name)?.push(elapsed / (calls * valuesPerCall(c)));
      cpu.get(c.name)?.push((user + system) / (calls * valuesPerCall(c)));
    }
  }
  const paired = (samples: Map<string, number[]>, a: string, b: string): number => {
    const base = samples.get(b) ?? [];
    return median((samples.get(a) ?? []).map((value, round) => value / (base[round] ?? Number.NaN)));
  };
  return {
    us: (name) => median(wall.get(name) ?? []),
    pairedRatio: (a, b) => paired(wall, a, b),
    pairedCpuRatio: (a, b) => paired(cpu, a, b),
  };
}

async function timeAsync(run: () => Promise<unknown>, timing: Timing): Promise<number> {
  for (let i = 0; i < timing.warmup; i++) await run();
  const values: number[] = [];
  for (let round = 0; round < timing.rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < timing.batch; i++) await run();
    values.push(Number(process.hrtime.bigint() - start) / 1000 / timing.batch);
  }
  return median(values);
}

/**
 * Measures every row. Throws if a path under test does not round-trip (a fast broken codec is no result).
 *
 * @example
 * printTable(await benchCodec(), CODEC_BASELINES);
 */
export async function benchCodec(): Promise<BenchRow[]> {
  const plaintext = Buffer.from(SAMPLE, 'utf8');
  const keyring = new RawAesKeyringNode({
    keyNamespace: 'prisma-kms-bench',
    keyName: 'codec',
    unencryptedMasterKey: randomBytes(32),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });

  // Materials for the codec: one data key, as a warm cache would hold it.
  const material = await new NodeDefaultCryptographicMaterialsManager(keyring).getEncryptionMaterials({
    suite: new NodeAlgorithmSuite(COMMITTING_SUITE_ID),
    encryptionContext: { ...CONTEXT },
    commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  });
  const dataKey = Uint8Array.from(unwrapDataKey(material.getUnencryptedDataKey()));
  const encodeInput = {
    suiteId: COMMITTING_SUITE_ID,
    dataKey,
    encryptedDataKeys: material.encryptedDataKeys,
    encryptionContext: material.encryptionContext,
    plaintext,
  };
  // What the cipher does on a warm cache: the header sections serialized once per materials.
  const headerTemplate = prepareMessageHeader(encodeInput);
  const message = encodeMessage(encodeInput);
  const stored = message.toString('base64');
  const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const check = await sdk.decrypt(keyring, message);
  if (check.plaintext.toString('utf8') !== SAMPLE) throw new Error('codec output does not decrypt with the SDK');

  // Raw AES-256-GCM: random IV, one cipher call; stored as IV + ciphertext + tag.
  const rawKey = randomBytes(32);
  const rawEncrypt = (): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', rawKey, iv);
    const ciphertext = cipher.update(plaintext);
    cipher.final();
    return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
  };
  const rawStored = rawEncrypt();
  const rawDecrypt = (): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', rawKey, rawStored.subarray(0, 12));
    decipher.setAuthTag(rawStored.subarray(rawStored.length - 16));
    const out = decipher.update(rawStored.subarray(12, rawStored.length - 16));
    decipher.final();
    return out;
  };

  // The primitives floor: what any implementation of this message must compute per value.
  const floor = primitivesFloor(message, dataKey, plaintext);

  const cloakKey = parseKeySync(generateKey());
  const cloaked = encryptStringSync(SAMPLE, cloakKey);

  const header = parseMessageHeader(message);
  if (decodeMessage(message, header, dataKey).toString('utf8') !== SAMPLE) throw new Error('codec round trip failed');

  // The compact codec, string in and string out like cloak: the per-field key is derived once per
  // key version and field in real use, so it is given here as the data key is to the message codec.
  const compactKey = deriveCompactFieldKey(randomBytes(32), fieldKeyInfo({ model: 'User', field: 'firstName' }, {})!);
  const compactStored = encodeCompact(compactKey, 1, Buffer.from(SAMPLE, 'utf8')).toString('base64');
  const compactDecrypt = (): string => {
    const value = classifyCompactValue(compactStored);
    if (value.kind !== 'compact') throw new Error('not a compact value');
    const plaintext = decodeCompactBase64(compactKey, value.base64);
    if (!plaintext) throw new Error('compact value did not authenticate');
    return plaintext.toString('utf8');
  };
  if (compactDecrypt() !== SAMPLE) throw new Error('compact round trip failed');

  // Every cipher runs in the same rounds as cloak, so its ratio is paired per round like the codec's
  // (timed in a later phase, it would be compared with cloak under another load).
  const cloakCases: SyncCase[] = [
    { name: 'cloak enc', run: () => encryptStringSync(SAMPLE, cloakKey) },
    { name: 'cloak dec', run: () => decryptStringSync(cloaked, cloakKey) },
  ];
  const compactCases = await cipherCases(await compactCipher(), 'compact cipher');
  const timings = await timeInterleaved(
    [
      { name: 'raw enc', run: rawEncrypt },
      { name: 'raw dec', run: rawDecrypt },
      { name: 'floor enc', run: floor.encrypt },
      { name: 'floor dec', run: floor.decrypt },
      ...cloakCases,
      { name: 'compact enc', run: () => encodeCompact(compactKey, 1, Buffer.from(SAMPLE, 'utf8')).toString('base64') },
      { name: 'compact dec', run: compactDecrypt },
      { name: 'codec enc', run: () => encodeWithHeader(headerTemplate, dataKey, plaintext) },
      { name: 'codec dec', run: () => decodeMessage(message, parseMessageHeader(message), dataKey) },
      {
        name: 'codec64 enc',
        run: () => encodeWithHeader(headerTemplate, dataKey, Buffer.from(SAMPLE, 'utf8')).toString('base64'),
      },
      {
        name: 'codec64 dec',
        run: () => {
          const parsed = readStoredMessage(stored);
          if (!parsed) throw new Error('not a message');
          return decodeMessage(parsed.message, parsed.header, dataKey).toString('utf8');
        },
      },
      ...compactCases,
    ],
    SYNC_TIMING,
  );

  const cmm = new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(100),
    maxAge: 60 * 60 * 1000,
    maxMessagesEncrypted: 2 ** 32,
  });
  const sdkMessage = (await sdk.encrypt(cmm, plaintext, { suiteId: COMMITTING_SUITE_ID, encryptionContext: { ...CONTEXT } }))
    .result;
  const sdkEncryptUs = await timeAsync(
    () => sdk.encrypt(cmm, plaintext, { suiteId: COMMITTING_SUITE_ID, encryptionContext: { ...CONTEXT } }),
    SDK_TIMING,
  );
  const sdkDecryptUs = await timeAsync(() => sdk.decrypt(cmm, sdkMessage), SDK_TIMING);

  const cipherTimings = await timeInterleaved(
    [...cloakCases, ...(await cipherCases(createFieldCipher({ keyring: localAesKeyring({ key: generateLocalKey() }) }), 'message cipher'))],
    CIPHER_TIMING,
  );
  /** The paired ratios, in the rounds of `from`, of the cases `${prefix} enc${suffix}` and `${prefix} dec${suffix}` to cloak's. */
  const pairedWithCloak = (prefix: string, suffix = '', from = timings): string => {
    const ratio = (kind: 'enc' | 'dec', of: InterleavedTimings['pairedRatio']): string =>
      `${of(`${prefix} ${kind}${suffix}`, `cloak ${kind}`).toFixed(2)}x`;
    return (
      `x cloak paired per round: enc ${ratio('enc', from.pairedRatio)}, dec ${ratio('dec', from.pairedRatio)}` +
      ` (CPU time: enc ${ratio('enc', from.pairedCpuRatio)}, dec ${ratio('dec', from.pairedCpuRatio)})`
    );
  };

  const us = timings.us;
  const overFloor = (kind: 'enc' | 'dec'): string => {
    const percent = (timings.pairedRatio(`codec ${kind}`, `floor ${kind}`) - 1) * 100;
    return `${percent >= 0 ? '+' : ''}${percent.toFixed(0)}%`;
  };
  return [
    { name: CODEC_BASELINES.rawAesGcm, encryptUs: us('raw enc'), decryptUs: us('raw dec'), storedBytes: rawStored.length, note: 'random IV + ciphertext + tag' },
    {
      name: CODEC_BASELINES.primitivesFloor,
      encryptUs: us('floor enc'),
      decryptUs: us('floor dec'),
      note: 'enc: 32 random bytes + 3 HMAC-SHA-512 + 2 GCM (header tag, frame); dec: the same without random bytes',
    },
    { name: CODEC_BASELINES.cloak, encryptUs: us('cloak enc'), decryptUs: us('cloak dec'), storedBytes: Buffer.byteLength(cloaked), note: 'string in, string out (chars)' },
    {
      name: 'SDK encrypt/decrypt (caching CMM)',
      encryptUs: sdkEncryptUs,
      decryptUs: sdkDecryptUs,
      storedBytes: sdkMessage.length,
      note: 'suite 0x0478, local AES keyring, warm cache',
    },
    {
      name: 'prisma-kms codec',
      encryptUs: us('codec enc'),
      decryptUs: us('codec dec'),
      storedBytes: message.length,
      note: `bytes, data key given, header sections prepared per materials; over floor (paired per round): enc ${overFloor('enc')}, dec ${overFloor('dec')}`,
    },
    {
      name: 'prisma-kms codec + base64',
      encryptUs: us('codec64 enc'),
      decryptUs: us('codec64 dec'),
      storedBytes: stored.length,
      note: 'string in, base64 string out (chars), as stored in a String column',
    },
    {
      name: 'compact codec + base64',
      encryptUs: us('compact enc'),
      decryptUs: us('compact dec'),
      storedBytes: compactStored.length,
      note: `string in, base64 string out (chars), field key given; ${pairedWithCloak('compact')}`,
    },
    {
      name: 'FieldCipher encrypt/decrypt',
      encryptUs: cipherTimings.us('message cipher enc'),
      decryptUs: cipherTimings.us('message cipher dec'),
      note: `awaited one by one, warm data-key cache, local AES keyring (+ context check, cache lookup, data key export); ${pairedWithCloak('message cipher', '', cipherTimings)}`,
    },
    {
      name: 'FieldCipher encryptMany/decryptMany',
      encryptUs: cipherTimings.us('message cipher encMany'),
      decryptUs: cipherTimings.us('message cipher decMany'),
      note: `per value, batches of ${CIPHER_BATCH}, warm cache (as the extension calls it); ${pairedWithCloak('message cipher', 'Many', cipherTimings)}`,
    },
    {
      name: 'FieldCipher compact encrypt/decrypt',
      encryptUs: us('compact cipher enc'),
      decryptUs: us('compact cipher dec'),
      note: `format 'compact', awaited one by one, warm key-store cache (key version and field key looked up per value); ${pairedWithCloak('compact cipher')}`,
    },
    {
      name: 'FieldCipher compact encryptMany/decryptMany',
      encryptUs: us('compact cipher encMany'),
      decryptUs: us('compact cipher decMany'),
      note: `format 'compact', per value, batches of ${CIPHER_BATCH}, warm key-store cache; ${pairedWithCloak('compact cipher', 'Many')}`,
    },
  ];
}

const CIPHER_BATCH = 400;
const CIPHER_TIMING: Timing = { rounds: 31, batch: CIPHER_BATCH, warmup: 20000 };

/**
 * The public cipher on a warm cache, built package: what a value costs the extension. Single values
 * are awaited one by one (`${prefix} enc|dec`); batches go through encryptMany/decryptMany
 * (`${prefix} encMany|decMany`), whose warm path is synchronous.
 */
async function cipherCases(cipher: FieldCipher, prefix: string): Promise<BatchCase[]> {
  const field = { model: 'User', field: 'firstName' };
  const stored = await cipher.encrypt(SAMPLE, field);
  if ((await cipher.decrypt(stored, field)) !== SAMPLE) throw new Error('cipher round trip failed');
  const encryptItems = Array.from({ length: CIPHER_BATCH }, () => ({ value: SAMPLE, field }));
  const decryptItems = Array.from({ length: CIPHER_BATCH }, () => ({ value: stored, field }));
  return [
    {
      name: `${prefix} enc`,
      values: CIPHER_BATCH,
      run: async () => {
        for (let i = 0; i < CIPHER_BATCH; i++) await cipher.encrypt(SAMPLE, field);
      },
    },
    {
      name: `${prefix} dec`,
      values: CIPHER_BATCH,
      run: async () => {
        for (let i = 0; i < CIPHER_BATCH; i++) await cipher.decrypt(stored, field);
      },
    },
    { name: `${prefix} encMany`, values: CIPHER_BATCH, run: () => cipher.encryptMany(encryptItems) },
    { name: `${prefix} decMany`, values: CIPHER_BATCH, run: () => cipher.decryptMany(decryptItems) },
  ];
}

/** A compact cipher over an in-memory key store with one key version under a local AES keyring. */
async function compactCipher(): Promise<FieldCipher> {
  const keyring = localAesKeyring({ key: generateLocalKey() });
  const storage = memoryKeyStorage();
  await keyStoreAdmin({ name: 'bench', storage, keyring }).createKeyVersion();
  return createFieldCipher({ keyStore: createKeyStore({ name: 'bench', storage, keyring }) });
}

/**
 * The bare primitive calls of one v2 committing message, on inputs sliced in advance from a real
 * message: HKDF extract + two expands (3 HMAC-SHA-512), a tag-only GCM pass over the header and
 * one GCM pass over the value; encrypt adds the random 32-byte message id.
 */
function primitivesFloor(message: Buffer, dataKey: Uint8Array, plaintext: Buffer): { encrypt: () => unknown; decrypt: () => unknown } {
  const header = parseMessageHeader(message);
  const rawHeader = Buffer.from(header.rawHeader);
  const headerTag = Buffer.from(header.headerAuthTag);
  const messageId = Buffer.from(header.messageId);
  const commitInfo = Buffer.from('COMMITKEY\x01', 'latin1');
  const deriveInfo = Buffer.concat([Buffer.from([0x04, 0x78]), Buffer.from('DERIVEKEY\x01', 'latin1')]);
  const zeroIv = Buffer.alloc(12);
  const frameIv = Buffer.alloc(12);
  frameIv[11] = 1;
  const frameAad = Buffer.alloc(32 + 34 + 12);
  const contentStart = header.headerLength + 24;
  const ciphertext = message.subarray(contentStart, contentStart + plaintext.length);
  const frameTag = message.subarray(contentStart + plaintext.length);
  const bodyAad = Buffer.concat([messageId, Buffer.from('AWSKMSEncryptionClient Final Frame'), Buffer.from([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, plaintext.length])]);

  const derive = (id: Uint8Array): Buffer => {
    const prk = createHmac('sha512', id).update(dataKey).digest();
    createHmac('sha512', prk).update(commitInfo).digest();
    return createHmac('sha512', prk).update(deriveInfo).digest().subarray(0, 32);
  };
  return {
    encrypt: () => {
      const id = randomBytes(32);
      const key = derive(id);
      const headerAuth = createCipheriv('aes-256-gcm', key, zeroIv);
      headerAuth.setAAD(rawHeader);
      headerAuth.final();
      headerAuth.getAuthTag();
      const frame = createCipheriv('aes-256-gcm', key, frameIv);
      frame.setAAD(frameAad);
      frame.update(plaintext);
      frame.final();
      return frame.getAuthTag();
    },
    decrypt: () => {
      const key = derive(messageId);
      const headerAuth = createDecipheriv('aes-256-gcm', key, zeroIv);
      headerAuth.setAAD(rawHeader);
      headerAuth.setAuthTag(headerTag);
      headerAuth.final();
      const frame = createDecipheriv('aes-256-gcm', key, frameIv);
      frame.setAAD(bodyAad);
      frame.setAuthTag(frameTag);
      const out = frame.update(ciphertext);
      frame.final();
      return out;
    },
  };
}

if (require.main === module) {
  benchCodec()
    .then((rows) => {
      console.log(`codec benchmark: ${SAMPLE.length}-byte value, Node ${process.version}, medians of interleaved rounds`);
      printTable(rows, CODEC_BASELINES);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
