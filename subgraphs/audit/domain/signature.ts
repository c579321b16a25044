import type { Command, Decider } from '../../../event-store/decider.js';
import { ConflictError, DomainError, ReauthenticationRequiredError } from '../../../platform/errors.js';
import type { RecordSigned, RecordType, SignatureEvent, SignatureMeaning } from '../events.js';

/** Meanings that attest someone else's result: the person who recorded a QC result cannot give them (second person). */
export const SECOND_PERSON_MEANINGS: ReadonlySet<SignatureMeaning> = new Set(['VERIFIED', 'APPROVED']);

/**
 * Everything the decision needs comes with the command: who signs (subject, printed name and when
 * they last authenticated, from the signed identity), the trail's hash and its QC recorders as read
 * at signing time, and the lab's freshness limit.
 */
export type SignRecord = Command<
  'SignRecord',
  {
    signatureId: string;
    recordType: RecordType;
    recordId: string;
    meaning: SignatureMeaning;
    signer: string;
    printedName: string | null;
    authTime: number | null;
    maxAuthAgeSeconds: number;
    trailHash: string;
    trailLength: number;
    qcRecorders: readonly string[];
  }
>;
export type SignatureCommand = SignRecord;

export type SignatureState = { status: 'NONE' } | ({ status: 'SIGNED' } & RecordSigned['data']);

/** Only a person can sign: their printed name is part of the signature (§11.50). */
export class PrintedNameRequiredError extends DomainError {
  constructor() {
    super('FORBIDDEN', 'only a person can sign: the token carries no name claim (API keys and services cannot sign)', { reason: 'PRINTED_NAME_REQUIRED' });
  }
}

/** Whoever recorded a QC result on the record cannot verify or approve it. */
export class SecondPersonRequiredError extends DomainError {
  constructor(meaning: SignatureMeaning) {
    super('FORBIDDEN', `you recorded a QC result on this record: a second person must sign it ${meaning}`, { reason: 'SECOND_PERSON_REQUIRED', meaning });
  }
}

const sign = (data: SignRecord['data'], now: string): SignatureEvent[] => {
  if (!data.printedName?.trim()) throw new PrintedNameRequiredError();
  const nowSeconds = Math.floor(Date.parse(now) / 1000);
  // A token from the future is as suspect as a stale one.
  if (data.authTime === null || nowSeconds - data.authTime > data.maxAuthAgeSeconds || data.authTime - nowSeconds > 60) {
    throw new ReauthenticationRequiredError(data.maxAuthAgeSeconds, data.authTime);
  }
  if (SECOND_PERSON_MEANINGS.has(data.meaning) && data.qcRecorders.includes(data.signer)) throw new SecondPersonRequiredError(data.meaning);
  const { signatureId, recordType, recordId, meaning, signer, trailHash, trailLength } = data;
  return [{ type: 'RecordSigned', data: { signatureId, recordType, recordId, meaning, signer, printedName: data.printedName.trim(), signedAt: now, trailHash, trailLength } }];
};

/** A signature: one event, then nothing: no command alters it. */
export const signatureDecider: Decider<SignatureCommand, SignatureEvent, SignatureState> = {
  streamType: 'Signature',
  stateSchema: 1,
  initialState: () => ({ status: 'NONE' }),
  decide: (command, state, { now }) => {
    switch (command.type) {
      case 'SignRecord':
        if (state.status !== 'NONE') throw new ConflictError('a signature is never changed: sign again instead');
        return sign(command.data, now);
      default: {
        const unknown: never = command.type;
        throw new Error(`unknown signature command ${String(unknown)}`);
      }
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'RecordSigned':
        return { status: 'SIGNED', ...event.data };
    }
  },
};
