import { describe, expect, it } from 'vitest';
import { GROUP_SUBJECT, groupIdentity } from './federated-subscriptions.js';

describe('the identity a subscription group runs under upstream', () => {
  const ada = { tenantId: 'lab-a', subject: 'ada@lab-a', roles: ['technician', 'admin'], requestId: 'req-ada:1', name: 'Ada Lovelace', authTime: 1_700_000_000 };
  const bob = { tenantId: 'lab-a', subject: 'bob@lab-a', roles: ['admin', 'technician'], requestId: 'req-bob:7', name: 'Bob', authTime: 1_800_000_000 };

  it('is the same whichever member opened the group: no subject, name or sign-in time of theirs', () => {
    expect(groupIdentity(ada, 'group-1')).toEqual(groupIdentity(bob, 'group-1'));
    expect(groupIdentity(ada, 'group-1')).toEqual({ tenantId: 'lab-a', subject: GROUP_SUBJECT, roles: ['admin', 'technician'], requestId: 'group-1' });
  });

  it('keeps what authorization reads: the tenant and the roles', () => {
    const viewer = groupIdentity({ ...ada, tenantId: 'lab-b', roles: ['viewer'] }, 'group-2');
    expect([viewer.tenantId, viewer.roles]).toEqual(['lab-b', ['viewer']]);
  });
});
