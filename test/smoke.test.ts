import { describe, expect, it } from 'vitest';
import { MessageType } from '../src/wire/types.js';

describe('project', () => {
  it('has the RFC 4271 message type codes', () => {
    expect(MessageType.UPDATE).toBe(2);
  });
});
