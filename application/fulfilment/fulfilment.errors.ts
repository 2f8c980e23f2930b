import { Data } from "effect"

/** A rider asking about a job that is not theirs gets the same answer as for one that does not exist. */
export class JobNotFound extends Data.TaggedError("JobNotFound")<{ readonly deliveryId: string }> {
  readonly code = "RIDER.JOB_NOT_FOUND"
  override get message() {
    return `there is no job ${this.deliveryId} for you`
  }
}

export class NotARider extends Data.TaggedError("NotARider")<{ readonly userId: string }> {
  readonly code = "RIDER.NOT_A_RIDER"
  override get message() {
    return "this needs a rider account"
  }
}

/** The status does not follow from where the job is (e.g. IN_TRANSIT before PICKED_UP). */
export class JobStatusRefused extends Data.TaggedError("JobStatusRefused")<{ readonly deliveryId: string; readonly from: string; readonly to: string }> {
  readonly code = "RIDER.STATUS_REFUSED"
  override get message() {
    return `job ${this.deliveryId} is ${this.from}; it cannot become ${this.to}`
  }
}

export class HandoverCodeRejected extends Data.TaggedError("HandoverCodeRejected")<{ readonly orderId: string; readonly attemptsLeft: number }> {
  readonly code = "ORDER.WRONG_HANDOVER_CODE"
  override get message() {
    return this.attemptsLeft > 0
      ? `the handover code does not match (${this.attemptsLeft} attempt(s) left before the job is locked)`
      : "the handover code does not match; the job is now locked and support has been alerted"
  }
}

/** Too many wrong codes: the job waits for a human (an exception is open). */
export class HandoverLocked extends Data.TaggedError("HandoverLocked")<{ readonly deliveryId: string }> {
  readonly code = "RIDER.HANDOVER_LOCKED"
  override get message() {
    return `job ${this.deliveryId} is locked after too many wrong handover codes; support will contact you`
  }
}

export class DisputeNotOpen extends Data.TaggedError("DisputeNotOpen")<{ readonly orderId: string; readonly state: string }> {
  readonly code = "DISPUTE.NOT_OPEN"
  override get message() {
    return `order ${this.orderId} is ${this.state}, not DISPUTED`
  }
}

export class PartnerSignatureInvalid extends Data.TaggedError("PartnerSignatureInvalid")<{ readonly reason: string }> {
  readonly code = "PARTNER.SIGNATURE_INVALID"
  override get message() {
    return `the partner webhook signature is not valid: ${this.reason}`
  }
}
