import { describe, it } from 'vitest';
import { given } from '../../../event-store/testing/decider-spec.js';
import { ConflictError, ReauthenticationRequiredError } from '../../../platform/errors.js';
import type { RecordSigned } from '../events.js';
import { PrintedNameRequiredError, SecondPersonRequiredError, signatureDecider, type SignRecord } from './signature.js';

const NOW = '2026-12-02T12:00:00.000Z';
const NOW_SECONDS = Date.parse(NOW) / 1000;
const SIGNATURE = '00000000-0000-4000-8000-0000000000e1';
const RECORD = '00000000-0000-4000-8000-0000000000e2';
const HASH = 'ab'.repeat(32);

const sign = (data: Partial<SignRecord['data']> = {}): SignRecord => ({
  type: 'SignRecord',
  data: { signatureId: SIGNATURE, recordType: 'RUN', recordId: RECORD, meaning: 'REVIEWED', signer: 'ada@lab', printedName: ' Ada Lovelace ', authTime: NOW_SECONDS - 60, maxAuthAgeSeconds: 300, trailHash: HASH, trailLength: 3, qcRecorders: [], ...data },
});
const signed = (data: Partial<RecordSigned['data']> = {}): RecordSigned => ({
  type: 'RecordSigned',
  data: { signatureId: SIGNATURE, recordType: 'RUN', recordId: RECORD, meaning: 'REVIEWED', signer: 'ada@lab', printedName: 'Ada Lovelace', signedAt: NOW, trailHash: HASH, trailLength: 3, ...data },
});

describe('a signature', () => {
  it('records meaning, printed name, signer, time and the trail hash', () => {
    given(signatureDecider).when(sign(), NOW).then([signed()]);
    given(signatureDecider).when(sign({ meaning: 'APPROVED', qcRecorders: ['bob@lab'] }), NOW).then([signed({ meaning: 'APPROVED' })]);
  });

  it('needs an authentication at most maxAuthAgeSeconds old', () => {
    given(signatureDecider).when(sign({ authTime: NOW_SECONDS - 300 }), NOW).then([signed()]);
    given(signatureDecider).when(sign({ authTime: NOW_SECONDS - 301 }), NOW).thenThrows(ReauthenticationRequiredError, /at most 300 seconds/);
    given(signatureDecider).when(sign({ authTime: null }), NOW).thenThrows(ReauthenticationRequiredError);
    given(signatureDecider).when(sign({ authTime: NOW_SECONDS + 3600 }), NOW).thenThrows(ReauthenticationRequiredError);
  });

  it('needs a printed name: only a person signs', () => {
    given(signatureDecider).when(sign({ printedName: null }), NOW).thenThrows(PrintedNameRequiredError);
    given(signatureDecider).when(sign({ printedName: '  ' }), NOW).thenThrows(PrintedNameRequiredError);
  });

  it('refuses VERIFIED and APPROVED from whoever recorded a QC result on the record, not the other meanings', () => {
    given(signatureDecider).when(sign({ meaning: 'VERIFIED', qcRecorders: ['ada@lab'] }), NOW).thenThrows(SecondPersonRequiredError, /second person/);
    given(signatureDecider).when(sign({ meaning: 'APPROVED', qcRecorders: ['bob@lab', 'ada@lab'] }), NOW).thenThrows(SecondPersonRequiredError);
    given(signatureDecider).when(sign({ meaning: 'RESPONSIBLE', qcRecorders: ['ada@lab'] }), NOW).then([signed({ meaning: 'RESPONSIBLE' })]);
  });

  it('is never changed once recorded', () => {
    given(signatureDecider, [signed()]).when(sign({ meaning: 'APPROVED' }), NOW).thenThrows(ConflictError, /never changed/);
  });
});
