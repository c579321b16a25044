/**
 * The audit context's published events. A signature is its own stream (`Signature-<uuid>`) with
 * one event: nothing appends to it again, so a signature is never edited (21 CFR Part 11 §11.70).
 */
import type { Event } from '../../event-store/types.js';

export const SIGNATURE_MEANINGS = ['REVIEWED', 'APPROVED', 'RESPONSIBLE', 'VERIFIED'] as const;
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

/** The records a person can sign: each has an audit trail of its own. */
export const RECORD_TYPES = ['SAMPLE', 'RUN'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * §11.50: the printed name, the time and the meaning travel with the signature. `trailHash` is the
 * sha256 of the record's trail (its events, signatures excluded, as canonical JSON) the signer saw.
 */
export type RecordSigned = Event<
  'RecordSigned',
  {
    signatureId: string;
    recordType: RecordType;
    recordId: string;
    meaning: SignatureMeaning;
    signer: string;
    printedName: string;
    signedAt: string;
    trailHash: string;
    /** How many events the hash covers (a reader can tell "one later change" from "rewritten"). */
    trailLength: number;
  }
>;
export type SignatureEvent = RecordSigned;

/** Everything the audit context publishes. */
export type AuditEvent = SignatureEvent;
