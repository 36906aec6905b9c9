/** Codes a chat service bound to a SessionHub refuses with; the spec declares them as error codes. */
export type MembershipErrorCode = 'not_a_member' | 'room_full';

/** A refusal that depends on room membership: reading or writing a room one is not in, or joining a full room. */
export class MembershipError extends Error {
  readonly code: MembershipErrorCode;

  constructor(code: MembershipErrorCode, message: string) {
    super(message);
    this.name = 'MembershipError';
    this.code = code;
  }
}
