/**
 * Personal data at rest: the parts of an application that identify people on their own (ID numbers, phone numbers)
 * are sealed with AES-256-GCM before they reach PostgreSQL, under a key derived from PERSONAL_DATA_KEY. The rest of
 * the form stays queryable (community, categories) with those fields masked in place.
 */
import crypto from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class PersonalDataVault {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(crypto.hkdfSync('sha256', secret, 'enrollment-supervision', 'personal-data-at-rest', 32));
  }

  seal(value: unknown): Buffer {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    return Buffer.concat([iv, cipher.update(JSON.stringify(value), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  }

  open<T>(sealed: Buffer): T {
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as T;
  }
}
