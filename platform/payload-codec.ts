/**
 * Encrypts every payload Temporal stores (workflow inputs and results, activity arguments, signals, updates, queries)
 * with AES-256-GCM, so the Temporal server's database and its Web UI never hold the service's data in clear: the
 * findings officials write, their names, application numbers. Personal data is kept out of payloads by design as
 * well (workflows carry application numbers; activities read the form from PostgreSQL); this is the second wall.
 *
 * Keys rotate: PAYLOAD_KEYS lists "id:base64key" pairs, the first encrypts, all decrypt. A payload records the id
 * of the key that sealed it. Payloads written before encryption was switched on pass through unchanged.
 */
import crypto from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const KEY_ID = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** "k2:base64,k1:base64" → keys, first one current. Throws naming the problem (used by the config parser). */
export function parsePayloadKeys(spec: string): PayloadKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((pair) => {
      const [id, b64] = pair.split(':');
      if (!id || !b64 || !/^[\w.-]{1,40}$/.test(id)) throw new Error(`"${pair.split(':')[0]}": expected id:base64key`);
      const key = Buffer.from(b64, 'base64');
      if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes (base64 of 32 random bytes), got ${key.length}`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('at least one key is required');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('key ids must be unique');
  return keys;
}

export function newPayloadKeySpec(id = `k${Date.now().toString(36)}`): string {
  return `${id}:${crypto.randomBytes(32).toString('base64')}`;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.current.key, iv);
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID]: Buffer.from(this.current.id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID] ?? []).toString();
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`payload sealed with key "${keyId}", which is not in PAYLOAD_KEYS`);
      const data = Buffer.from(payload.data ?? []);
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The data converter every Temporal client and worker of the service uses. */
export function encryptedDataConverter(spec: string): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [new EncryptionCodec(parsePayloadKeys(spec))] };
}
